import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { type Table, encodeTable, rowObject, tableFromRecords } from '../../../search/rules/data.js';
import { rules } from '../../../search/rules/index.js';
import { ripper, ripperEncoded } from '../../../search/rules/ripper.js';
import { DATASETS, iris, penguins } from './fixtures.js';

describe('ripper', () => {
  it('gets >= 93% 10-fold CV accuracy on Iris with at most 5 rules (default included)', () => {
    for (const seed of [0, 1, 2]) {
      const r = rules({ data: iris(), target: 'species', algorithm: 'ripper', seed, folds: 10 });
      expect(r.cvAccuracy).toBeGreaterThanOrEqual(0.93);
      expect(r.model.rules.length + 1).toBeLessThanOrEqual(5);
    }
  });

  it('orders classes from least to most frequent and makes the most frequent the default', () => {
    const t = penguins();
    const m = ripper(t, 'Species', { seed: 3 });
    expect(m.defaultRule.class).toBe('Adelie'); // 152 Adelie, 124 Gentoo, 68 Chinstrap
    const firstGentoo = m.rules.findIndex((r) => r.class === 'Gentoo');
    const lastChinstrap = m.rules.map((r) => r.class).lastIndexOf('Chinstrap');
    if (firstGentoo >= 0 && lastChinstrap >= 0) expect(lastChinstrap).toBeLessThan(firstGentoo);
    expect(m.rules.every((r) => r.class !== 'Adelie')).toBe(true);
  });

  it('uses nominal features (penguins: Island)', () => {
    const m = ripper(penguins(), 'Species', { seed: 0 });
    const ops = m.rules.flatMap((r) => r.conditions.filter((c) => c.feature === 'Island').map((c) => c.op));
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((op) => op === '==')).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = ripper(penguins(), 'Species', { seed: 7 }).toJSON();
    const b = ripper(penguins(), 'Species', { seed: 7 }).toJSON();
    expect(b).toEqual(a);
  });

  it('never keeps a rule that covers no training row', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DATASETS), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 }), (ds, seed, optimizations) => {
        const t = ds.table();
        const m = ripper(t, ds.target, { seed, optimizations });
        const fired = m.firing(t);
        m.rules.forEach((r, k) => {
          expect(r.counts.reduce((s, c) => s + c, 0)).toBeGreaterThan(0);
          expect(fired.includes(k)).toBe(true);
        });
      }),
      { numRuns: 12 },
    );
  });

  it('classifies its own training data consistently with explain', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DATASETS), fc.integer({ min: 0, max: 1000 }), (ds, seed) => {
        const t = ds.table();
        const m = ripper(t, ds.target, { seed });
        const pred = m.predict(t);
        for (let i = 0; i < t.nRows; i++) {
          const row = rowObject(t, i);
          const e = m.explain(row);
          expect(e.class).toBe(pred[i]);
          expect(m.explain(t, i).class).toBe(pred[i]);
          if (e.rule === null) {
            expect(e.matching).toEqual([]);
            expect(e.class).toBe(m.defaultRule.class);
          } else {
            expect(e.matching[0]).toBe(e.rule);
            expect(e.conditions.every((c) => c.holds)).toBe(true);
            expect(e.conditions.map((c) => c.condition)).toEqual(m.rules[e.rule].conditions);
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  it('adding a duplicate column does not change accuracy', () => {
    const withCopy = (t: Table, col: number, at: number): Table => {
      const c = t.columns[col];
      const copy = { ...c, name: `${c.name} copy` } as (typeof t.columns)[number];
      const columns = t.columns.slice();
      columns.splice(at % (columns.length + 1), 0, copy);
      return { ...t, columns };
    };
    fc.assert(
      fc.property(fc.constantFrom(DATASETS[0], DATASETS[1]), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 100 }), (ds, col, at, seed) => {
        const t = ds.table();
        const c = col % t.columns.length;
        if (t.columns[c].name === ds.target) return;
        const base = rules({ data: t, target: ds.target, seed, folds: 3 });
        const more = rules({ data: withCopy(t, c, at), target: ds.target, seed, folds: 3 });
        expect(more.cvAccuracy).toBe(base.cvAccuracy);
        expect(more.foldAccuracies).toEqual(base.foldAccuracies);
      }),
      { numRuns: 8 },
    );
  });

  it('never lets a missing value satisfy a condition', () => {
    const t = penguins();
    const m = ripper(t, 'Species', { seed: 1 });
    const missingRow = Object.fromEntries(m.features.map((f) => [f.name, null]));
    const e = m.explain(missingRow);
    expect(e.rule).toBeNull();
    expect(e.class).toBe(m.defaultRule.class);
    expect(m.predict([{}])).toEqual([m.defaultRule.class]);
  });

  it('rejects bad options', () => {
    expect(() => ripper(iris(), 'species', { optimizations: -1 })).toThrow(/optimizations must be an integer >= 0/);
    expect(() => ripper(iris(), 'nope')).toThrow(/target must be one of the columns/);
  });

  it('finds the exact threshold and nominal value of a planted rule', () => {
    const rng = new Random(5);
    const records = Array.from({ length: 300 }, (_, i) => {
      const x = i % 100;
      const color = rng.choice(['red', 'green', 'blue']);
      return { x, color, noise: rng.next(), label: x < 30 && color === 'red' ? 'hit' : 'miss' };
    });
    const m = ripper(tableFromRecords(records), 'label', { seed: 0 });
    expect(m.toString().split('\n')[0]).toMatch(/^IF (x <= 29\.5 AND color == red|color == red AND x <= 29\.5) THEN hit \(covers \d+, 100% correct\)$/);
    expect(m.defaultRule.class).toBe('miss');
  });

  it('stops on description length when the labels are noise', () => {
    const rng = new Random(9);
    const records = Array.from({ length: 400 }, () => ({ a: rng.next(), b: rng.next(), c: rng.choice(['p', 'q', 'r']), label: rng.next() < 0.3 ? 'yes' : 'no' }));
    const m = ripper(tableFromRecords(records), 'label', { seed: 1 });
    // a few small chance rules may survive, but never a rule set that claims much of the data
    expect(m.rules.length).toBeLessThanOrEqual(4);
    expect(m.rules.reduce((s, r) => s + r.counts.reduce((a, b) => a + b, 0), 0)).toBeLessThanOrEqual(0.2 * 400);
    expect(m.defaultRule.class).toBe('no');
  });

  it('learns around missing values without ever covering them', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ x: i % 10 === 0 ? null : i % 50, label: i % 10 === 0 || i % 50 < 10 ? 'a' : 'b' }));
    const t = tableFromRecords(records);
    const m = ripper(t, 'label', { seed: 0 });
    const fired = m.firing(t);
    records.forEach((r, i) => {
      if (r.x === null) expect(fired[i]).toBe(-1);
    });
    expect(m.rules.some((r) => r.class === 'a')).toBe(true);
  });

  it('learns a pure rule set on separable data with every condition needed', () => {
    const d = encodeTable(iris(), 'species');
    const m = ripperEncoded(d, { seed: 0 });
    const setosa = m.rules.find((r) => r.class === 'setosa');
    expect(setosa).toBeDefined();
    expect(setosa!.counts).toEqual([50, 0, 0]);
  });
});
