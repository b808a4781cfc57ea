import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { penguins } from '../../../core/data/datasets.js';
import { complement, stratifiedKFold } from '../../../search/automl/cv.js';
import { subsetTable } from '../../../search/automl/frame.js';
import { learnerFromJSON } from '../../../search/automl/learner.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { CategoricalNB, GaussianNB } from '../../../search/automl/naive-bayes.js';
import { expectParamsChecked, irisData } from './fixtures.js';
import { Pipeline, encodeTarget } from '../../../search/automl/pipeline.js';

describe('GaussianNB', () => {
  it('matches the hand-computed posterior', () => {
    // class 0: values 0, 2 (mean 1, var 1); class 1: values 4, 6 (mean 5, var 1); equal priors
    const m = new GaussianNB({ varSmoothing: 0 }).fit(fromRows([[0], [2], [4], [6]]), Int32Array.from([0, 0, 1, 1]));
    expect(Array.from(m.mean)).toEqual([1, 5]);
    const p = m.predictProba(fromRows([[2]]));
    // log N(2;1,1) - log N(2;5,1) = (9 - 1) / 2 = 4
    expect(p.data[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
  });

  it('models a two-valued column as Bernoulli, Laplace-smoothed (hand-computed)', () => {
    // column 0 takes only 3 and 7: class 0 sees 3, 3, 7 and class 1 sees 7, 3. Column 1 is numeric (Gaussian)
    const m = new GaussianNB({ varSmoothing: 0 }).fit(fromRows([[3, 0], [3, 2], [7, 1], [7, 4], [3, 6]]), Int32Array.from([0, 0, 0, 1, 1]));
    expect(m.split[0]).toBe(5);
    expect(m.split[1]).toBeNaN();
    const gauss = (v: number, mean: number, variance: number) => Math.exp(-((v - mean) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
    // P(7 | 0) = (1 + 1) / (3 + 2), P(7 | 1) = (1 + 1) / (2 + 2); a new 6 counts as the upper value 7.
    // column 1: class 0 mean 1, variance 2/3; class 1 mean 5, variance 1; priors 3/5 and 2/5
    const q = m.predictProba(fromRows([[6, 3]]));
    const w0 = (3 / 5) * (2 / 5) * gauss(3, 1, 2 / 3);
    const w1 = (2 / 5) * (2 / 4) * gauss(3, 5, 1);
    expect(q.data[0]).toBeCloseTo(w0 / (w0 + w1), 12);
  });

  it('an indicator that never varies within a class does not outweigh the numeric columns', () => {
    // column 1 is an indicator, 1 in every class-1 training row and mixed in class 0; column 0 puts the classes
    // 10 standard deviations apart. [22, 0] is plainly class 1 by column 0, and its indicator was only never seen at 0
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20; i++) {
      rows.push([i % 5, i % 2], [20 + (i % 5), 1]);
      labels.push(0, 1);
    }
    const x = fromRows(rows);
    const y = Int32Array.from(labels);
    const probe = fromRows([[2, 1], [22, 0], [22, 1]]);
    expect(Array.from(new GaussianNB().fit(x, y).predict(probe))).toEqual([0, 1, 1]);
    // a normal density on the indicator has a variance of about 1e-9 in class 1: a 0 there outweighs any distance
    expect(Array.from(new GaussianNB({ binary: 'gaussian' }).fit(x, y).predict(probe))).toEqual([0, 0, 1]);
  });

  it("columns with more than two values give exactly scikit-learn's Gaussian model either way", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true })), { minLength: 6, maxLength: 30 }),
        (data) => {
          const x = fromRows(data.map(([, a, b]) => [a, b]));
          const y = Int32Array.from(data, ([c]) => c);
          const distinct = (j: number) => new Set(data.map((r) => r[j + 1])).size;
          fc.pre(distinct(0) > 2 && distinct(1) > 2 && new Set(y).size > 1);
          const a = new GaussianNB().fit(x, y).predictProba(x).data;
          const b = new GaussianNB({ binary: 'gaussian' }).fit(x, y).predictProba(x).data;
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { seed: 5, numRuns: 50 },
    );
  });

  it('round-trips the Bernoulli columns through JSON; a version 1 file reads as all-Gaussian', () => {
    const x = fromRows([[0, 1.5], [1, 2.5], [0, 0.5], [1, 7], [1, 8], [0, 6.5]]);
    const y = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const m = new GaussianNB().fit(x, y);
    const probe = fromRows([[1, 3], [0, 7], [0.4, 5]]);
    const back = learnerFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(back.predictProba(probe).data)).toEqual(Array.from(m.predictProba(probe).data));
    // a version 1 file (before the Bernoulli columns) has no split: it must predict as the Gaussian model did
    const g = new GaussianNB({ binary: 'gaussian' }).fit(x, y);
    const { split: _s, logUpper: _u, logLower: _l, ...v1 } = g.toJSON();
    const old = learnerFromJSON({ ...v1, version: 1, params: { varSmoothing: 1e-9 } });
    expect(Array.from(old.predictProba(probe).data)).toEqual(Array.from(g.predictProba(probe).data));
    expect(() => learnerFromJSON({ ...m.toJSON(), split: [0.5] })).toThrow(/GaussianNB.fromJSON: split must be an array of 2 numbers, got 1 entries/);
  });

  it('the default pipeline reads penguins species well with one-hot Island and Sex (71.5% when they were Gaussian)', () => {
    const t = penguins();
    const enc = encodeTarget(t, 'Species');
    const features = { columns: t.columns.filter((c) => c.name !== 'Species'), nRows: t.nRows };
    const run = (binary: 'bernoulli' | 'gaussian') => {
      let right = 0;
      for (const test of stratifiedKFold(enc.y, 5, 0)) {
        const train = complement(t.nRows, test);
        const p = new Pipeline({ learner: 'gaussian-nb', params: { binary } }).fitEncoded(subsetTable(features, train), { task: 'classification', y: Int32Array.from(train, (i) => enc.y[i]), classes: enc.classes }, 'Species');
        const pred = p.predictEncoded(subsetTable(features, test)) as Int32Array;
        test.forEach((r, j) => (right += pred[j] === enc.y[r] ? 1 : 0));
      }
      return right / t.nRows;
    };
    expect(run('bernoulli')).toBeGreaterThan(0.95);
    expect(run('gaussian')).toBeLessThan(0.8);
  });
});

