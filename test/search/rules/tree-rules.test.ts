import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoricalColumn, numericColumn, withTarget } from '../../../core/data/csv.js';
import { packageDir } from '../../../core/data/datasets.js';
import { conditionKey } from '../../../search/rules/condition.js';
import { type Table, encodeTable, rowObject } from '../../../search/rules/data.js';
import { finalizeRules } from '../../../search/rules/model.js';
import { growPrunedTree, pathRules, rulesFromTree, treePredict, treeRules, treeRulesEncoded } from '../../../search/rules/tree-rules.js';
import { rules } from '../../../search/rules/index.js';
import { DATASETS, iris, penguins } from './fixtures.js';

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
