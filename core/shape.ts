// Shapes: sizes, strides, NumPy broadcasting and the checks that name the op and the shapes.
import { ShapeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: dimensions must be non-negative integers, got ${fmtShape(shape)}`);
  }
}

/** NumPy broadcasting: align from the right; each pair must be equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes must broadcast, got ${fmtShape(a)} and ${fmtShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` viewed as broadcast into `target` (0 where a dimension is repeated). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const s = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 && target[i + off] !== 1 ? 0 : s[i];
  return out;
}

/** Normalizes a possibly negative axis against a rank, naming the op when it is out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) throw new ShapeError(`${op}: axis must be in [${-rank},${rank - 1}], got ${axis}`);
  return a;
}

/** Normalizes a list of axes (undefined means all), sorted and without duplicates. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new ShapeError(`${op}: axes must not repeat, got [${list.join(',')}]`);
  return out;
}

/** Resolves one -1 in a reshape target. */
export function inferReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const total = sizeOf(from);
  let unknown = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0) throw new ShapeError(`${op}: only one dimension may be -1, got ${fmtShape(to)}`);
      unknown = i;
    } else {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: dimensions must be non-negative integers or -1, got ${fmtShape(to)}`);
      known *= d;
    }
  });
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || total % known !== 0) throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} into ${fmtShape(to)}`);
    out[unknown] = total / known;
  } else if (known !== total) {
    throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (size ${total}) into ${fmtShape(to)} (size ${known})`);
  }
  return out;
}
