import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { niceThreshold } from '../../../search/rules/condition.js';
import { type Encoded, encodeTable } from '../../../search/rules/data.js';
import { RuleGrower } from '../../../search/rules/ripper-grow.js';
import { type Antd, CoverCache, RuleStats, covers, dataDL, subsetDL } from '../../../search/rules/rule-stats.js';
import { DATASETS, iris, penguins } from './fixtures.js';

describe('description length', () => {
  it('subsetDL is the bits to name k exceptions of t at rate p', () => {
    expect(subsetDL(8, 0, 0)).toBe(0);
    expect(subsetDL(4, 2, 0.5)).toBeCloseTo(4, 12);
    expect(subsetDL(10, 1, 0.1)).toBeCloseTo(-Math.log2(0.1) - 9 * Math.log2(0.9), 12);
  });

  it('a perfect rule lowers the description length and a useless one raises it', () => {
    const d = encodeTable(iris(), 'species');
    const setosa = d.classes.indexOf('setosa');
    const petalLength = d.features.findIndex((f) => f.name === 'petal_length');
    const sepalWidth = d.features.findIndex((f) => f.name === 'sepal_width');
    const rows = Int32Array.from({ length: d.n }, (_, i) => i);
    const expFP = 50 / 150;
    const good = new RuleStats(d.x, d.y, rows, 100);
    good.addAndUpdate({ cls: setosa, antds: [{ f: petalLength, op: '<=', v: 2.45 }] });
    expect(good.stats[0]).toEqual([50, 100, 50, 100, 0, 0]);
    expect(good.relativeDL(0, expFP, true)).toBeLessThan(0);
    const bad = new RuleStats(d.x, d.y, rows, 100);
    bad.addAndUpdate({ cls: setosa, antds: [{ f: sepalWidth, op: '<=', v: 3 }] });
    expect(bad.relativeDL(0, expFP, true)).toBeGreaterThan(0);
    expect(dataDL(expFP, 0, 150, 0, 50)).toBeGreaterThan(dataDL(expFP, 50, 100, 0, 0));
  });

  it('reduceDL deletes a rule that only adds errors', () => {
    const d = encodeTable(iris(), 'species');
    const setosa = d.classes.indexOf('setosa');
    const petalLength = d.features.findIndex((f) => f.name === 'petal_length');
    const rows = Int32Array.from({ length: d.n }, (_, i) => i);
    const st = new RuleStats(d.x, d.y, rows, 100);
    st.addAndUpdate({ cls: setosa, antds: [{ f: petalLength, op: '<=', v: 2.45 }] });
    st.addAndUpdate({ cls: setosa, antds: [{ f: petalLength, op: '>=', v: 6 }] });
    st.reduceDL(50 / 150, true);
    expect(st.rules.length).toBe(1);
    expect(st.stats[0][2]).toBe(50);
  });
});

/** An antecedent on coded data at a value the column holds (numeric) or a code it has (nominal). */
function antdArb(d: Encoded): fc.Arbitrary<Antd> {
  return fc.integer({ min: 0, max: d.features.length - 1 }).chain((f) => {
    const values = Array.from(new Set(Array.from(d.x[f]).filter((v) => !Number.isNaN(v))));
    const ops: Antd['op'][] = d.features[f].kind === 'numeric' ? ['<=', '>='] : ['=='];
    return fc.record({ f: fc.constant(f), op: fc.constantFrom(...ops), v: fc.constantFrom(...values) });
  });
}

