import { describe, expect, it } from 'vitest';
import { encodeTable } from '../../../search/rules/data.js';
import { RuleStats, dataDL, subsetDL } from '../../../search/rules/rule-stats.js';
import { iris } from './fixtures.js';

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
