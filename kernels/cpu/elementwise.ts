// Elementwise kernels with NumPy broadcasting: one strided template, so each op is one line.
// Layout: dense row-major inputs; the output is iterated in order with the last dimension as the inner loop.
import type { TypedArray } from '../../core/dtype.js';

export type Unary = (x: number) => number;
export type Binary = (x: number, y: number) => number;

export function unaryMap(x: TypedArray, out: TypedArray, f: Unary): TypedArray {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i]);
  return out;
}

/**
 * out[idx] = f(a[idx·sa], b[idx·sb]) over outShape, where sa/sb are broadcast strides (0 on repeated dims).
 * Same-shape and scalar operands take flat loops; the rest walk an odometer over all dims but the last.
 */
export function binaryBroadcast(
  a: TypedArray, sa: readonly number[], b: TypedArray, sb: readonly number[],
  outShape: readonly number[], out: TypedArray, f: Binary,
): TypedArray {
  const n = out.length;
  if (n === 0) return out;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return out;
  }
  if (b.length === 1 && a.length === n) {
    const y = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], y);
    return out;
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0];
    for (let i = 0; i < n; i++) out[i] = f(x, b[i]);
    return out;
  }
  const rank = outShape.length;
  const inner = outShape[rank - 1];
  const ia = sa[rank - 1];
  const ib = sb[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < n; o += inner) {
    if (ia === 1 && ib === 1) for (let j = 0; j < inner; j++) out[o + j] = f(a[offA + j], b[offB + j]);
    else if (ia === 1 && ib === 0) { const y = b[offB]; for (let j = 0; j < inner; j++) out[o + j] = f(a[offA + j], y); }
    else if (ia === 0 && ib === 1) { const x = a[offA]; for (let j = 0; j < inner; j++) out[o + j] = f(x, b[offB + j]); }
    else for (let j = 0; j < inner; j++) out[o + j] = f(a[offA + j * ia], b[offB + j * ib]);
    // advance the odometer over dims rank-2 .. 0
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      offA += sa[d];
      offB += sb[d];
      if (counter[d] < outShape[d]) break;
      offA -= sa[d] * outShape[d];
      offB -= sb[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Copies `src` viewed through arbitrary strides (and an offset) into dense `out` of `shape`. */
export function stridedCopy(src: TypedArray, offset: number, strides: readonly number[], shape: readonly number[], out: TypedArray): TypedArray {
  const n = out.length;
  if (n === 0) return out;
  const rank = shape.length;
  if (rank === 0) { out[0] = src[offset]; return out; }
  const inner = shape[rank - 1];
  const si = strides[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  let off = offset;
  for (let o = 0; o < n; o += inner) {
    if (si === 1) for (let j = 0; j < inner; j++) out[o + j] = src[off + j];
    else for (let j = 0; j < inner; j++) out[o + j] = src[off + j * si];
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Adds dense `src` of `shape` into `dst` viewed through strides (the inverse of stridedCopy, accumulating). */
export function stridedAddInto(dst: TypedArray, offset: number, strides: readonly number[], shape: readonly number[], src: TypedArray): void {
  const n = src.length;
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) { dst[offset] += src[0]; return; }
  const inner = shape[rank - 1];
  const si = strides[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  let off = offset;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) dst[off + j * si] += src[o + j];
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}