describe('counting rules over rows', () => {
  const coded = DATASETS.map((ds) => encodeTable(ds.table(), ds.target));

  it('a shared CoverCache gives every RuleStats the counts of a row-by-row reading, whatever rules and rows it is asked', () => {
    for (const d of coded) {
      const rule = fc.record({ cls: fc.integer({ min: 0, max: d.classes.length - 1 }), antds: fc.array(antdArb(d), { maxLength: 3 }) });
      fc.assert(
        fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: d.n, maxLength: d.n }), (drawn, keep) => {
          // each rule also with its numeric tests turned round: same features and values, other rows
          const flip = (a: Antd): Antd => ({ ...a, op: a.op === '<=' ? '>=' : a.op === '>=' ? '<=' : a.op });
          const rules = [...drawn, ...drawn.map((r) => ({ cls: r.cls, antds: r.antds.map(flip) }))];
          const data = Int32Array.from({ length: d.n }, (_, i) => i).filter((i) => keep[i]);
          const cache = new CoverCache(d.x, data);
          // twice over, so that the second reading comes from the cache, and with a rule edited in place between
          for (let pass = 0; pass < 2; pass++) {
            const st = new RuleStats(d.x, d.y, data, 100, cache);
            let rows = data;
            for (const r of rules) {
              st.addAndUpdate(r);
              const stat = [0, 0, 0, 0, 0, 0];
              const rest: number[] = [];
              for (const i of rows) {
                const pos = d.y[i] === r.cls;
                if (covers(d.x, r, i)) stat[pos ? 2 : 4]++;
                else {
                  rest.push(i);
                  stat[pos ? 5 : 3]++;
                }
              }
              stat[0] = stat[2] + stat[4];
              stat[1] = stat[3] + stat[5];
              expect(st.stats[st.stats.length - 1]).toEqual(stat);
              expect(Array.from(st.uncovered[st.uncovered.length - 1])).toEqual(rest);
              rows = Int32Array.from(rest);
            }
            rules[0].antds.pop();
          }
        }),
        { numRuns: 25 },
      );
    }
  });

  it('counts the conditions a rule could use as Weka does: two per distinct number, one per category', () => {
    // iris: 35, 23, 43 and 22 distinct lengths and widths (their whole parts alone would be 4, 3, 7 and 3)
    expect(new RuleGrower(encodeTable(iris(), 'species'), 2, false).totalConds).toBe(2 * (35 + 23 + 43 + 22));
    // penguins: four measures with gaps, Island and Sex categorical; a copied column adds nothing
    const t = penguins();
    const d = encodeTable(t, 'Species');
    const expected = d.features.reduce(
      (s, f, j) => s + (f.kind === 'numeric' ? 2 * new Set(Array.from(d.x[j]).filter((v) => !Number.isNaN(v))).size : f.categories.length),
      0,
    );
    expect(new RuleGrower(d, 2, false).totalConds).toBe(expected);
    const copied = { ...t, columns: [...t.columns, { ...t.columns.find((c) => c.name === 'Beak Length (mm)')!, name: 'copy' }] };
    expect(new RuleGrower(encodeTable(copied, 'Species'), 2, false).totalConds).toBe(expected);
  });

  it("RuleGrower.bestNumeric picks the cut a plain sort-and-scan picks, for many rows and for few", () => {
    for (const d of coded) {
      const g = new RuleGrower(d, 2, false);
      const numeric = d.features.map((f, j) => (f.kind === 'numeric' ? j : -1)).filter((j) => j >= 0);
      fc.assert(
        fc.property(
          fc.constantFrom(...numeric),
          // a share of the rows from all to a handful (a handful sorts its rows instead of counting by level)
          fc.constantFrom(1, 0.6, 0.1, 0.02),
          fc.integer({ min: 0, max: 1e9 }),
          fc.integer({ min: 0, max: d.classes.length - 1 }),
          fc.double({ min: 0.05, max: 0.95, noNaN: true }),
          (f, share, seed, cls, defAcRt) => {
            const rng = new Random(seed);
            const rows = Int32Array.from({ length: d.n }, (_, i) => i).filter(() => rng.next() < share);
            const got = g.bestNumeric(f, rows, cls, defAcRt);
            // reference: the rows with a value, sorted; a cut between every two distinct values but after the last
            const sorted = Array.from(rows).filter((i) => !Number.isNaN(d.x[f][i])).sort((a, b) => d.x[f][a] - d.x[f][b]);
            const gain = (p: number, c: number) => p * (Math.log2((p + 1) / (c + 1)) - Math.log2(defAcRt));
            const m = sorted.length;
            const totalPos = sorted.filter((i) => d.y[i] === cls).length;
            let best: { le: boolean; at: number; gain: number; p: number; c: number } | null = null;
            let p1 = 0;
            for (let k = 0; k < m; k++) {
              if (d.y[sorted[k]] === cls) p1++;
              if (k + 1 >= m || d.x[f][sorted[k + 1]] === d.x[f][sorted[k]]) continue;
              const g1 = gain(p1, k + 1);
              const g2 = gain(totalPos - p1, m - k - 1);
              const le = g1 > g2;
              const gv = le ? g1 : g2;
              if (gv > (best?.gain ?? 0)) best = { le, at: k, gain: gv, p: le ? p1 : totalPos - p1, c: le ? k + 1 : m - k - 1 };
            }
            if (!best) {
              expect(got).toBeNull();
              return;
            }
            const a = d.x[f][sorted[best.at]];
            const b = d.x[f][sorted[best.at + 1]];
            const t = niceThreshold(a, b);
            expect(got).toEqual({ antd: best.le ? { f, op: '<=', v: t } : { f, op: '>=', v: t > a ? t : b }, gain: best.gain, p: best.p, c: best.c });
          },
        ),
        { numRuns: 80 },
      );
    }
  });
});
