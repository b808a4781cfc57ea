import { describe, expect, it } from 'vitest';
import { learnerFromJSON } from '../../../search/automl/learner.js';
import { type LearnerName, createLearner, learnerNames, supportsRegression } from '../../../search/automl/learners.js';
import { type Matrix, fromRows, takeRows, takeTarget } from '../../../search/automl/matrix.js';
import { ArgumentError } from '../../../core/errors.js';
import { accuracy } from '../../../search/automl/metrics.js';
import { stratifiedKFold, complement } from '../../../search/automl/cv.js';
import { irisData, penguinsData, separable } from './fixtures.js';

function holdout(d: { x: Matrix; y: Int32Array }, seed = 3) {
  const test = stratifiedKFold(d.y, 4, seed)[0];
  const train = complement(d.y.length, test);
  return { xTr: takeRows(d.x, train), yTr: takeTarget(d.y, train), xTe: takeRows(d.x, test), yTe: takeTarget(d.y, test) };
}

function majorityRate(y: Int32Array): number {
  const counts = new Map<number, number>();
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Math.max(...counts.values()) / y.length;
}

// small, fast settings: the behaviour under test does not depend on size
const quick: Partial<Record<LearnerName, Record<string, unknown>>> = {
  'random-forest': { nEstimators: 25 },
  'extra-trees': { nEstimators: 25 },
  'gradient-boosting': { nEstimators: 40 },
  mlp: { epochs: 60, hidden: [16] },
};