describe('CategoricalNB', () => {
  it('Laplace-smoothed frequencies on discrete codes (hand-computed)', () => {
    // feature values {0,1}; class 0 sees 0,0,1; class 1 sees 1
    const m = new CategoricalNB({ alpha: 1 }).fit(fromRows([[0], [0], [1], [1]]), Int32Array.from([0, 0, 0, 1]));
    // P(x=1|0) = (1+1)/(3+2) = 0.4, P(x=1|1) = (1+1)/(1+2) = 2/3; priors 3/4, 1/4
    const p = m.predictProba(fromRows([[1]]));
    const a = 0.75 * 0.4;
    const b = 0.25 * (2 / 3);
    expect(p.data[0]).toBeCloseTo(a / (a + b), 12);
  });

  it('bins a continuous column into nBins quantile bins', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i]);
    const m = new CategoricalNB({ nBins: 4, maxCategories: 5 }).fit(fromRows(rows), Int32Array.from(rows, (r) => (r[0] < 50 ? 0 : 1)));
    expect(m.edges[0].length).toBe(3);
    expect(Array.from(m.predict(fromRows([[10], [90]])))).toEqual([0, 1]);
  });
});

describe('naive Bayes fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    expectParamsChecked(new GaussianNB().fit(d.x, d.y), d.x, 'GaussianNB', (p) => new GaussianNB(p), [
      ['varSmoothing', -1, 'a number >= 0'],
      ['varSmoothing', null, 'a number >= 0'],
      ['binary', 'poisson', "one of 'bernoulli', 'gaussian'"],
    ]);
    expectParamsChecked(new CategoricalNB().fit(d.x, d.y), d.x, 'CategoricalNB', (p) => new CategoricalNB(p), [
      ['alpha', 0, 'a number > 0'],
      ['maxCategories', 0, 'an integer >= 1'],
      ['nBins', 1, 'an integer >= 2'],
    ]);
  });
});

describe('saved naive Bayes tables of the wrong length (found by pipeline.fuzz.test.ts)', () => {
  const { x, y } = irisData();
  it('CategoricalNB: a likelihood table shorter than classes x categories is refused, where it predicted NaN', () => {
    const json = JSON.parse(JSON.stringify(new CategoricalNB().fit(x, y).toJSON()));
    const want = json.logLikelihood[0].length;
    json.logLikelihood[0].pop();
    expect(() => CategoricalNB.fromJSON(json)).toThrow(`CategoricalNB.fromJSON: logLikelihood[0] must be an array of ${want}, got an array of ${want - 1}`);
  });
  it('GaussianNB: a variance that is no array is refused, where it predicted NaN', () => {
    const json = JSON.parse(JSON.stringify(new GaussianNB().fit(x, y).toJSON()));
    json.variance = 3;
    expect(() => GaussianNB.fromJSON(json)).toThrow('GaussianNB.fromJSON: variance must be an array of 12, got 3');
  });
  it('a row past every class\'s density (every log-likelihood -Infinity) is a uniform row, not NaN', () => {
    const m = new GaussianNB().fit(x, y);
    const p = m.predictProba(fromRows([[-1e305, 0, 0, 0]]));
    expect(Array.from(p.data)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});
