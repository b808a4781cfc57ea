// Seeded k-fold splits: stratified for classification (each class dealt round-robin over the folds, so every fold
// holds floor or ceil of its share), plain shuffled for regression; and seeded row samples of either kind (AutoML
// searches on one on a large table).
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';

/** Test-row indices of each fold (sorted); the training rows of fold i are all the others. */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed = 0): Int32Array[] {
  checkK('stratifiedKFold', y.length, k);
  const rng = new Random(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const rowsOfClass of rowsByClass(y)) {
    const rows = rng.shuffle(rowsOfClass);
    // continue dealing where the last class stopped, so fold sizes stay within one of each other
    for (const r of rows) {
      folds[next].push(r);
      next = (next + 1) % k;
    }
  }
  return folds.map((f) => Int32Array.from(f).sort());
}

export function kFold(n: number, k: number, seed = 0): Int32Array[] {
  checkK('kFold', n, k);
  const perm = new Random(seed).permutation(n);
  return Array.from({ length: k }, (_, f) => perm.filter((_, i) => i % k === f).sort());
}

/**
 * A seeded sample of about `m` of the rows 0..y.length-1 (sorted), each class in its share of them by largest
 * remainders and with at least min(its rows, `minPerClass`) rows, so a rare class still reaches every fold
 * (that can take a few rows past `m`). All rows when there are at most `m`.
 */
export function stratifiedSample(y: ArrayLike<number>, m: number, minPerClass = 1, seed = 0): Int32Array {
  checkSample('stratifiedSample', m);
  const n = y.length;
  if (n <= m) return Int32Array.from({ length: n }, (_, i) => i);
  const classes = rowsByClass(y);
  const quota = classes.map((rows) => (rows.length * m) / n);
  const take = classes.map((rows, j) => Math.max(Math.min(rows.length, minPerClass), Math.floor(quota[j])));
  // the rows left go to the largest remainders (ties to the lower class), one each
  let left = m - take.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, j) => j).sort((a, b) => quota[b] - Math.floor(quota[b]) - (quota[a] - Math.floor(quota[a])) || a - b);
  for (const j of byRemainder) {
    if (left <= 0) break;
    if (take[j] < classes[j].length && take[j] < Math.ceil(quota[j])) {
      take[j]++;
      left--;
    }
  }
  const rng = new Random(seed);
  const out: number[] = [];
  // a loop, not push(...): a class of a few hundred thousand rows would overflow the call stack as arguments
  classes.forEach((rows, j) => {
    const shuffled = rng.shuffle(rows);
    for (let i = 0; i < take[j]; i++) out.push(shuffled[i]);
  });
  return Int32Array.from(out).sort();
}

/** A seeded sample of `m` of the rows 0..n-1 (sorted); all rows when n <= m. */
export function randomSample(n: number, m: number, seed = 0): Int32Array {
  checkSample('randomSample', m);
  if (n <= m) return Int32Array.from({ length: n }, (_, i) => i);
  return new Random(seed).permutation(n).slice(0, m).sort();
}

function checkSample(op: string, m: number): void {
  if (!Number.isInteger(m) || m < 1) throw new ArgumentError(`${op}: m must be a positive integer, got ${m}`);
}

/** The rows of each class, classes in increasing label order, rows in increasing order. */
function rowsByClass(y: ArrayLike<number>): number[][] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = byClass.get(y[i]) ?? [];
    list.push(i);
    byClass.set(y[i], list);
  }
  return [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
}

/** Rows of 0..n-1 not in `test`. */
export function complement(n: number, test: Int32Array): Int32Array {
  const mask = new Uint8Array(n);
  for (const i of test) mask[i] = 1;
  const out = new Int32Array(n - test.length);
  let j = 0;
  for (let i = 0; i < n; i++) if (!mask[i]) out[j++] = i;
  return out;
}

function checkK(op: string, n: number, k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new ArgumentError(`${op}: k must be an integer >= 2, got ${k}`);
  if (k > n) throw new ArgumentError(`${op}: k must not exceed the number of rows ${n}, got ${k}`);
}
