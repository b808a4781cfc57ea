import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { LinearModel } from '../../../search/automl/linear.js';
import { expectParamsChecked, irisData } from './fixtures.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { applyColumnScale } from '../../../search/automl/scaling.js';

// scikit-learn 1.2.1 LogisticRegression / Ridge on standardized iris, solved to tol 1e-12
// (bench/reference/sklearn_linear.py writes it; the file records the command and versions)
const sk = JSON.parse(readFileSync(new URL('../../fixtures/automl/sklearn-linear.json', import.meta.url), 'utf8')) as {
  x: number[][];
  y: number[];
  cases: { task: 'classification' | 'regression'; penalty: 'l1' | 'l2'; C: number; proba?: number[][]; zeros?: boolean[][]; pred?: number[] }[];
};

/** The documented objective, written out independently: mean softmax cross-entropy (or half squared error) on the
 * model's internally scaled features, plus 0.5/(C n) ||W||^2 or 1/(C n) ||W||_1 over the non-intercept weights. */
function objective(m: LinearModel, x: number[][], y: ArrayLike<number>, w: Float64Array): number {
  const xs = applyColumnScale(fromRows(x), m.scale!);
  const d = xs.cols;
  const k = m.outputs;
  const n = xs.rows;
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const s = Array.from({ length: k }, (_, c) => w[d * k + c] + Array.from({ length: d }, (_, j) => xs.data[r * d + j] * w[j * k + c]).reduce((a, b) => a + b, 0));
    if (m.task === 'regression') loss += 0.5 * (s[0] - y[r]) ** 2;
    else {
      const max = Math.max(...s);
      loss += Math.log(s.reduce((a, v) => a + Math.exp(v - max), 0)) + max - s[y[r]];
    }
  }
  const lambda = 1 / (m.params.C * n);
  const pen = Array.from(w.subarray(0, d * k));
  return loss / n + (m.params.penalty === 'l1' ? lambda * pen.reduce((a, v) => a + Math.abs(v), 0) : m.params.penalty === 'l2' ? 0.5 * lambda * pen.reduce((a, v) => a + v * v, 0) : 0);
}

