// conv2d on NCHW input and [Cout, Cin/groups, kH, kW] weights as im2col + the f32 GEMM (per group,
// images batched with the weight broadcast). col is [K = Cin/g*kH*kW, Hout*Wout] per image; a 1x1,
// stride-1, unpadded conv skips im2col and multiplies x directly. Images go in chunks to bound col's size.
// Backward: dx = col2im(W^T . dY) (transA GEMM), dW = dY . col^T with images concatenated along k (transB).
// With the wasm cores, conv2d-wasm.ts does the same with im2col/col2im inside the wasm memory.

import { ShapeError } from '../../core/errors.js';
import type { Conv2dParams } from '../backend.js';
import { checkConv2d, checkLength } from '../common.js';
import { conv2dBackwardInputWasm, conv2dBackwardWeightWasm, conv2dWasm, weightGradJob, type ConvDims as ConvDimsBase } from './conv2d-wasm.js';
import type { GemmJob } from './gemm-core.js';
import { gemmExecute } from './gemm.js';

/** Largest im2col buffer (floats) one chunk of images may use. */
let colBudget = 1 << 22;

/** Whether a conv goes to conv2d-wasm.ts (which declines, returning null, when the wasm cores are off). */
const wasmEligible = (p: Conv2dParams, d: ConvDims): boolean => !d.pointwise && p.batch * p.outChannels * d.HW * d.K > 0;

/** Sets the im2col budget in floats (tests shrink it to force chunking); returns the old value. */
export function setConvColBudget(floats: number): number {
  const old = colBudget;
  colBudget = Math.max(1, Math.floor(floats));
  return old;
}

interface ConvDims extends ConvDimsBase {
  pointwise: boolean;
}

function convDims(op: string, p: Conv2dParams): ConvDims {
  const { hOut, wOut } = checkConv2d(op, p);
  const cinG = p.inChannels / p.groups;
  const pointwise = p.kernelH === 1 && p.kernelW === 1 && p.strideH === 1 && p.strideW === 1 && p.padH === 0 && p.padW === 0;
  return { cinG, coutG: p.outChannels / p.groups, K: cinG * p.kernelH * p.kernelW, hOut, wOut, HW: hOut * wOut, pointwise };
}


/** Writes the K x HW patch matrix of channels [c0, c0+cinG) of image xOff into col at colOff, row stride ld. */
function im2col(x: Float32Array, xOff: number, c0: number, p: Conv2dParams, d: ConvDims, col: Float32Array, colOff: number, ld: number): void {
  const { inHeight: H, inWidth: W, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { hOut, wOut } = d;
  let row = 0;
  for (let c = 0; c < d.cinG; c++) {
    const xc = xOff + (c0 + c) * H * W;
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++, row++) {
        const dst = colOff + row * ld;
        const iwShift = kw * dilationW - padW;
        // Output columns whose input column lies inside the image: owLo <= ow < owHi.
        const owLo = Math.min(wOut, Math.max(0, Math.ceil(-iwShift / strideW)));
        const owHi = Math.max(owLo, Math.min(wOut, Math.ceil((W - iwShift) / strideW)));
        for (let oh = 0; oh < hOut; oh++) {
          const ih = oh * strideH - padH + kh * dilationH;
          const o = dst + oh * wOut;
          if (ih < 0 || ih >= H) {
            col.fill(0, o, o + wOut);
            continue;
          }
          const src = xc + ih * W + iwShift;
          for (let ow = 0; ow < owLo; ow++) col[o + ow] = 0;
          if (strideW === 1) for (let ow = owLo; ow < owHi; ow++) col[o + ow] = x[src + ow]!;
          else for (let ow = owLo; ow < owHi; ow++) col[o + ow] = x[src + ow * strideW]!;
          for (let ow = owHi; ow < wOut; ow++) col[o + ow] = 0;
        }
      }
    }
  }
}

/** Adds the K x HW column matrix at colOff (row stride ld) back into channels [c0, c0+cinG) of image dxOff. */
function col2im(col: Float32Array, colOff: number, ld: number, dx: Float32Array, dxOff: number, c0: number, p: Conv2dParams, d: ConvDims): void {
  const { inHeight: H, inWidth: W, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { hOut, wOut } = d;
  let row = 0;
  for (let c = 0; c < d.cinG; c++) {
    const xc = dxOff + (c0 + c) * H * W;
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++, row++) {
        const srcRow = colOff + row * ld;
        const iwShift = kw * dilationW - padW;
        const owLo = Math.min(wOut, Math.max(0, Math.ceil(-iwShift / strideW)));
        const owHi = Math.max(owLo, Math.min(wOut, Math.ceil((W - iwShift) / strideW)));
        for (let oh = 0; oh < hOut; oh++) {
          const ih = oh * strideH - padH + kh * dilationH;
          if (ih < 0 || ih >= H) continue;
          const dst = xc + ih * W + iwShift;
          const s = srcRow + oh * wOut;
          for (let ow = owLo; ow < owHi; ow++) dx[dst + ow * strideW] += col[s + ow]!;
        }
      }
    }
  }
}

function chunkImages(batch: number, perImage: number): number {
  return Math.max(1, Math.min(batch, Math.floor(colBudget / Math.max(1, perImage))));
}

