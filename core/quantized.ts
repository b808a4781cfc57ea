// Quantized (int8) ops: quantize/dequantize helpers and the int8 Linear/Conv2d that quantized layers call.
// Not differentiable: these run inference only. Affine int8: real = (q - zeroPoint) * scale; weights are
// symmetric (zeroPoint 0, q in [-127,127]), activations asymmetric per tensor (q in [-128,127]).
// Conv runs on the backend's int8 conv where it has one (CPU: all in wasm), else as int8 im2col (padding filled
// with the input's zero point, i.e. a real 0) + int8 GEMM with transB; both give the same bits.
import { Tensor } from './tensor.js';
import { getBackend } from './backend.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from './errors.js';
import type { Conv2dParams, Int8Epilogue } from '../kernels/backend.js';
import { int8Conv2dViaGemm } from '../kernels/common.js';
import { inverseScale, quantizeInt8, quantizeValue, roundHalfEven } from '../kernels/cpu/quantize.js';

export { inverseScale, quantizeValue, roundHalfEven } from '../kernels/cpu/quantize.js';

export type { Int8Epilogue } from '../kernels/backend.js';
export { im2colInt8 } from '../kernels/common.js';

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/** float32's machine epsilon (2^-23): the smallest scale PyTorch's observers give. */
const FLOAT32_EPS = 2 ** -23;

/**
 * Scale and zero point for an asymmetric int8 range covering [lo, hi] (which is widened to hold 0), as PyTorch's
 * MinMaxObserver computes them, in float32: scale = max((hi - lo) / (qmax - qmin), eps), zeroPoint = qmin -
 * round(lo / scale) (half to even), clamped. An all-zero range gives scale 1, zero point 0 (PyTorch: eps and qmin;
 * both hold 0 exactly). The scale is a float32 value, so a Float32Array stores the one quantization used.
 */
export function affineQParams(lo: number, hi: number, qmin = INT8_MIN, qmax = INT8_MAX): { scale: number; zeroPoint: number } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new ArgumentError(`affineQParams: range must be finite with lo <= hi, got [${lo}, ${hi}]`);
  const a = Math.fround(Math.min(lo, 0)), b = Math.fround(Math.max(hi, 0));
  if (b - a === 0) return { scale: 1, zeroPoint: 0 };
  const scale = Math.max(Math.fround(Math.fround(b - a) / (qmax - qmin)), FLOAT32_EPS);
  const zeroPoint = Math.min(qmax, Math.max(qmin, qmin - roundHalfEven(Math.fround(a / scale))));
  return { scale, zeroPoint };
}

/**
 * Scale (float32) for a symmetric int8 range [-maxAbs, maxAbs] onto [-qmax, qmax]: maxAbs / qmax, at least eps, as
 * PyTorch's symmetric observers with quant_min = -qmax; 1 for an all-zero range.
 */
export function symmetricScale(maxAbs: number, qmax = INT8_MAX): number {
  if (!(maxAbs >= 0 && Number.isFinite(maxAbs))) throw new ArgumentError(`symmetricScale: maxAbs must be finite and >= 0, got ${maxAbs}`);
  return maxAbs === 0 ? 1 : Math.max(Math.fround(Math.fround(maxAbs) / qmax), FLOAT32_EPS);
}

/**
 * q = clamp(zeroPoint + round(x * (1 / scale)), qmin, qmax), per tensor, as int8: the product in float32 and a tie
 * to the even code, PyTorch's quantize_per_tensor bit for bit (kernels/cpu/quantize.ts).
 */
export function quantizePerTensor(x: Tensor, scale: number, zeroPoint = 0, qmin = INT8_MIN, qmax = INT8_MAX): Tensor {
  if (!(scale > 0)) throw new ArgumentError(`quantizePerTensor: scale must be > 0, got ${scale}`);
  if (x.data instanceof Float32Array) return new Tensor(quantizeInt8(x.data, scale, zeroPoint, qmin, qmax), x.shape, 'int8');
  const out = new Int8Array(x.size);
  const inv = inverseScale(scale);
  const src = x.data;
  for (let i = 0; i < out.length; i++) out[i] = quantizeValue(src[i], inv, zeroPoint, qmin, qmax);
  return new Tensor(out, x.shape, 'int8');
}

