import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { complement, kFold, randomSample, stratifiedKFold, stratifiedSample } from '../../../search/automl/cv.js';

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

describe('stratifiedSample / randomSample', () => {
  it('takes each class in its share (within a row), at least min(its rows, minPerClass), about m rows, sorted and distinct', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        (labels, m, minPer, seed) => {
          const s = stratifiedSample(labels, m, minPer, seed);
          for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
          expect(s.every((i) => i >= 0 && i < labels.length)).toBe(true);
          if (labels.length <= m) return void expect(s.length).toBe(labels.length);
          let floorOfMins = 0;
          let bumped = false;
          for (const cls of new Set(labels)) {
            const total = labels.filter((l) => l === cls).length;
            const got = Array.from(s).filter((i) => labels[i] === cls).length;
            const quota = (total * m) / labels.length;
            const least = Math.min(total, minPer);
            expect(got).toBeGreaterThanOrEqual(least);
            if (least > Math.floor(quota)) {
              bumped = true;
              expect(got).toBe(least);
            } else expect(Math.abs(got - quota)).toBeLessThan(1);
            floorOfMins += Math.max(least, Math.floor(quota));
          }
          // exactly m rows unless the rare classes' minimum alone goes past it
          expect(s.length).toBe(bumped ? Math.max(m, floorOfMins) : m);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is seeded: same seed same rows, another seed other rows', () => {
    const y = Array.from({ length: 200 }, (_, i) => i % 3);
    expect(stratifiedSample(y, 50, 5, 1)).toEqual(stratifiedSample(y, 50, 5, 1));
    expect(stratifiedSample(y, 50, 5, 1)).not.toEqual(stratifiedSample(y, 50, 5, 2));
    expect(randomSample(200, 50, 1)).toEqual(randomSample(200, 50, 1));
    expect(randomSample(200, 50, 1)).not.toEqual(randomSample(200, 50, 2));
  });

  it('randomSample: m distinct sorted rows of 0..n-1, all of them when n <= m', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer(), (n, m, seed) => {
        const s = randomSample(n, m, seed);
        expect(s.length).toBe(Math.min(n, m));
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
        expect(s.every((i) => i >= 0 && i < n)).toBe(true);
      }),
    );
  });

  it('rejects a sample size that is not a positive integer', () => {
    expect(() => stratifiedSample([0, 1], 0)).toThrow(/stratifiedSample: m must be a positive integer, got 0/);
    expect(() => randomSample(5, 1.5)).toThrow(/randomSample: m must be a positive integer, got 1.5/);
  });
});

describe('stratifiedSample on a large class', () => {
  it('samples from a class of 400,000 rows (push(...) of the class had overflowed the call stack)', () => {
    const y = new Int32Array(400_000);
    y[7] = 1;
    const s = stratifiedSample(y, 300_000, 1, 3);
    expect(s.length).toBe(300_000);
    expect(Array.from(s.subarray(0, 1000)).every((v, i, a) => i === 0 || a[i - 1] < v)).toBe(true);
    expect(s.includes(7)).toBe(true);
  });
});
