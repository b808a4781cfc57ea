import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../search/automl/matrix.js';
import { CategoricalNB, GaussianNB } from '../../../search/automl/naive-bayes.js';

describe('GaussianNB', () => {
  it('matches the hand-computed posterior', () => {
    // class 0: values 0, 2 (mean 1, var 1); class 1: values 4, 6 (mean 5, var 1); equal priors
    const m = new GaussianNB({ varSmoothing: 0 }).fit(fromRows([[0], [2], [4], [6]]), Int32Array.from([0, 0, 1, 1]));
    expect(Array.from(m.mean)).toEqual([1, 5]);
    const p = m.predictProba(fromRows([[2]]));
    // log N(2;1,1) - log N(2;5,1) = (9 - 1) / 2 = 4
    expect(p.data[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
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