/** y[N, Cout, Hout, Wout] = conv2d(x[N, Cin, H, W], w[Cout, Cin/groups, kH, kW]) + bias[Cout]. */
export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams): Float32Array {
  const d = convDims('conv2d', p);
  const { batch: N, inChannels: Cin, outChannels: Cout } = p;
  checkLength('conv2d', 'x', x.length, [N, Cin, p.inHeight, p.inWidth]);
  checkLength('conv2d', 'w', w.length, [Cout, d.cinG, p.kernelH, p.kernelW]);
  if (bias && bias.length !== Cout) throw new ShapeError(`conv2d: bias must have outChannels=${Cout} elements, got ${bias.length}`);
  const { K, HW } = d;
  const chunk = d.pointwise ? N : chunkImages(N, K * HW);
  const y = (wasmEligible(p, d) && conv2dWasm(x, w, p, d, chunk)) || convForwardJs(x, w, p, d, chunk);
  if (bias) {
    for (let n = 0; n < N; n++) {
      for (let co = 0; co < Cout; co++) {
        const o = (n * Cout + co) * HW;
        const bv = bias[co]!;
        for (let i = 0; i < HW; i++) y[o + i] += bv;
      }
    }
  }
  return y;
}

function convForwardJs(x: Float32Array, w: Float32Array, p: Conv2dParams, d: ConvDims, chunk: number): Float32Array {
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  const { K, HW, coutG, cinG } = d;
  const inHW = p.inHeight * p.inWidth;
  const y = new Float32Array(N * Cout * HW);
  const col = d.pointwise ? x : new Float32Array(chunk * K * HW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    for (let g = 0; g < G; g++) {
      if (!d.pointwise) for (let i = 0; i < nImg; i++) im2col(x, (n0 + i) * Cin * inHW, g * cinG, p, d, col, i * K * HW, HW);
      const job: GemmJob = {
        batch: nImg, m: coutG, k: K, n: HW,
        aOff: g * coutG * K, aRs: K, aCs: 1, strideA: 0,
        bOff: d.pointwise ? g * cinG * HW : 0, bRs: HW, bCs: 1, strideB: d.pointwise ? Cin * HW : K * HW,
        cOff: n0 * Cout * HW + g * coutG * HW, ldc: HW, strideC: Cout * HW,
        accumulate: 0, rowFrom: 0, rowTo: nImg * coutG, colFrom: 0, colTo: HW,
      };
      gemmExecute(w, col, y, job);
    }
  }
  return y;
}

/** dx[N, Cin, H, W] of conv2d from dy[N, Cout, Hout, Wout]: col2im(W^T . dY) per image and group. */
export function conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams): Float32Array {
  const d = convDims('conv2dBackwardInput', p);
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  checkLength('conv2dBackwardInput', 'dy', dy.length, [N, Cout, d.hOut, d.wOut]);
  checkLength('conv2dBackwardInput', 'w', w.length, [Cout, d.cinG, p.kernelH, p.kernelW]);
  const { K, HW, coutG, cinG } = d;
  const inHW = p.inHeight * p.inWidth;
  const chunk = d.pointwise ? N : chunkImages(N, K * HW);
  const viaWasm = wasmEligible(p, d) ? conv2dBackwardInputWasm(dy, w, p, d, chunk) : null;
  if (viaWasm) return viaWasm;
  const dx = new Float32Array(N * Cin * inHW);
  const dcol = d.pointwise ? dx : new Float32Array(chunk * K * HW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    for (let g = 0; g < G; g++) {
      const job: GemmJob = {
        batch: nImg, m: K, k: coutG, n: HW,
        aOff: g * coutG * K, aRs: 1, aCs: K, strideA: 0,
        bOff: n0 * Cout * HW + g * coutG * HW, bRs: HW, bCs: 1, strideB: Cout * HW,
        cOff: d.pointwise ? n0 * Cin * HW + g * cinG * HW : 0, ldc: HW, strideC: d.pointwise ? Cin * HW : K * HW,
        accumulate: 0, rowFrom: 0, rowTo: nImg * K, colFrom: 0, colTo: HW,
      };
      gemmExecute(w, dy, dcol, job);
      if (!d.pointwise) for (let i = 0; i < nImg; i++) col2im(dcol, i * K * HW, HW, dx, (n0 + i) * Cin * inHW, g * cinG, p, d);
    }
  }
  return dx;
}

/** dw[Cout, Cin/groups, kH, kW] of conv2d: dY . col^T, the images of a chunk laid side by side along k. */
export function conv2dBackwardWeight(dy: Float32Array, x: Float32Array, p: Conv2dParams): Float32Array {
  const d = convDims('conv2dBackwardWeight', p);
  const { batch: N, inChannels: Cin, outChannels: Cout, groups: G } = p;
  checkLength('conv2dBackwardWeight', 'dy', dy.length, [N, Cout, d.hOut, d.wOut]);
  checkLength('conv2dBackwardWeight', 'x', x.length, [N, Cin, p.inHeight, p.inWidth]);
  const { K, HW, coutG, cinG } = d;
  const inHW = p.inHeight * p.inWidth;
  const chunk = chunkImages(N, (K + coutG) * HW);
  const viaWasm = wasmEligible(p, d) ? conv2dBackwardWeightWasm(dy, x, p, d, chunk) : null;
  if (viaWasm) return viaWasm;
  const dw = new Float32Array(Cout * K);
  const col = new Float32Array(chunk * K * HW);
  const dyT = new Float32Array(chunk * coutG * HW);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nImg = Math.min(chunk, N - n0);
    const ld = nImg * HW;
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < nImg; i++) {
        im2col(x, (n0 + i) * Cin * inHW, g * cinG, p, d, col, i * HW, ld);
        for (let co = 0; co < coutG; co++) {
          const src = ((n0 + i) * Cout + g * coutG + co) * HW;
          dyT.set(dy.subarray(src, src + HW), co * ld + i * HW);
        }
      }
      const job = weightGradJob(coutG, ld, K, g, n0 > 0);
      gemmExecute(dyT, col, dw, job);
    }
  }
  return dw;
}
