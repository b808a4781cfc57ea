import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, conditionKey } from '../../../search/rules/condition.js';
import { categoricalColumn, numericColumn, withTarget } from '../../../core/data/csv.js';
import { packageDir } from '../../../core/data/datasets.js';
import { type Encoded, type Table, encodeTable, rowObject } from '../../../search/rules/data.js';
import { compileCondition, compileRule, conditionMask, finalizeRules, ruleMask } from '../../../search/rules/model.js';
import { pessimisticRate } from '../../../search/rules/pessimistic.js';
import { MaskCache, failPatterns, growPrunedTree, pathRules, rulesFromTree, simplifyRule, treePredict, treeRules, treeRulesEncoded } from '../../../search/rules/tree-rules.js';
import { rules } from '../../../search/rules/index.js';
import { DATASETS, cars, conditionArb, iris, penguins } from './fixtures.js';

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

describe('tree to rules', () => {
  it('path rules reproduce the pruned tree on rows without missing values', () => {
    for (const ds of DATASETS) {
      const d = encodeTable(ds.table(), ds.target);
      const tree = growPrunedTree(d, { seed: 1 });
      const paths = pathRules(tree).map((r) => ({ conditions: r.conditions, class: d.classes[r.class] }));
      const m = finalizeRules(d, paths, d.classes[0], 'ordered', 'tree');
      const byTree = treePredict(tree, d);
      expect(d.n).toBe(ds.table().nRows); // no missing labels in these sets
      const byRules = m.predict(ds.table());
      let compared = 0;
      for (let i = 0; i < d.n; i++) {
        if (d.x.some((col) => Number.isNaN(col[i]))) continue;
        compared++;
        expect(byRules[i]).toBe(d.classes[byTree[i]]);
      }
      expect(compared).toBeGreaterThan(100);
    }
  });

  it('pessimistic pruning gives a small tree on Iris', () => {
    const tree = growPrunedTree(encodeTable(iris(), 'species'), { seed: 0 });
    const leaves = tree.nodes.filter((n) => n.feature < 0).length;
    expect(leaves).toBeGreaterThanOrEqual(3);
    expect(leaves).toBeLessThanOrEqual(8);
  });

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

  it('failPatterns counts each row under the conditions it fails, and those of another class', () => {
    const d = encodeTable(penguins(), 'Species');
    fc.assert(
      fc.property(fc.array(conditionArb(d), { maxLength: 6 }), fc.integer({ min: 0, max: d.classes.length - 1 }), (conds, cls) => {
        const tests = conds.map((c) => compileCondition(c, d.features));
        const rows = new Array<number>(1 << conds.length).fill(0);
        const wrong = rows.slice();
        for (let i = 0; i < d.n; i++) {
          const p = tests.reduce((acc, t, j) => acc | (t(d.x, i) ? 0 : 1 << j), 0);
          rows[p]++;
          if (d.y[i] !== cls) wrong[p]++;
        }
        const got = failPatterns(conds.map((c) => conditionMask(c, d.x, d.features, d.n)), d.y, cls);
        expect(Array.from(got.rows)).toEqual(rows);
        expect(Array.from(got.wrong)).toEqual(wrong);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the rules it gave before it was made faster (known answers)', () => {
    // rules JSON of each set, computed by the row-by-row simplification and the full-mask rule dropping it replaced
    const known = JSON.parse(readFileSync(new URL('./tree-rules.known.json', import.meta.url), 'utf8')) as Record<string, { rules: number; conditions: number; sha256: string }>;
    // flights-2k → destination: 631 rules of many classes, paths of up to 75 conditions (counted row by row)
    const flights = (): Table => {
      const records = JSON.parse(readFileSync(join(packageDir('vega-datasets'), 'data', 'flights-2k.json'), 'utf8')) as Record<string, number | string>[];
      const numeric = (c: string) => numericColumn(c, records.map((r) => r[c] as number));
      const nominal = (c: string) => categoricalColumn(c, records.map((r) => String(r[c])));
      return withTarget([numeric('delay'), numeric('distance'), nominal('origin'), nominal('destination')], 'destination', 'flights-2k.json');
    };
    const sets = { iris: DATASETS[0], penguins: DATASETS[1], cars: DATASETS[2], 'flights-2k': { table: flights, target: 'destination' } };
    for (const [name, ds] of Object.entries(sets)) {
      const m = rulesFromTree(growPrunedTree(encodeTable(ds.table(), ds.target), { seed: 3 }));
      expect({ rules: m.rules.length, conditions: m.nConditions, sha256: createHash('sha256').update(JSON.stringify(m.toJSON())).digest('hex') }).toEqual(known[name]);
    }
  });

  it('a MaskCache gives conditionMask answers whatever its budget, and keeps to the budget', () => {
    const d = encodeTable(penguins(), 'Species');
    fc.assert(
      fc.property(fc.array(conditionArb(d), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 5 }), (conds, masksKept) => {
        // room for `masksKept` masks: the least recently used go first
        const cache = new MaskCache(d, masksKept * d.n);
        for (const c of [...conds, ...conds.slice().reverse()]) {
          expect(cache.get(c)).toEqual(conditionMask(c, d.x, d.features, d.n));
          expect((cache as unknown as { bytes: number }).bytes).toBeLessThanOrEqual(masksKept * d.n);
        }
        const mask = ruleMask(conds, d.x, d.features, d.n);
        expect(Array.from(cache.rows(conds))).toEqual([...mask.keys()].filter((i) => mask[i]));
        // simplifying through a shared cache changes nothing
        for (let cls = 0; cls < d.classes.length; cls++) expect(simplifyRule(conds, cls, d, 0.25, cache)).toEqual(simplifyRuleReference(conds, cls, d, 0.25));
      }),
      { numRuns: 40 },
    );
    // the same condition asked again comes from the cache, not computed anew
    const c = { feature: 'Island', op: '==', value: 'Dream' } as const;
    const cache = new MaskCache(d);
    expect(cache.get(c)).toBe(cache.get({ ...c }));
  });

  it('keeps no duplicate or subsumed rule and no rule that covers nothing', () => {
    for (const ds of DATASETS) {
      const { model } = treeRulesEncoded(encodeTable(ds.table(), ds.target), { seed: 0 });
      const keys = model.rules.map((r) => new Set(r.conditions.map(conditionKey)));
      model.rules.forEach((r, a) => {
        expect(r.counts.reduce((s, c) => s + c, 0)).toBeGreaterThan(0);
        model.rules.forEach((o, b) => {
          if (a !== b && o.class === r.class) expect([...keys[b]].every((k) => keys[a].has(k))).toBe(false);
        });
      });
    }
  });

  it('classifies its own training data consistently with explain', () => {
    const t = penguins();
    const m = treeRules(t, 'Species', { seed: 0 });
    const pred = m.predict(t);
    for (let i = 0; i < t.nRows; i++) {
      const e = m.explain(rowObject(t, i));
      expect(e.class).toBe(pred[i]);
      if (e.rule !== null) expect(e.conditions.every((c) => c.holds)).toBe(true);
    }
  });

  it('reaches Iris-level accuracy with few rules', () => {
    const r = rules({ data: iris(), target: 'species', algorithm: 'tree', seed: 0, folds: 10 });
    expect(r.cvAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.nRules).toBeLessThanOrEqual(5);
  });

  it('can prune by cost complexity instead', () => {
    const d = encodeTable(iris(), 'species');
    const full = growPrunedTree(d, { seed: 0, pruning: { ccpAlpha: 0 } });
    const pruned = growPrunedTree(d, { seed: 0, pruning: { ccpAlpha: 0.02 } });
    const leaves = (t: typeof full) => t.nodes.filter((n) => n.feature < 0).length;
    expect(leaves(pruned)).toBeLessThan(leaves(full));
    expect(leaves(pruned)).toBeGreaterThanOrEqual(3);
  });

  it('rejects a confidence outside (0, 0.5]', () => {
    expect(() => treeRules(iris(), 'species', { cf: 0.9 })).toThrow(/cf must be in/);
  });
});
