// conv2d on the wasm cores, same math and chunking as conv2d.ts, but im2col/col2im run in wasm and the
// patch matrix never leaves the wasm memory: per chunk of images, x (or dx) sits in the stage's extra
// region, the patch matrix in B (or C), and only x, w, dy and the result cross between JS and wasm.
// Each returns null when the wasm cores are off or the chunk does not fit: the caller runs the JS path.

import type { Conv2dParams } from '../backend.js';
import type { GemmJob } from './gemm-core.js';
import { getNumThreads, runStagedJob } from './pool.js';
import { wasmStage, type WasmStage } from './wasm/wasm-gemm.js';

export interface ConvDims {
  cinG: number;
  coutG: number;
  K: number;
  hOut: number;
  wOut: number;
  HW: number;
}

/** Patch matrix of channels [g*cinG, (g+1)*cinG) of image i of the staged x chunk, into col (row stride ld floats). */
function im2colStaged(st: WasmStage, fn: 'im2col' | 'col2im', i: number, g: number, p: Conv2dParams, d: ConvDims, col: number, ld: number): void {
  const inHW = p.inHeight * p.inWidth;
  st.kernels[fn](st.extra + 4 * (i * p.inChannels * inHW + g * d.cinG * inHW), p.inHeight, p.inWidth, d.cinG, p.kernelH, p.kernelW,
    p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, d.hOut, d.wOut, col, 4 * ld);
}

/**
 * dW[g] (+)= dY^T . cols for one group: dY^T is [coutG, ld] (ld = images x output pixels), the patches are stored
 * [K, ld] and read transposed; accumulates over image chunks after the first. Shared by the wasm and JS paths.
 */
export function weightGradJob(coutG: number, ld: number, K: number, g: number, accumulate: boolean): GemmJob {
  return {
    batch: 1, m: coutG, k: ld, n: K,
    aOff: 0, aRs: ld, aCs: 1, strideA: 0,
    bOff: 0, bRs: 1, bCs: ld, strideB: 0,
    cOff: g * coutG * K, ldc: K, strideC: 0,
    accumulate: accumulate ? 1 : 0, rowFrom: 0, rowTo: coutG, colFrom: 0, colTo: K,
  };
}

const view = (st: WasmStage, at: number, len: number): Float32Array => new Float32Array(st.buffer, at, len);

/** y = conv2d(x, w) without bias, `chunk` images at a time. */
export function conv2dWasm(x: Float32Array, w: Float32Array, p: Conv2dParams, d: ConvDims, chunk: number): Float32Array | null {
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  const { K, HW, coutG } = d;
  const inHW = p.inHeight * p.inWidth;
  const y = new Float32Array(N * Cout * HW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    const st = wasmStage(getNumThreads(), 4 * w.length, 4 * nImg * K * HW, 4 * nImg * Cout * HW, 4 * nImg * Cin * inHW);
    if (!st) return null;
    view(st, st.a, w.length).set(w);
    view(st, st.extra, nImg * Cin * inHW).set(x.subarray(n0 * Cin * inHW, (n0 + nImg) * Cin * inHW));
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < nImg; i++) im2colStaged(st, 'im2col', i, g, p, d, st.b + 4 * i * K * HW, HW);
      const job: GemmJob = {
        batch: nImg, m: coutG, k: K, n: HW,
        aOff: g * coutG * K, aRs: K, aCs: 1, strideA: 0,
        bOff: 0, bRs: HW, bCs: 1, strideB: K * HW,
        cOff: g * coutG * HW, ldc: HW, strideC: Cout * HW,
        accumulate: 0, rowFrom: 0, rowTo: nImg * coutG, colFrom: 0, colTo: HW,
      };
      runStagedJob('f32', st, job);
    }
    y.set(view(st, st.c, nImg * Cout * HW), n0 * Cout * HW);
  }
  return y;
}

/** dx = col2im(W^T . dY), `chunk` images at a time. */
export function conv2dBackwardInputWasm(dy: Float32Array, w: Float32Array, p: Conv2dParams, d: ConvDims, chunk: number): Float32Array | null {
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  const { K, HW, coutG } = d;
  const inHW = p.inHeight * p.inWidth;
  const dx = new Float32Array(N * Cin * inHW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    const st = wasmStage(getNumThreads(), 4 * w.length, 4 * nImg * Cout * HW, 4 * nImg * K * HW, 4 * nImg * Cin * inHW);
    if (!st) return null;
    view(st, st.a, w.length).set(w);
    view(st, st.b, nImg * Cout * HW).set(dy.subarray(n0 * Cout * HW, (n0 + nImg) * Cout * HW));
    view(st, st.extra, nImg * Cin * inHW).fill(0);
    for (let g = 0; g < G; g++) {
      const job: GemmJob = {
        batch: nImg, m: K, k: coutG, n: HW,
        aOff: g * coutG * K, aRs: 1, aCs: K, strideA: 0,
        bOff: g * coutG * HW, bRs: HW, bCs: 1, strideB: Cout * HW,
        cOff: 0, ldc: HW, strideC: K * HW,
        accumulate: 0, rowFrom: 0, rowTo: nImg * K, colFrom: 0, colTo: HW,
      };
      runStagedJob('f32', st, job);
      for (let i = 0; i < nImg; i++) im2colStaged(st, 'col2im', i, g, p, d, st.c + 4 * i * K * HW, HW);
    }
    dx.set(view(st, st.extra, nImg * Cin * inHW), n0 * Cin * inHW);
  }
  return dx;
}

/** dw = dY . col^T with the images of a chunk side by side along k, `chunk` images at a time. */
export function conv2dBackwardWeightWasm(dy: Float32Array, x: Float32Array, p: Conv2dParams, d: ConvDims, chunk: number): Float32Array | null {
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  const { K, HW, coutG } = d;
  const inHW = p.inHeight * p.inWidth;
  const dw = new Float32Array(Cout * K);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    const ld = nImg * HW;
    const st = wasmStage(getNumThreads(), 4 * coutG * ld, 4 * K * ld, 4 * Cout * K, 4 * nImg * Cin * inHW);
    if (!st) return null;
    view(st, st.extra, nImg * Cin * inHW).set(x.subarray(n0 * Cin * inHW, (n0 + nImg) * Cin * inHW));
    view(st, st.c, Cout * K).set(dw);
    const dyT = view(st, st.a, coutG * ld);
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < nImg; i++) {
        im2colStaged(st, 'im2col', i, g, p, d, st.b + 4 * i * HW, ld);
        for (let co = 0; co < coutG; co++) {
          const src = ((n0 + i) * Cout + g * coutG + co) * HW;
          dyT.set(dy.subarray(src, src + HW), co * ld + i * HW);
        }
      }
      const job = weightGradJob(coutG, ld, K, g, n0 > 0);
      runStagedJob('f32', st, job);
    }
    dw.set(view(st, st.c, Cout * K));
  }
  return dw;
}