describe('LinearModel', () => {
  it('without a penalty recovers the exact least-squares line', () => {
    const x = fromRows([[0], [1], [2], [3]]);
    const y = Float64Array.from([1, 3, 5, 7]); // y = 2x + 1
    const m = new LinearModel({ penalty: 'none', maxIter: 5000, tol: 1e-12 }).fit(x, y);
    const pred = m.predict(fromRows([[10]]));
    expect(pred[0]).toBeCloseTo(21, 5);
  });

  it('L1 zeroes irrelevant features, L2 only shrinks them', () => {
    const rng = new Random(2);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
      rows.push(r);
      labels.push(r[0] > 0 ? 1 : 0);
    }
    const x = fromRows(rows);
    const y = Int32Array.from(labels);
    const l1 = new LinearModel({ penalty: 'l1', C: 0.05 }).fit(x, y);
    const l2 = new LinearModel({ penalty: 'l2', C: 0.05 }).fit(x, y);
    // weights are [(features + 1) * classes]: features 1..3 are noise
    const noise = (m: LinearModel) => Array.from(m.weights.subarray(2, 8)).map(Math.abs);
    expect(Math.max(...noise(l1))).toBe(0);
    expect(Math.max(...noise(l2))).toBeGreaterThan(0);
    expect(Math.abs(l1.weights[0])).toBeGreaterThan(0);
  });

  it('smaller C shrinks the weights', () => {
    const x = fromRows([[0], [1], [2], [3]]);
    const y = Int32Array.from([0, 0, 1, 1]);
    const norm = (C: number) => Math.abs(new LinearModel({ C }).fit(x, y).weights[0]);
    expect(norm(0.01)).toBeLessThan(norm(100));
  });

  it.each(sk.cases.map((c) => [`${c.task} ${c.penalty} C=${c.C}`, c] as const))('matches scikit-learn at the optimum: %s', (_, c) => {
    const x = c.task === 'regression' ? sk.x.map((r) => r.slice(0, 3)) : sk.x;
    const y = c.task === 'regression' ? Float64Array.from(sk.x, (r) => r[3]) : Int32Array.from(sk.y);
    const m = new LinearModel({ penalty: c.penalty, C: c.C, tol: 1e-10, maxIter: 20000 }).fit(fromRows(x), y);
    if (c.task === 'regression') {
      const pred = m.predict(fromRows(x));
      c.pred!.forEach((v, i) => expect(pred[i]).toBeCloseTo(v, 6));
    } else {
      const proba = m.predictProba(fromRows(x));
      const tol = c.penalty === 'l1' ? 1e-4 : 1e-6;
      c.proba!.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(proba.data[i * 3 + j] - v)).toBeLessThan(tol)));
      // L1 zeroes exactly the coefficients sklearn's solver zeroes ([feature][class], our weight layout)
      if (c.zeros) expect(c.zeros.map((r, j) => r.map((_, cls) => m.weights[j * 3 + cls] === 0))).toEqual(c.zeros);
    }
    // at the default tolerance the predicted classes are already the optimum's
    if (c.task === 'classification') {
      const loose = new LinearModel({ penalty: c.penalty, C: c.C }).fit(fromRows(x), y);
      const want = c.proba!.map((r) => r.indexOf(Math.max(...r)));
      expect(Array.from(loose.predict(fromRows(x)))).toEqual(want);
    }
  });

  it('stops at a stationary point of its objective (KKT, against central differences), any data and penalty', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          n: fc.integer({ min: 12, max: 40 }),
          d: fc.integer({ min: 1, max: 4 }),
          k: fc.integer({ min: 2, max: 3 }),
          regression: fc.boolean(),
          penalty: fc.constantFrom('l1' as const, 'l2' as const),
          logC: fc.double({ min: -2, max: 2, noNaN: true }),
        }),
        ({ seed, n, d, k, regression, penalty, logC }) => {
          const rng = new Random(seed);
          const x = Array.from({ length: n }, () => Array.from({ length: d }, () => 3 * rng.normal() + 1));
          // noisy labels keep the unpenalized part bounded (no separable data running off to infinity)
          const y = regression ? Float64Array.from(x, (r) => r[0] - 2 * r[d - 1] + rng.normal()) : Int32Array.from(x, (r, i) => (i < k ? i : (r[0] + 2 * rng.normal() > 1 ? 1 : 0) + (k === 3 && rng.uniform() < 0.3 ? 1 : 0)));
          const m = new LinearModel({ penalty, C: 10 ** logC, tol: 1e-9, maxIter: 20000 }).fit(fromRows(x), y);
          const w = m.weights;
          const lambda = penalty === 'l1' ? 1 / (10 ** logC * n) : 0;
          const h = 1e-6;
          const smooth = (v: Float64Array) => objective(m, x, y, v) - lambda * Array.from(v.subarray(0, d * m.outputs)).reduce((a, b) => a + Math.abs(b), 0);
          for (let i = 0; i < w.length; i++) {
            const plus = Float64Array.from(w);
            const minus = Float64Array.from(w);
            plus[i] += h;
            minus[i] -= h;
            const g = (smooth(plus) - smooth(minus)) / (2 * h);
            const penalizedCoord = i < d * m.outputs;
            if (penalty === 'l1' && penalizedCoord && w[i] === 0) expect(Math.abs(g)).toBeLessThanOrEqual(lambda + 1e-5);
            else if (penalty === 'l1' && penalizedCoord) expect(Math.abs(g + lambda * Math.sign(w[i]))).toBeLessThan(1e-5);
            else expect(Math.abs(g)).toBeLessThan(1e-5);
          }
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('LinearModel.fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    expectParamsChecked(new LinearModel().fit(d.x, d.y), d.x, 'LinearModel', (p) => new LinearModel(p), [
      ['C', 0, 'a number > 0'],
      ['C', null, 'a number > 0'],
      ['penalty', 'l3', "one of 'l2', 'l1', 'none'"],
      ['maxIter', 0, 'an integer >= 1'],
      ['tol', -1e-4, 'a number >= 0'],
    ]);
  });
});
