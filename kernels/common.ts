// What every backend shares: conv2d argument checks and the int8 dequantizing epilogue, so that all backends
// throw the same messages and give bit-identical dequantized results from equal int32 accumulators.

import { ShapeError, fmtShape } from '../core/errors.js';
import { outSize, type Conv2dParams, type Int8Epilogue } from './backend.js';

/** Validates conv2d params like the CPU backend; returns the output size. */
export function checkConv2d(op: string, p: Conv2dParams): { hOut: number; wOut: number } {
  const ints: (keyof Conv2dParams)[] = ['batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'kernelH', 'kernelW', 'padH', 'padW'];
  for (const key of ints) {
    if (!Number.isInteger(p[key]) || p[key] < 0) throw new ShapeError(`${op}: ${key} must be a non-negative integer, got ${p[key]}`);
  }
  for (const key of ['strideH', 'strideW', 'dilationH', 'dilationW', 'groups', 'kernelH', 'kernelW'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new ShapeError(`${op}: ${key} must be a positive integer, got ${p[key]}`);
  }
  if (p.inChannels % p.groups !== 0 || p.outChannels % p.groups !== 0) {
    throw new ShapeError(`${op}: groups must divide inChannels and outChannels, got groups=${p.groups}, channels ${fmtShape([p.inChannels, p.outChannels])}`);
  }
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
  if (hOut < 1 || wOut < 1) {
    throw new ShapeError(`${op}: output must be at least 1x1, got ${fmtShape([hOut, wOut])} from input ${fmtShape([p.inHeight, p.inWidth])} and kernel ${fmtShape([p.kernelH, p.kernelW])}`);
  }
  return { hOut, wOut };
}

export function checkLength(op: string, what: string, len: number, shape: number[]): void {
  const need = shape.reduce((s, d) => s * d, 1);
  if (len !== need) throw new ShapeError(`${op}: ${what} must hold ${fmtShape(shape)} = ${need} elements, got ${len}`);
}

function checkEpilogueLen(name: string, arr: ArrayLike<number> | undefined, perLen: number, per: string): void {
  if (arr && arr.length !== 1 && arr.length !== perLen) {
    throw new ShapeError(`int8MatmulDequant: ${name} must have length 1 or ${per}=${perLen}, got ${arr.length}`);
  }
}

export function checkEpilogue(ep: Int8Epilogue, m: number, n: number): void {
  checkEpilogueLen('aScale', ep.aScale, m, 'm');
  checkEpilogueLen('bScale', ep.bScale, n, 'n');
  checkEpilogueLen('aZeroPoint', ep.aZeroPoint, m, 'm');
  checkEpilogueLen('bZeroPoint', ep.bZeroPoint, n, 'n');
  checkEpilogueLen('bias', ep.bias, n, 'n');
  if (ep.aScale.length === 0 || ep.bScale.length === 0) {
    throw new ShapeError(`int8MatmulDequant: scales must not be empty, got lengths ${ep.aScale.length} and ${ep.bScale.length}`);
  }
}

/**
 * The Int8Epilogue on exact int32 accumulators, in double, same operation order as the CPU backend,
 * so equal accumulators give bit-identical float32 results:
 *   real = (acc - za*colSumB - zb*rowSumA + k*za*zb) * sa * sb + bias, then relu.
 */
export function dequantEpilogue(acc: Int32Array, a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, transB: boolean): Float32Array {
  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? (arr.length === 1 ? arr[0]! : arr[i]!) : 0);
  const za = ep.aZeroPoint, zb = ep.bZeroPoint;
  const needColSum = !!za && za.some((z) => z !== 0);
  const needRowSum = !!zb && zb.some((z) => z !== 0);
  const colSumB = new Float64Array(needColSum ? n : 0);
  if (needColSum) {
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) colSumB[j]! += b[transB ? j * k + p : p * n + j]!;
  }
  const rowSumA = new Float64Array(needRowSum ? m : 0);
  if (needRowSum) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]!;
      rowSumA[i] = s;
    }
  }
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const zai = pick(za, i), sai = pick(ep.aScale, i), rsa = needRowSum ? rowSumA[i]! : 0;
    for (let j = 0; j < n; j++) {
      const zbj = pick(zb, j);
      let v = acc[i * n + j]!;
      if (needColSum) v -= zai * colSumB[j]!;
      if (needRowSum) v -= zbj * rsa;
      v += k * zai * zbj;
      v = v * sai * pick(ep.bScale, j) + pick(ep.bias, j);
      out[i * n + j] = ep.relu && v < 0 ? 0 : v;
    }
  }
  return out;
}

