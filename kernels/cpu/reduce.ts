// Reductions over a contiguous block of axes, seen as [outer, reduced, inner]; callers permute other axis sets first.
// Sums accumulate in float64 (JS numbers) and round once, so float32 results do not drift with size.
import type { TypedArray } from '../../core/dtype.js';

export type ReduceKind = 'sum' | 'max' | 'min' | 'argmax' | 'argmin';

export function reduceBlock(x: TypedArray, outer: number, r: number, inner: number, kind: ReduceKind, out: TypedArray): TypedArray {
  if (kind === 'sum') {
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        let s = 0;
        const base = o * r;
        for (let i = 0; i < r; i++) s += x[base + i];
        out[o] = s;
      }
    } else {
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        acc.fill(0);
        const base = o * r * inner;
        for (let i = 0; i < r; i++) {
          const row = base + i * inner;
          for (let j = 0; j < inner; j++) acc[j] += x[row + j];
        }
        for (let j = 0; j < inner; j++) out[o * inner + j] = acc[j];
      }
    }
    return out;
  }
  const isArg = kind === 'argmax' || kind === 'argmin';
  const wantMax = kind === 'max' || kind === 'argmax';
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * r * inner + j;
      let best = x[base];
      let bestI = 0;
      // NaN propagates (as in NumPy): the first NaN wins and stays.
      if (!Number.isNaN(best)) {
        for (let i = 1; i < r; i++) {
          const v = x[base + i * inner];
          if (Number.isNaN(v)) { best = v; bestI = i; break; }
          if (wantMax ? v > best : v < best) { best = v; bestI = i; }
        }
      }
      out[o * inner + j] = isArg ? bestI : best;
    }
  }
  return out;
}
