// The JS side of the wasm GEMMs: the BLIS loop nest jc -> pc -> ic around the module's packers and macro
// kernels, over operands already copied into the wasm memory. One thread's pack area holds packed A
// (MC x KC f32, or MC x 2KC int8 as i16 pairs), packed B (KC x NC, same bytes) and a 4x8 scratch tile.
//
// These functions are SELF-CONTAINED (no imports, no outer variables, no closures): pool.ts ships their
// `.toString()` to worker threads, like the JS cores.

import type { GemmJob } from '../gemm-core.js';
import type { Int8Job } from '../int8-core.js';

/** Cache blocks of the wasm path (bytes of packed A: MC*KC*4, of packed B: KC*NC*4; int8 uses k blocks of 2*KC). */
export const WASM_KC = 256;
export const WASM_MC = 128;
export const WASM_NC = 2048;
export const WASM_I8_KC = 512;
/** Bytes of one thread's pack area: packed A, packed B, then a 4x8 scratch tile (128 bytes, padded). */
export const WASM_PACK_BYTES = WASM_MC * WASM_KC * 4 + WASM_KC * WASM_NC * 4 + 256;

/** The module's exports (gemm-module.ts); every argument is an i32, addresses and strides in bytes. */
export interface WasmKernels {
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  packB(src: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  macro(mc: number, nc: number, steps: number, pa: number, pb: number, c: number, ldc: number, add: number, scratch: number): void;
  packA8(src: number, rs: number, mc: number, kc: number, dst: number): void;
  packB8(src: number, rs: number, cs: number, kc: number, nc: number, dst: number): void;
  macro8(mc: number, nc: number, steps: number, pa: number, pb: number, c: number, ldc: number, add: number, scratch: number): void;
  im2col(x: number, H: number, W: number, cinG: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number,
    dH: number, dW: number, hOut: number, wOut: number, col: number, ld: number): void;
  col2im(dx: number, H: number, W: number, cinG: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number,
    dH: number, dW: number, hOut: number, wOut: number, col: number, ld: number): void;
  im2col8(x: number, H: number, W: number, cinG: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number,
    dH: number, dW: number, hOut: number, wOut: number, col: number, ld: number, pad: number): void;
  dequant(c: number, ldc: number, rows: number, cols: number, out: number, ldo: number,
    rowScale: number, rowOff: number, colScale: number, colOff: number, colBias: number, relu: number): void;
  quantize(src: number, n16: number, dst: number, params: number): void;
  dequantConv(c: number, ldc: number, rows: number, cols: number, out: number, ldo: number,
    rowScale: number, rowOff: number, colScale: number, rowBias: number, relu: number): void;
}

/** Byte addresses in the wasm memory: where the job's A, B and C spans start, and this thread's pack area. */
export interface WasmAddrs {
  a: number;
  b: number;
  c: number;
  pack: number;
}

/** Runs an f32 job (or one thread's share) whose element offsets are relative to the spans at `at`; needs k > 0. */
export function wasmGemmRun(x: WasmKernels, job: GemmJob, at: WasmAddrs): void {
  const KC = 256, MC = 128, NC = 2048;
  const packA = at.pack, packB = at.pack + MC * KC * 4, scratch = packB + KC * NC * 4;
  const m = job.m, k = job.k, ldc = job.ldc;
  const bFirst = Math.floor(job.rowFrom / m);
  const bLast = Math.ceil(job.rowTo / m);
  for (let bi = bFirst; bi < bLast; bi++) {
    const iStart = Math.max(job.rowFrom - bi * m, 0);
    const iEnd = Math.min(job.rowTo - bi * m, m);
    if (iEnd <= iStart) continue;
    const aOff = at.a + 4 * (job.aOff + bi * job.strideA);
    const bOff = at.b + 4 * (job.bOff + bi * job.strideB);
    const cOff = at.c + 4 * (job.cOff + bi * job.strideC);
    for (let jc = job.colFrom; jc < job.colTo; jc += NC) {
      const nc = Math.min(NC, job.colTo - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        const add = pc > 0 || job.accumulate ? 1 : 0;
        x.packB(bOff + 4 * (pc * job.bRs + jc * job.bCs), 4 * job.bRs, 4 * job.bCs, kc, nc, packB);
        for (let ic = iStart; ic < iEnd; ic += MC) {
          const mc = Math.min(MC, iEnd - ic);
          x.packA(aOff + 4 * (ic * job.aRs + pc * job.aCs), 4 * job.aRs, 4 * job.aCs, mc, kc, packA);
          x.macro(mc, nc, kc, packA, packB, cOff + 4 * (ic * ldc + jc), 4 * ldc, add, scratch);
        }
      }
    }
  }
}

/** Runs an int8 job (or one thread's share): A row-major m x k at at.a, B at at.b, int32 C (ldc = n) at at.c; needs k > 0. */
export function wasmInt8Run(x: WasmKernels, job: Int8Job, at: WasmAddrs): void {
  const KC = 512, MC = 128, NC = 2048;
  const packA = at.pack, packB = at.pack + MC * KC * 2, scratch = packB + KC * NC * 2;
  const k = job.k, ldc = job.n;
  for (let jc = job.colFrom; jc < job.colTo; jc += NC) {
    const nc = Math.min(NC, job.colTo - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const add = pc > 0 || job.accumulate ? 1 : 0;
      x.packB8(at.b + pc * job.bRs + jc * job.bCs, job.bRs, job.bCs, kc, nc, packB);
      for (let ic = job.rowFrom; ic < job.rowTo; ic += MC) {
        const mc = Math.min(MC, job.rowTo - ic);
        x.packA8(at.a + ic * k + pc, k, mc, kc, packA);
        x.macro8(mc, nc, (kc + 1) >> 1, packA, packB, at.c + 4 * (ic * ldc + jc), 4 * ldc, add, scratch);
      }
    }
  }
}
