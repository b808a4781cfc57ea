// Seeded k-fold splits: stratified for classification (each class dealt round-robin over the folds, so every fold
// holds floor or ceil of its share), plain shuffled for regression.
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';

/** Test-row indices of each fold (sorted); the training rows of fold i are all the others. */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed = 0): Int32Array[] {
  checkK('stratifiedKFold', y.length, k);
  const rng = new Random(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = byClass.get(y[i]) ?? [];
    list.push(i);
    byClass.set(y[i], list);
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(byClass.get(cls)!);
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
