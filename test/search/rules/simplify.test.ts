import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, conditionKey } from '../../../search/rules/condition.js';
import { categoricalColumn, numericColumn, withTarget } from '../../../core/data/csv.js';
import { type Encoded, encodeTable } from '../../../search/rules/data.js';
import { compileCondition, compileRule, conditionMask, ruleMask } from '../../../search/rules/model.js';
import { pessimisticRate } from '../../../search/rules/pessimistic.js';
import { MaskCache, simplifyRule } from '../../../search/rules/simplify.js';
import { growPrunedTree, pathRules } from '../../../search/rules/tree-rules.js';
import { DATASETS, cars, conditionArb, penguins } from './fixtures.js';

/** C4.5rules' condition dropping read straight: every row against every remaining condition, again after each drop. */
function simplifyRuleReference(conds: readonly Condition[], cls: number, data: Encoded, cf: number): Condition[] {
  let cur = conds.slice();
  while (cur.length > 1) {
    const tests = cur.map((c) => compileCondition(c, data.features));
    const rate = (keep: (j: number) => boolean): number => {
      let n = 0;
      let e = 0;
      for (let i = 0; i < data.n; i++) {
        if (!tests.every((t, j) => !keep(j) || t(data.x, i))) continue;
        n++;
        if (data.y[i] !== cls) e++;
      }
      return pessimisticRate(n, e, cf);
    };
    const now = rate(() => true);
    const rates = cur.map((_, drop) => rate((j) => j !== drop));
    const best = rates.indexOf(Math.min(...rates));
    if (!(rates[best] <= now)) break;
    cur = cur.filter((_, j) => j !== best);
  }
  return cur;
}

/** A bitset read straight: bit i % 32 of word i / 32 is row i. */
function packNaive(mask: Uint8Array): Int32Array {
  const bits = new Int32Array(Math.ceil(mask.length / 32));
  mask.forEach((v, i) => {
    if (v) bits[Math.floor(i / 32)] |= 1 << i % 32;
  });
  return bits;
}