/**
 * Symmetric per-channel quantization along axis 0 (one scale per output row/filter): q in [-qmax, qmax], as PyTorch's
 * PerChannelMinMaxObserver (per_channel_symmetric, quant_min -qmax) and quantize_per_channel give it.
 */
export function quantizePerChannel(w: Tensor, qmax = INT8_MAX): { q: Tensor; scale: Float32Array } {
  if (w.rank < 1) throw new ShapeError(`quantizePerChannel: weight must have a channel axis, got ${fmtShape(w.shape)}`);
  const c = w.shape[0], per = w.size / Math.max(c, 1);
  const scale = new Float32Array(c);
  const q = new Int8Array(w.size);
  for (let o = 0; o < c; o++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w.data[o * per + i]));
    const s = symmetricScale(m, qmax);
    const inv = inverseScale(s);
    scale[o] = s;
    for (let i = 0; i < per; i++) q[o * per + i] = quantizeValue(w.data[o * per + i], inv, 0, -qmax, qmax);
  }
  return { q: new Tensor(q, w.shape, 'int8'), scale };
}

/** real = (q - zeroPoint) * scale; scale/zeroPoint of length 1 (per tensor) or shape[0] (per channel, axis 0). */
export function dequantize(q: Tensor, scale: ArrayLike<number>, zeroPoint: ArrayLike<number> = [0]): Tensor {
  if (q.dtype !== 'int8' && q.dtype !== 'uint8' && q.dtype !== 'int32') throw new DTypeError(`dequantize: input must be an integer tensor, got ${q.dtype}`);
  const c = scale.length;
  if (c !== 1 && c !== q.shape[0]) throw new ShapeError(`dequantize: scale must have length 1 or ${q.shape[0]}, got ${c}`);
  if (zeroPoint.length !== 1 && zeroPoint.length !== c) throw new ShapeError(`dequantize: zeroPoint must have length 1 or ${c}, got ${zeroPoint.length}`);
  const per = c === 1 ? q.size : q.size / c;
  const out = new Float32Array(q.size);
  for (let i = 0; i < q.size; i++) {
    const ch = c === 1 ? 0 : Math.floor(i / per);
    const z = zeroPoint.length === 1 ? zeroPoint[0] : zeroPoint[ch];
    out[i] = (q.data[i] - z) * scale[ch];
  }
  return new Tensor(out, q.shape, 'float32');
}

/**
 * For fixed weights wq [out, ...in] and a per-tensor activation zero point: folds the zero-point term into the bias,
 *   bias'[j] = bias[j] - aZero * aScale * bScale[j] * sum_p wq[j][p],
 * so the GEMM epilogue needs no per-call column sums of the weights (O(k n) saved on every call).
 */
export function foldActivationZeroPoint(wq: Tensor, ep: Int8Epilogue): Int8Epilogue {
  requireInt8('foldActivationZeroPoint', wq);
  const za = ep.aZeroPoint;
  if (!za || za.length !== 1 || za[0] === 0) return ep;
  if (ep.aScale.length !== 1) throw new ShapeError(`foldActivationZeroPoint: activations must be quantized per tensor, got aScale of length ${ep.aScale.length}`);
  const n = wq.shape[0], k = wq.size / n;
  const bias = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += wq.data[j * k + p];
    const sb = ep.bScale.length === 1 ? ep.bScale[0] : ep.bScale[j];
    const b = ep.bias ? (ep.bias.length === 1 ? ep.bias[0] : ep.bias[j]) : 0;
    bias[j] = b - za[0] * ep.aScale[0] * sb * s;
  }
  return { ...ep, aZeroPoint: undefined, bias };
}