describe.each(learnerNames)('%s', (name) => {
  const make = () => createLearner(name, quick[name] ?? {}, 7);

  it('learns a linearly separable toy problem perfectly', () => {
    const d = separable();
    const m = make().fit(d.x, d.y);
    expect(accuracy(d.y, m.predict(d.x))).toBe(1);
  });

  it.each([
    ['iris', irisData()],
    ['penguins', penguinsData()],
  ])('beats the majority class on held-out %s', (_, d) => {
    const s = holdout(d);
    const acc = accuracy(s.yTe, make().fit(s.xTr, s.yTr).predict(s.xTe));
    expect(acc).toBeGreaterThan(majorityRate(s.yTe) + 0.2);
  });

  it('predictProba rows sum to 1 and argmax agrees with predict', () => {
    const s = holdout(irisData());
    const m = make().fit(s.xTr, s.yTr);
    const p = m.predictProba(s.xTe);
    expect([p.rows, p.cols]).toEqual([s.xTe.rows, 3]);
    const pred = m.predict(s.xTe);
    for (let r = 0; r < p.rows; r++) {
      const row = Array.from(p.data.subarray(r * 3, r * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
      expect(row[pred[r]]).toBe(Math.max(...row));
    }
  });

  it('toJSON / fromJSON round trip gives identical predictions', () => {
    const s = holdout(penguinsData());
    const m = make().fit(s.xTr, s.yTr);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.kind).toBe(name);
    expect(Array.from(back.predict(s.xTe))).toEqual(Array.from(m.predict(s.xTe)));
    expect(Array.from(back.predictProba(s.xTe).data)).toEqual(Array.from(m.predictProba(s.xTe).data));
  });

  it('rejects a predict matrix with the wrong number of columns', () => {
    const d = separable();
    const m = make().fit(d.x, d.y);
    expect(() => m.predict({ data: new Float64Array(3), rows: 1, cols: 3 })).toThrow(/columns|\[1,3\]/);
  });

  // the tree learners take NaN as a value past every number: it goes right at every split, fitted and predicted alike;
  // the others have no rule for a gap and refuse one (a Pipeline imputes gaps before its learner)
  const trees: readonly LearnerName[] = ['decision-tree', 'random-forest', 'extra-trees', 'gradient-boosting'];
  // x1 says nothing, so x0 alone must tell the classes apart
  const withGaps = (label: (x0: number) => number) => {
    const rows = Array.from({ length: 80 }, (_, i) => [i % 4 === 0 ? NaN : i % 10, 1]);
    return { x: fromRows(rows), y: Int32Array.from(rows, ([a]) => label(a)) };
  };
  it.runIf(trees.includes(name))('sends NaN right, with the largest values, when fitting and predicting', () => {
    const d = withGaps((a) => (Number.isNaN(a) || a > 5 ? 1 : 0));
    const m = make().fit(d.x, d.y);
    expect(accuracy(d.y, m.predict(d.x))).toBe(1);
    expect(Array.from(m.predict(fromRows([[NaN, 1], [0, 1], [2, 1], [9, 1]])))).toEqual([1, 0, 0, 1]);
  });

  it.runIf(trees.includes(name))('takes infinities as numbers, and saves trees that split next to them', () => {
    // extra trees had drawn thresholds between -Infinity and Infinity (NaN: no split, 55% here)
    const rows = Array.from({ length: 40 }, (_, i) => [i % 4 === 0 ? -Infinity : i % 4 === 1 ? Infinity : i % 10, 1]);
    const y = Int32Array.from(rows, ([v]) => (v === Infinity || v > 5 ? 1 : 0));
    const m = make().fit(fromRows(rows), y);
    expect(accuracy(y, m.predict(fromRows(rows)))).toBe(1);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(back.predictProba(fromRows(rows)).data)).toEqual(Array.from(m.predictProba(fromRows(rows)).data));
  });

  // extra trees draw a threshold between a node's smallest and largest number, so they cannot split NaN from the largest
  it.runIf(trees.includes(name) && name !== 'extra-trees')('tells NaN from the largest number', () => {
    // the tree's threshold between 9 and NaN had been NaN (every row right: no split, the node a leaf); boosting had
    // binned NaN with 0
    const d = withGaps((a) => (Number.isNaN(a) ? 1 : 0));
    const m = make().fit(d.x, d.y);
    expect(accuracy(d.y, m.predict(d.x))).toBe(1);
    // (a number past the largest seen goes where NaN does: right of every split)
    expect(Array.from(m.predict(fromRows([[NaN, 1], [9, 1], [-1e9, 1]])))).toEqual([1, 0, 0]);
  });

  it.runIf(!trees.includes(name))('refuses NaN or an infinity in X, fitting or predicting, naming the row and column', () => {
    const d = separable();
    const fitted = make().fit(d.x, d.y);
    for (const v of [NaN, Infinity, -Infinity]) {
      const bad = { ...d.x, data: Float64Array.from(d.x.data) };
      bad.data[3 * d.x.cols + 1] = v;
      expect(() => make().fit(bad, d.y), `fit ${v}`).toThrow(new RegExp(`: X must hold finite numbers, got ${v} at row 3, column 1`));
      expect(() => fitted.predictProba(bad), `predictProba ${v}`).toThrow(new RegExp(`: X must hold finite numbers, got ${v} at row 3, column 1`));
      expect(() => fitted.predict(bad), `predict ${v}`).toThrow(ArgumentError);
    }
  });

  it('refuses a negative class index, naming the row', () => {
    const d = separable();
    const y = Int32Array.from(d.y);
    y[4] = -1;
    expect(() => make().fit(d.x, y)).toThrow(/y must hold class indices 0, 1, 2, \.\.\., got -1 at row 4/);
  });

  it.runIf(supportsRegression(name))('refuses a regression target that is not finite, naming the row', () => {
    const d = separable();
    const y = Float64Array.from(d.y);
    y[5] = NaN;
    expect(() => make().fit(d.x, y)).toThrow(/y must hold finite numbers, got NaN at row 5/);
  });

  it.runIf(supportsRegression(name))('fits a smooth regression target (R2 > 0.8 on training rows)', () => {
    const rows = 120;
    const x: Matrix = { data: new Float64Array(rows * 2), rows, cols: 2 };
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const a = (i % 12) / 11;
      const b = Math.floor(i / 12) / 9;
      x.data[i * 2] = a;
      x.data[i * 2 + 1] = b;
      y[i] = 3 * a - 2 * b + 1;
    }
    const m = createLearner(name, { ...(quick[name] ?? {}), ...(name === 'mlp' ? { epochs: 200 } : {}) }, 1).fit(x, y);
    const pred = m.predict(x);
    expect(pred).toBeInstanceOf(Float64Array);
    let sse = 0;
    let sst = 0;
    const mean = y.reduce((a, b) => a + b, 0) / rows;
    for (let i = 0; i < rows; i++) {
      sse += (pred[i] - y[i]) ** 2;
      sst += (y[i] - mean) ** 2;
    }
    expect(1 - sse / sst).toBeGreaterThan(0.8);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(back.predict(x))).toEqual(Array.from(pred));
  });

  it.runIf(!supportsRegression(name))('refuses a regression target with a clear error', () => {
    const d = separable();
    expect(() => make().fit(d.x, Float64Array.from(d.y))).toThrow(/classification only/);
  });
});
