import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { encodeTable, stratifiedFolds, tableFromRecords, takeTableRows } from '../../../search/rules/data.js';
import { penguins } from './fixtures.js';

describe('rules data', () => {
  it('stratified folds keep every class spread evenly and fold sizes within one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 200 }), fc.integer({ min: 2, max: 10 }), fc.nat(), (labels, k, seed) => {
        if (k > labels.length) return;
        const fold = stratifiedFolds(labels, k, new Random(seed));
        const sizes = new Array<number>(k).fill(0);
        fold.forEach((f) => sizes[f]++);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (const c of new Set(labels)) {
          const per = new Array<number>(k).fill(0);
          labels.forEach((l, i) => l === c && per[fold[i]]++);
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
        }
      }),
    );
    expect(() => stratifiedFolds([0, 1], 3, new Random(0))).toThrow(/folds must be <= number of rows/);
  });

  it('infers column kinds from records and codes categories', () => {
    const t = tableFromRecords([{ a: 1, b: 'x', c: true }, { a: null, b: null, c: false }, { a: 2.5, b: 'y' }]);
    expect(t.columns.map((c) => c.kind)).toEqual(['numeric', 'categorical', 'categorical']);
    const d = encodeTable(t, 'c');
    expect(d.n).toBe(2); // the row without c is dropped
    expect(d.classes).toEqual(['false', 'true']);
    expect(Array.from(d.x[0])).toEqual([1, NaN]);
    expect(Array.from(d.x[1])).toEqual([0, NaN]);
  });

  it('codes held-out rows like the training rows', () => {
    const t = penguins();
    const train = encodeTable(t, 'Species');
    const part = encodeTable(takeTableRows(t, [0, 200, 300]), 'Species', { like: train });
    expect(part.features).toBe(train.features);
    expect(Array.from(part.y)).toEqual([train.y[0], train.y[200], train.y[300]]);
    const island = train.features.findIndex((f) => f.name === 'Island');
    expect(part.x[island][1]).toBe(train.x[island][200]);
  });

  it('refuses prototype names as features', () => {
    const t = tableFromRecords([{ ['__proto__']: 1, y: 'a' }].map((r) => JSON.parse(JSON.stringify(r))));
    expect(() => encodeTable(t, 'y')).toThrow(/may not be named "__proto__"/);
  });
});
