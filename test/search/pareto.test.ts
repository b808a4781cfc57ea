import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, nonDominatedSort, paretoFront, rankOrder, type Direction } from '../../search/pareto.js';

function naiveFront(points: number[][], dirs: Direction[]): number[] {
  return points.map((_, i) => i).filter((i) => !points.some((q, j) => j !== i && dominates(q, points[i], dirs)));
}

describe('pareto', () => {
  it('finds the front of known points', () => {
    const pts = [
      [1, 5],
      [2, 3],
      [3, 4], // dominated by [2,3]
      [4, 1],
      [5, 5], // dominated by everything
      [2, 3], // duplicate: neither dominates the other
    ];
    expect(paretoFront(pts, ['minimize', 'minimize'])).toEqual([0, 1, 3, 5]);
    expect(nonDominatedSort(pts, ['minimize', 'minimize'])).toEqual([[0, 1, 3, 5], [2], [4]]);
    // maximize the second objective: [1,5] and [5,5]? [1,5] dominates [5,5] (lower first, equal second)
    expect(paretoFront(pts, ['minimize', 'maximize'])).toEqual([0]);
    expect(paretoFront(pts, ['maximize', 'maximize'])).toEqual([4]);
  });

  const dirsArb = fc.array(fc.constantFrom<Direction>('minimize', 'maximize'), { minLength: 1, maxLength: 4 });

  it('front and fronts agree with an O(n^2) dominance check', () => {
    fc.assert(
      fc.property(
        dirsArb.chain((dirs) =>
          fc.tuple(fc.constant(dirs), fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: dirs.length, maxLength: dirs.length }), { maxLength: 40 })),
        ),
        ([dirs, pts]) => {
          expect(paretoFront(pts, dirs)).toEqual(naiveFront(pts, dirs));
          // Peeling fronts one by one with the naive check gives the same layers.
          const fronts = nonDominatedSort(pts, dirs);
          let left = pts.map((_, i) => i);
          for (const f of fronts) {
            const sub = left.map((i) => pts[i]);
            expect(f).toEqual(naiveFront(sub, dirs).map((k) => left[k]));
            left = left.filter((i) => !f.includes(i));
          }
          expect(left).toEqual([]);
          const order = rankOrder(pts, dirs);
          expect([...order].sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rankOrder sorts a single objective by value', () => {
    expect(rankOrder([[3], [1], [2], [1]], ['minimize'])).toEqual([1, 3, 2, 0]);
    expect(rankOrder([[3], [1], [2]], ['maximize'])).toEqual([0, 2, 1]);
  });

  it('rejects points of the wrong length', () => {
    expect(() => nonDominatedSort([[1, 2], [1]], ['minimize', 'minimize'])).toThrow(/2 objectives, got 1/);
  });
});