/**
 * int8 im2col for one group: rows are output pixels (n, oy, ox), columns (c, ky, kx) over channels
 * [c0, c0+cg). Padding cells take `padValue` (the input zero point, so they dequantize to 0).
 */
export function im2colInt8(x: Int8Array, n: number, cin: number, h: number, w: number, c0: number, cg: number, kh: number, kw: number,
  sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number, padValue: number): Int8Array {
  const cols = cg * kh * kw;
  const out = new Int8Array(n * oh * ow * cols);
  let r = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let d = r * cols;
        for (let c = 0; c < cg; c++) {
          const plane = (b * cin + c0 + c) * h * w;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx * dw;
              out[d++] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix]! : padValue;
            }
          }
        }
        r++;
      }
    }
  }
  return out;
}

/** Checks an int8 conv's epilogue: input scale/zero point per tensor, weight scales, zero points and bias per output channel. */
export function checkConvEpilogue(op: string, ep: Int8Epilogue, cout: number): void {
  if (ep.aScale.length !== 1) throw new ShapeError(`${op}: activations are quantized per tensor, aScale must have length 1, got ${ep.aScale.length}`);
  if (ep.aZeroPoint && ep.aZeroPoint.length !== 1) throw new ShapeError(`${op}: activations are quantized per tensor, aZeroPoint must have length 1, got ${ep.aZeroPoint.length}`);
  for (const [name, arr] of [['bScale', ep.bScale], ['bZeroPoint', ep.bZeroPoint], ['bias', ep.bias]] as const) {
    if (arr && arr.length !== 1 && arr.length !== cout) throw new ShapeError(`${op}: ${name} must have length 1 or outChannels=${cout}, got ${arr.length}`);
  }
}

type MatmulDequant = (a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, opts?: { transB?: boolean }) => Float32Array;

/**
 * The int8 conv any backend can run with its int8MatmulDequant: per group, int8 im2col, then filters (A, rows =
 * output channels with their scales) x patches (B stored n x k), whose result is already channel-major; the
 * scatter to NCHW adds the bias after the GEMM's float32 rounding, then relu. x is quantized per tensor
 * (aScale/aZeroPoint), w per output channel (bScale/bZeroPoint), bias per output channel.
 */
export function int8Conv2dViaGemm(matmulDequant: MatmulDequant, x: Int8Array, w: Int8Array, ep: Int8Epilogue, p: Conv2dParams): Float32Array {
  const { hOut: oh, wOut: ow } = checkConv2d('int8Conv2dDequant', p);
  const { batch: n, inChannels: cin, inHeight: h, inWidth: wd, outChannels: cout, groups } = p;
  const cg = cin / groups, og = cout / groups, k = cg * p.kernelH * p.kernelW, pix = oh * ow, cols = n * pix;
  const pad = ep.aZeroPoint?.[0] ?? 0;
  const y = new Float32Array(n * cout * pix);
  const per = (a: ArrayLike<number> | undefined, c: number): number => (a ? (a.length === 1 ? a[0]! : a[c]!) : 0);
  for (let g = 0; g < groups; g++) {
    const patches = im2colInt8(x, n, cin, h, wd, g * cg, cg, p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, oh, ow, pad);
    const wg = w.subarray(g * og * k, (g + 1) * og * k);
    const sub = <T extends Float32Array | Int32Array>(a: T | undefined): T | undefined => (a && a.length > 1 ? (a.subarray(g * og, (g + 1) * og) as T) : a);
    const r = matmulDequant(wg, patches, og, k, cols, { aScale: sub(ep.bScale)!, aZeroPoint: sub(ep.bZeroPoint), bScale: ep.aScale, bZeroPoint: ep.aZeroPoint }, { transB: true });
    for (let c = 0; c < og; c++) {
      const oc = g * og + c, bias = per(ep.bias, oc);
      for (let b = 0; b < n; b++) {
        const src = c * cols + b * pix, dst = (b * cout + oc) * pix;
        for (let q = 0; q < pix; q++) {
          const v = r[src + q]! + bias;
          y[dst + q] = ep.relu && v < 0 ? 0 : v;
        }
      }
    }
  }
  return y;
}
