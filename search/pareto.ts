// Pareto dominance with a direction per objective, and Deb's fast non-dominated sort (O(m n^2)).

import { ArgumentError } from '../core/errors.js';

export type Direction = 'minimize' | 'maximize';

/** True when `a` is no worse than `b` in every objective and strictly better in at least one. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  let strictly = false;
  for (let k = 0; k < directions.length; k++) {
    const d = directions[k] === 'minimize' ? b[k] - a[k] : a[k] - b[k]; // > 0 when a is better
    if (d < 0) return false;
    if (d > 0) strictly = true;
  }
  return strictly;
}

/**
 * Splits point indices into fronts: front 0 is non-dominated, front 1 is non-dominated once front 0
 * is removed, and so on. Indices within a front are ascending.
 */
export function nonDominatedSort(points: readonly (readonly number[])[], directions: readonly Direction[]): number[][] {
  const n = points.length;
  for (const p of points) {
    if (p.length !== directions.length) throw new ArgumentError(`nonDominatedSort: every point must have ${directions.length} objectives, got ${p.length}`);
  }
  const dominatedBy = new Int32Array(n); // how many points dominate i
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i], points[j], directions)) {
        dominating[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(points[j], points[i], directions)) {
        dominating[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i]) if (--dominatedBy[j] === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** Indices of the non-dominated points, ascending. */
export function paretoFront(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  return nonDominatedSort(points, directions)[0] ?? [];
}

/**
 * Orders point indices from best to worst: by front, then inside a front by the sum of per-objective
 * ranks (a cheap tie-break that prefers balanced points), then by index. For one objective this is
 * a plain sort by value.
 */
export function rankOrder(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  if (directions.length === 1) {
    const sign = directions[0] === 'minimize' ? 1 : -1;
    return points.map((_, i) => i).sort((a, b) => sign * (points[a][0] - points[b][0]) || a - b);
  }
  const rankSum = new Float64Array(points.length);
  directions.forEach((d, k) => {
    const sign = d === 'minimize' ? 1 : -1;
    const order = points.map((_, i) => i).sort((a, b) => sign * (points[a][k] - points[b][k]));
    order.forEach((i, r) => (rankSum[i] += r));
  });
  return nonDominatedSort(points, directions).flatMap((front) => front.sort((a, b) => rankSum[a] - rankSum[b] || a - b));
}
