// The quantized conv on the wasm cores, in the wasm memory from the int8 input to the float32 NCHW output:
// per chunk of images and group, im2col8 writes the patches as B = [K, images x Ho*Wo] row-major (the
// layout packB8 moves 16 bytes at a time), the int8 GEMM multiplies the filters (A = [Cout/g, K]) by them,
// and dequantConv applies the epilogue and scatters each image's columns to its NCHW planes in one pass.
// Bit-identical to int8Conv2dViaGemm (kernels/common.ts), which it falls back to on the JS cores.

import type { Conv2dParams, Int8Epilogue } from '../backend.js';
import { checkConv2d, checkConvEpilogue, checkLength, int8Conv2dViaGemm } from '../common.js';
import type { Int8Job } from './int8-core.js';
import { int8MatmulDequant } from './int8-gemm.js';
import { getNumThreads, runStagedJob } from './pool.js';
import { wasmStage, type WasmStage } from './wasm/wasm-gemm.js';

/** Bytes of patches plus int32 accumulators one chunk of images may use. */
let int8ConvBudget = 1 << 23;

let wasmRuns = 0;

/** How many int8 convs have run on the wasm path so far (lets tests check it really ran). */
export function int8ConvWasmCount(): number {
  return wasmRuns;
}

/** Sets the per-chunk budget in bytes (tests shrink it to force chunking); returns the old value. */
export function setInt8ConvBudget(bytes: number): number {
  const old = int8ConvBudget;
  int8ConvBudget = Math.max(1, Math.floor(bytes));
  return old;
}

/** y[N, Cout, Ho, Wo] = dequant(conv2d(x, w)): see Backend.int8Conv2dDequant. */
export function int8Conv2dDequant(x: Int8Array, w: Int8Array, ep: Int8Epilogue, p: Conv2dParams): Float32Array {
  const { hOut, wOut } = checkConv2d('int8Conv2dDequant', p);
  checkLength('int8Conv2dDequant', 'x', x.length, [p.batch, p.inChannels, p.inHeight, p.inWidth]);
  checkLength('int8Conv2dDequant', 'w', w.length, [p.outChannels, p.inChannels / p.groups, p.kernelH, p.kernelW]);
  checkConvEpilogue('int8Conv2dDequant', ep, p.outChannels);
  return int8Conv2dWasm(x, w, ep, p, hOut, wOut) ?? int8Conv2dViaGemm(int8MatmulDequant, x, w, ep, p);
}

/** The stage with A starting `offset` bytes in (a group's filters). */
const shiftA = (st: WasmStage, offset: number): WasmStage => ({ ...st, addrs: (t) => ({ ...st.addrs(t), a: st.a + offset }) });

/** Null when wasm is off, the weights have a zero point (patch column sums would be needed) or memory runs out. */
function int8Conv2dWasm(x: Int8Array, w: Int8Array, ep: Int8Epilogue, p: Conv2dParams, hOut: number, wOut: number): Float32Array | null {
  const HW = hOut * wOut;
  if (ep.bZeroPoint?.some((z) => z !== 0) || p.batch * p.outChannels * HW === 0) return null;
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  const cinG = Cin / G, coutG = Cout / G, K = cinG * p.kernelH * p.kernelW, inHW = p.inHeight * p.inWidth;
  const za = ep.aZeroPoint?.[0] ?? 0;
  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? (arr.length === 1 ? arr[0]! : arr[i]!) : 0);
  // f64 tables per output channel: weight scale, zero-point offset -za * (row sum of the filter), bias; then the input scale.
  const tables = new Float64Array(3 * Cout + 1);
  for (let o = 0; o < Cout; o++) {
    let rowSum = 0;
    if (za !== 0) for (let q = o * K; q < (o + 1) * K; q++) rowSum += w[q]!;
    tables[o] = pick(ep.bScale, o);
    tables[Cout + o] = -(za * rowSum);
    tables[2 * Cout + o] = pick(ep.bias, o);
  }
  tables[3 * Cout] = ep.aScale[0]!;
  const chunk = Math.max(1, Math.min(N, Math.floor(int8ConvBudget / ((K + 4 * coutG) * HW))));
  const y = new Float32Array(N * Cout * HW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0), ld = nImg * HW;
    // extra: the tables, the input chunk, then the float32 output chunk.
    const xAt = 8 * tables.length, yAt = xAt + Math.ceil((nImg * Cin * inHW) / 16) * 16 + 16;
    const st = wasmStage(getNumThreads(), w.length, K * ld, 4 * coutG * ld, yAt + 4 * nImg * Cout * HW);
    if (!st) return null;
    new Float64Array(st.buffer, st.extra, tables.length).set(tables);
    new Int8Array(st.buffer, st.a, w.length).set(w);
    new Int8Array(st.buffer, st.extra + xAt, nImg * Cin * inHW).set(x.subarray(n0 * Cin * inHW, (n0 + nImg) * Cin * inHW));
    const k = st.kernels, table = (i: number): number => st.extra + 8 * i;
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < nImg; i++) {
        k.im2col8(st.extra + xAt + i * Cin * inHW + g * cinG * inHW, p.inHeight, p.inWidth, cinG, p.kernelH, p.kernelW,
          p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, hOut, wOut, st.b + i * HW, ld, za);
      }
      const job: Int8Job = { batch: 1, m: coutG, k: K, n: ld, bRs: ld, bCs: 1, accumulate: 0, rowFrom: 0, rowTo: coutG, colFrom: 0, colTo: ld };
      runStagedJob('i8', shiftA(st, g * coutG * K), job);
      for (let i = 0; i < nImg; i++) {
        k.dequantConv(st.c + 4 * i * HW, 4 * ld, coutG, HW, st.extra + yAt + 4 * (i * Cout + g * coutG) * HW, 4 * HW,
          table(g * coutG), table(Cout + g * coutG), table(3 * Cout), table(2 * Cout + g * coutG), ep.relu ? 1 : 0);
      }
    }
    y.set(new Float32Array(st.buffer, st.extra + yAt, nImg * Cout * HW), n0 * Cout * HW);
  }
  wasmRuns++;
  return y;
}
