import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { GradientBoosting } from '../../../search/automl/boosting.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { irisData } from './fixtures.js';

describe('GradientBoosting', () => {
  it('early stopping ends before nEstimators when labels are noise', () => {
    const rng = new Random(1);
    const rows = Array.from({ length: 200 }, () => [rng.next(), rng.next()]);
    const y = Int32Array.from({ length: 200 }, () => rng.int(2));
    const m = new GradientBoosting({ nEstimators: 300, earlyStopping: true, nIterNoChange: 5 }).fit(fromRows(rows), y);
    expect(m.rounds.length).toBeLessThan(50);
    const full = new GradientBoosting({ nEstimators: 30, earlyStopping: false }).fit(fromRows(rows), y);
    expect(full.rounds.length).toBe(30);
  });

  it('one tree per class per round, leaf-count bounded by maxLeaves', () => {
    const d = irisData();
    const m = new GradientBoosting({ nEstimators: 5, earlyStopping: false, maxLeaves: 4 }).fit(d.x, d.y);
    expect(m.rounds).toHaveLength(5);
    for (const round of m.rounds) {
      expect(round).toHaveLength(3);
      for (const t of round) expect(Array.from(t.feature).filter((f) => f < 0).length).toBeLessThanOrEqual(4);
    }
  });

  it('thresholds are bin edges between distinct training values, so binned and raw routing agree', () => {
    // two distinct values per feature: the only edge is their midpoint
    const x = fromRows([[0], [0], [10], [10]]);
    const m = new GradientBoosting({ nEstimators: 1, earlyStopping: false, minSamplesLeaf: 1 }).fit(x, Int32Array.from([0, 0, 1, 1]));
    expect(m.rounds[0][0].threshold[0]).toBe(5);
    expect(Array.from(m.predict(fromRows([[4.9], [5], [5.1]])))).toEqual([0, 0, 1]);
  });

  it('a larger learning rate fits the training set faster', () => {
    const d = irisData();
    const loss = (lr: number) => {
      const p = new GradientBoosting({ nEstimators: 5, learningRate: lr, earlyStopping: false }).fit(d.x, d.y).predictProba(d.x);
      let s = 0;
      for (let r = 0; r < p.rows; r++) s -= Math.log(p.data[r * 3 + d.y[r]]);
      return s / p.rows;
    };
    expect(loss(0.3)).toBeLessThan(loss(0.05));
  });
});