function requireInt8(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'int8') throw new DTypeError(`${op}: operands must be int8, got ${t.dtype}`);
}

/** y[..., out] = dequant(xq[..., in] x wq[out, in]^T) via the int8 GEMM (int32 accumulation) and its epilogue. */
export function quantizedLinear(xq: Tensor, wq: Tensor, ep: Int8Epilogue): Tensor {
  requireInt8('quantizedLinear', xq, wq);
  if (wq.rank !== 2 || xq.rank < 1 || xq.shape[xq.rank - 1] !== wq.shape[1]) {
    throw new ShapeError(`quantizedLinear: input features must equal weight columns, got ${fmtShape(xq.shape)} and ${fmtShape(wq.shape)}`);
  }
  const [n, k] = wq.shape;
  const m = xq.size / k;
  const out = getBackend().int8MatmulDequant(xq.data as Int8Array, wq.data as Int8Array, m, k, n, ep, { transB: true });
  return new Tensor(out, [...xq.shape.slice(0, -1), n], 'float32');
}

export interface QuantizedConvOptions { stride?: number | [number, number]; padding?: number | [number, number]; dilation?: number | [number, number]; groups?: number }
const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * y[N, Cout, Ho, Wo] = dequant(conv2d(xq[N, Cin, H, W], wq[Cout, Cin/groups, kh, kw])) with the epilogue
 * (aScale/aZeroPoint per tensor; bScale, bias per output channel or length 1): the backend's int8 conv, or
 * int8 im2col + its int8 GEMM (kernels/common.ts) where it has none.
 */
export function quantizedConv2d(xq: Tensor, wq: Tensor, ep: Int8Epilogue, o: QuantizedConvOptions = {}): Tensor {
  requireInt8('quantizedConv2d', xq, wq);
  const [sh, sw] = pair(o.stride ?? 1), [ph, pw] = pair(o.padding ?? 0), [dh, dw] = pair(o.dilation ?? 1);
  const groups = o.groups ?? 1;
  if (xq.rank !== 4 || wq.rank !== 4 || xq.shape[1] !== wq.shape[1] * groups || wq.shape[0] % groups !== 0) {
    throw new ShapeError(`quantizedConv2d: input must be [N,C,H,W] with C = weight's in-channels x groups (${groups}), got ${fmtShape(xq.shape)} and ${fmtShape(wq.shape)}`);
  }
  if (ep.aScale.length !== 1) throw new ShapeError(`quantizedConv2d: activations are quantized per tensor, aScale must have length 1, got ${ep.aScale.length}`);
  const [n, cin, h, w] = xq.shape;
  const [cout, , kh, kw] = wq.shape;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh <= 0 || ow <= 0) throw new ShapeError(`quantizedConv2d: output would be empty, got input ${fmtShape(xq.shape)} and kernel ${fmtShape(wq.shape)}`);
  const p: Conv2dParams = {
    batch: n, inChannels: cin, inHeight: h, inWidth: w, outChannels: cout, kernelH: kh, kernelW: kw,
    strideH: sh, strideW: sw, padH: ph, padW: pw, dilationH: dh, dilationW: dw, groups,
  };
  const be = getBackend(), x = xq.data as Int8Array, wd = wq.data as Int8Array;
  let y: Float32Array;
  try {
    y = be.int8Conv2dDequant ? be.int8Conv2dDequant(x, wd, ep, p) : int8Conv2dViaGemm((...args) => be.int8MatmulDequant(...args), x, wd, ep, p);
  } catch (e) {
    // a padding or input so large that the output (or its im2col buffer) has no typed array: say the shapes, as allocateFor does
    if (!(e instanceof RangeError)) throw e;
    throw new ArgumentError(`quantizedConv2d: the output must fit in memory, got ${fmtShape([n, cout, oh, ow])} from input ${fmtShape(xq.shape)}, kernel ${fmtShape(wq.shape)}, padding [${ph},${pw}]; V8: ${e.message}`);
  }
  return new Tensor(y, [n, cout, oh, ow], 'float32');
}
