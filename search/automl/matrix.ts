// The dense design matrix every learner here takes: row-major float64, `data[r * cols + c]`.
import { ArgumentError, ShapeError } from '../../core/errors.js';

export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Targets: class indices 0..K-1 (classification) or real values (regression). */
export type Target = Int32Array | Float64Array;

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new ShapeError(`matrix: data length must be rows*cols=${rows * cols}, got ${d.length}`);
  return { data: d, rows, cols };
}

/** Builds a matrix from nested arrays (tests, small examples). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows.length > 0 ? rows[0].length : 0;
  const m = matrix(rows.length, cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new ShapeError(`fromRows: every row must have ${cols} values, got ${r.length} in row ${i}`);
    m.data.set(r, i * cols);
  });
  return m;
}

/** The rows `idx` of `x`, in that order. */
export function takeRows(x: Matrix, idx: ArrayLike<number>): Matrix {
  const out = matrix(idx.length, x.cols);
  for (let i = 0; i < idx.length; i++) out.data.set(x.data.subarray(idx[i] * x.cols, (idx[i] + 1) * x.cols), i * x.cols);
  return out;
}

export function takeTarget<T extends Target>(y: T, idx: ArrayLike<number>): T {
  const out = new (y.constructor as { new (n: number): T })(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
  return out;
}

/**
 * A fit's X and y: as many rows, at least one, a regression target finite, class indices not negative. X's values are each learner's to check:
 * the trees take NaN and infinities (NaN ranks past every number, so it goes right at every split, when fitted and
 * predicted); the others pass `finite` to refuse them (checkFinite).
 */
export function checkXy(op: string, x: Matrix, y: Target, { finite = false } = {}): void {
  if (x.rows !== y.length) throw new ShapeError(`${op}: X rows and y length must agree, got [${x.rows},${x.cols}] and [${y.length}]`);
  if (x.rows === 0) throw new ShapeError(`${op}: need at least one training row, got [0,${x.cols}]`);
  if (y instanceof Float64Array) {
    const bad = y.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ArgumentError(`${op}: y must hold finite numbers, got ${y[bad]} at row ${bad}`);
  } else {
    // a class index below 0 had been counted nowhere (a typed array ignores index -1) and fitted silently
    const bad = y.findIndex((v) => v < 0);
    if (bad >= 0) throw new ArgumentError(`${op}: y must hold class indices 0, 1, 2, ..., got ${y[bad]} at row ${bad}`);
  }
  if (finite) checkFinite(op, x);
}

/** A prediction's X has the columns the learner was fitted on (and with `finite`, only finite values: checkFinite). */
export function checkCols(op: string, x: Matrix, cols: number, { finite = false } = {}): void {
  if (x.cols !== cols) throw new ShapeError(`${op}: X must have ${cols} columns as in training, got [${x.rows},${x.cols}]`);
  if (finite) checkFinite(op, x);
}

/**
 * Refuses a NaN or infinite value in X, naming its row and column, as scikit-learn's estimators do ('Input X contains
 * NaN'), for the learners that have no rule for one: the linear models, the SVM, kNN, naive Bayes and the MLP had
 * answered silently (a linear model fitted or asked with a NaN gave probabilities of 0 for every class, kNN's rows
 * summed to less than 1). A Pipeline imputes gaps before its learner, so it never passes one.
 */
export function checkFinite(op: string, x: Matrix): void {
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) throw new ArgumentError(`${op}: X must hold finite numbers, got ${d[i]} at row ${Math.floor(i / x.cols)}, column ${i % x.cols}; fill gaps first (a Pipeline imputes them)`);
  }
}

/** Number of classes in a label vector: max + 1. */
export function countClasses(y: Int32Array): number {
  let k = 0;
  for (let i = 0; i < y.length; i++) if (y[i] + 1 > k) k = y[i] + 1;
  return k;
}

/** Index of the largest value in each row of a probability matrix. */
export function argmaxRows(p: Matrix): Int32Array {
  const out = new Int32Array(p.rows);
  for (let r = 0; r < p.rows; r++) {
    let best = 0;
    for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c] > p.data[r * p.cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** In-place softmax of `v[off..off+k)`. */
export function softmaxInPlace(v: Float64Array, off: number, k: number): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) if (v[off + j] > max) max = v[off + j];
  // no finite scale: every score -Infinity (a Gaussian NB row past every class's density, x = -1e305) is a uniform
  // row, and +Infinity scores share the mass; exp(-Inf - -Inf) had made the row NaN and its class an arbitrary first
  if (max === -Infinity || max === Infinity) {
    let n = 0;
    for (let j = 0; j < k; j++) if (v[off + j] === max) n++;
    for (let j = 0; j < k; j++) v[off + j] = v[off + j] === max ? 1 / n : 0;
    return;
  }
  let s = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(v[off + j] - max);
    v[off + j] = e;
    s += e;
  }
  for (let j = 0; j < k; j++) v[off + j] /= s;
}

/** Softmax of every row, in place; returns the matrix (class scores -> probabilities). */
export function softmaxRows(m: Matrix): Matrix {
  for (let r = 0; r < m.rows; r++) softmaxInPlace(m.data, r * m.cols, m.cols);
  return m;
}

/** Number of features a split may look at: 'sqrt' | 'log2' | 'all' | fraction in (0,1] | integer count. */
export type MaxFeatures = 'sqrt' | 'log2' | 'all' | number;

export function resolveMaxFeatures(m: MaxFeatures, p: number): number {
  let k: number;
  if (m === 'all') k = p;
  else if (m === 'sqrt') k = Math.floor(Math.sqrt(p));
  else if (m === 'log2') k = Math.floor(Math.log2(p));
  else if (m > 0 && m <= 1) k = Math.ceil(m * p);
  else k = Math.floor(m);
  return Math.min(p, Math.max(1, k));
}

/** The first index in [0, end) of ascending `sorted` whose value is not below v (end when none is): how many are below v. */
export function lowerBound(sorted: Float64Array, v: number, end = sorted.length): number {
  let lo = 0;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