describe('simplifyRule', () => {
  it('simplifying a rule keeps a subset of its conditions and never raises its pessimistic error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DATASETS), fc.integer({ min: 0, max: 100 }), (ds, seed) => {
        const d = encodeTable(ds.table(), ds.target);
        const tree = growPrunedTree(d, { seed });
        const rate = (conds: Parameters<typeof compileRule>[0], cls: number): number => {
          const test = compileRule(conds, d.features);
          let n = 0;
          let e = 0;
          for (let i = 0; i < d.n; i++) {
            if (!test(d.x, i)) continue;
            n++;
            if (d.y[i] !== cls) e++;
          }
          return pessimisticRate(n, e);
        };
        for (const r of pathRules(tree).filter((p) => p.conditions.length > 0)) {
          const simple = simplifyRule(r.conditions, r.class, d, 0.25);
          const keys = new Set(r.conditions.map(conditionKey));
          expect(simple.every((c) => keys.has(conditionKey(c)))).toBe(true);
          expect(simple.length).toBeGreaterThan(0);
          expect(rate(simple, r.class)).toBeLessThanOrEqual(rate(r.conditions, r.class) + 1e-12);
        }
      }),
      { numRuns: 5 },
    );
  });

  it('simplifyRule drops the same conditions as the row-by-row reference', () => {
    const cases = DATASETS.map((ds) => encodeTable(ds.table(), ds.target));
    // the tree's own paths, and any conditions at all (missing values, categories the data never had, `in`)
    for (const d of cases) {
      for (const r of pathRules(growPrunedTree(d, { seed: 0 }))) {
        expect(simplifyRule(r.conditions, r.class, d, 0.25)).toEqual(simplifyRuleReference(r.conditions, r.class, d, 0.25));
      }
      fc.assert(
        fc.property(fc.array(conditionArb(d), { maxLength: 7 }), fc.integer({ min: 0, max: d.classes.length - 1 }), fc.constantFrom(0.05, 0.25, 0.5), (conds, cls, cf) => {
          expect(simplifyRule(conds, cls, d, cf)).toEqual(simplifyRuleReference(conds, cls, d, cf));
        }),
        { numRuns: 60 },
      );
    }
  });

  it('simplifyRule drops the same conditions as the reference on long rules too (counted row by row past 16)', () => {
    const d = encodeTable(cars(), 'Origin');
    fc.assert(
      fc.property(fc.array(conditionArb(d), { minLength: 14, maxLength: 22 }), fc.integer({ min: 0, max: d.classes.length - 1 }), (conds, cls) => {
        // loose conditions, so that many rows fail just one and the rule loses several
        const loose = conds.map((c): Condition => (c.op === '<=' || c.op === '<' ? { ...c, value: c.value + 100 } : c.op === '>' || c.op === '>=' ? { ...c, value: c.value - 100 } : c));
        expect(simplifyRule(loose, cls, d, 0.25)).toEqual(simplifyRuleReference(loose, cls, d, 0.25));
      }),
      { numRuns: 30 },
    );
  });

  it('a MaskCache gives conditionMask answers on any small table (gaps, a category most rows hold, 1 to 70 rows)', () => {
    const cell = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'b', 'b', 'c') });
    const num = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }).map((v) => v / 2) });
    const rows = fc.array(fc.tuple(cell, num, fc.constantFrom('x', 'y')), { minLength: 1, maxLength: 70 });
    fc.assert(
      fc.property(
        rows.filter((r) => r.some(([, v]) => v !== null) && r.some(([c]) => c !== null)),
        fc.integer({ min: 0, max: 1e6 }),
        (r, seed) => {
          const t = withTarget([categoricalColumn('c', r.map(([c]) => c)), numericColumn('v', r.map(([, v]) => v)), categoricalColumn('y', r.map(([, , y]) => y))], 'y');
          const d = encodeTable(t, 'y');
          const cache = new MaskCache(d);
          // == and != on the number column too, which holds -1 now and then (conditionMask compares it with category -1)
          const odd: Condition[] = [{ feature: 'v', op: '==', value: 'a' }, { feature: 'v', op: '!=', value: 'a' }];
          for (const c of [...odd, ...fc.sample(conditionArb(d), { numRuns: 20, seed })]) expect(cache.get(c)).toEqual(packNaive(conditionMask(c, d.x, d.features, d.n)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a MaskCache gives conditionMask answers whatever its budget, and keeps to the budget', () => {
    const d = encodeTable(penguins(), 'Species');
    fc.assert(
      fc.property(fc.array(conditionArb(d), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 5 }), (conds, masksKept) => {
        // room for `masksKept` bitsets: the least recently used go first
        const cache = new MaskCache(d, masksKept * 4 * Math.ceil(d.n / 32));
        for (const c of [...conds, ...conds.slice().reverse()]) {
          expect(cache.get(c)).toEqual(packNaive(conditionMask(c, d.x, d.features, d.n)));
          expect((cache as unknown as { bytes: number }).bytes).toBeLessThanOrEqual(masksKept * 4 * Math.ceil(d.n / 32));
        }
        const mask = ruleMask(conds, d.x, d.features, d.n);
        expect(Array.from(cache.rows(conds))).toEqual([...mask.keys()].filter((i) => mask[i]));
        // simplifying through a shared cache changes nothing
        for (let cls = 0; cls < d.classes.length; cls++) {
          expect(cache.notOfClass(cls)).toEqual(packNaive(Uint8Array.from(d.y, (c) => (c === cls ? 0 : 1))));
          expect(simplifyRule(conds, cls, d, 0.25, cache)).toEqual(simplifyRuleReference(conds, cls, d, 0.25));
        }
      }),
      { numRuns: 40 },
    );
    // the same condition asked again comes from the cache, not computed anew
    const c = { feature: 'Island', op: '==', value: 'Dream' } as const;
    const cache = new MaskCache(d);
    expect(cache.get(c)).toBe(cache.get({ ...c }));
    // no conditions: every row, the last word's unused bits left out
    expect(Array.from(cache.rows([]))).toEqual([...Array(d.n).keys()]);
  });
});
