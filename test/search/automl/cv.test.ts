import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { complement, kFold, stratifiedKFold } from '../../../search/automl/cv.js';

describe('stratifiedKFold', () => {
  it('keeps class proportions: each fold holds floor or ceil of every class share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 120 }), fc.integer({ min: 2, max: 10 }), fc.integer(), (labels, k, seed) => {
        fc.pre(k <= labels.length);
        const folds = stratifiedKFold(labels, k, seed);
        const seen = new Set<number>();
        for (const f of folds) for (const i of f) seen.add(i);
        expect(seen.size).toBe(labels.length); // a partition of all rows
        expect(folds.reduce((a, f) => a + f.length, 0)).toBe(labels.length);
        for (const cls of new Set(labels)) {
          const total = labels.filter((l) => l === cls).length;
          for (const f of folds) {
            const inFold = Array.from(f).filter((i) => labels[i] === cls).length;
            expect(inFold).toBeGreaterThanOrEqual(Math.floor(total / k));
            expect(inFold).toBeLessThanOrEqual(Math.ceil(total / k));
          }
        }
        const sizes = folds.map((f) => f.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('is seeded: same seed same folds, another seed other folds', () => {
    const y = Array.from({ length: 60 }, (_, i) => i % 3);
    expect(stratifiedKFold(y, 5, 1)).toEqual(stratifiedKFold(y, 5, 1));
    expect(stratifiedKFold(y, 5, 1)).not.toEqual(stratifiedKFold(y, 5, 2));
  });

  it('rejects k < 2 and k > n', () => {
    expect(() => stratifiedKFold([0, 1], 1)).toThrow(/k must be an integer >= 2, got 1/);
    expect(() => stratifiedKFold([0, 1], 3)).toThrow(/must not exceed the number of rows 2, got 3/);
  });
});

describe('kFold and complement', () => {
  it('partitions the rows into k near-equal folds', () => {
    const folds = kFold(23, 5, 4);
    expect(folds.map((f) => f.length).sort()).toEqual([4, 4, 5, 5, 5]);
    expect(new Set(folds.flatMap((f) => Array.from(f))).size).toBe(23);
    expect(Array.from(complement(6, Int32Array.from([1, 4])))).toEqual([0, 2, 3, 5]);
  });
});
