import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../search/automl/matrix.js';
import { LinearSVM } from '../../../search/automl/svm.js';
import { expectParamsChecked, separable } from './fixtures.js';

describe('LinearSVM', () => {
  it('hard-margin-like fit: every training point has functional margin >= 1 - tol', () => {
    const d = separable();
    const m = new LinearSVM({ C: 100, tol: 1e-6 }).fit(d.x, d.y);
    const f = m.decisionFunction(d.x);
    for (let r = 0; r < d.x.rows; r++) {
      const margin = d.y[r] === 1 ? f.data[r * 2 + 1] : f.data[r * 2];
      expect(margin).toBeGreaterThan(1 - 1e-3);
    }
  });

  it('two classes use one mirrored binary problem', () => {
    const m = new LinearSVM().fit(fromRows([[0], [1], [3], [4]]), Int32Array.from([0, 0, 1, 1]));
    expect(m.weights[0]).toBeCloseTo(-m.weights[2], 15);
    expect(Array.from(m.predict(fromRows([[0.5], [3.5]])))).toEqual([0, 1]);
  });
});

describe('LinearSVM.fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = separable();
    expectParamsChecked(new LinearSVM().fit(d.x, d.y), d.x, 'LinearSVM', (p) => new LinearSVM(p), [
      ['C', -1, 'a number > 0'],
      ['maxIter', 0, 'an integer >= 1'],
      ['tol', null, 'a number >= 0'],
      ['seed', 'one', 'a finite number'],
    ]);
  });
});
