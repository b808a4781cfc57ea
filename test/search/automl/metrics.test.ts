import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../search/automl/matrix.js';
import { accuracy, balancedAccuracy, logLoss, macroF1, r2, rmse, score } from '../../../search/automl/metrics.js';

// yTrue = [0,0,0,1,1,2], yPred = [0,0,1,1,2,2]
const yTrue = [0, 0, 0, 1, 1, 2];
const yPred = [0, 0, 1, 1, 2, 2];

describe('metrics (hand-computed)', () => {
  it('accuracy: 4 of 6 right', () => expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 15));

  it('balanced accuracy: mean recall (2/3 + 1/2 + 1) / 3', () => expect(balancedAccuracy(yTrue, yPred)).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 15));

  it('macro F1: class F1s 0.8, 0.5, 2/3', () => {
    // class 0: tp 2 fp 0 fn 1 -> 4/5; class 1: tp 1 fp 1 fn 1 -> 2/4; class 2: tp 1 fp 1 fn 0 -> 2/3
    expect(macroF1(yTrue, yPred)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 15);
  });

  it('log loss: mean -log p(true class), clipped at eps', () => {
    const p = fromRows([
      [0.5, 0.5],
      [0.2, 0.8],
      [1, 0],
    ]);
    expect(logLoss([0, 1, 1], p)).toBeCloseTo((-Math.log(0.5) - Math.log(0.8) - Math.log(1e-15)) / 3, 12);
  });

  it('rmse and r2', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 15);
    // mean 2, SST 2, SSE 4 -> 1 - 2 = -1
    expect(r2([1, 2, 3], [1, 2, 5])).toBeCloseTo(-1, 15);
    expect(r2([1, 2, 3], [1, 2, 3])).toBe(1);
  });

  it('score takes labels as the argmax of the probabilities', () => {
    const p = fromRows([
      [0.9, 0.1],
      [0.4, 0.6],
      [0.7, 0.3],
    ]);
    expect(score('accuracy', [0, 1, 1], { proba: p })).toBeCloseTo(2 / 3, 15);
    expect(() => score('rmse', [0], { proba: p })).toThrow(/regression predictions/);
  });

  it('rejects mismatched lengths', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/same length, got \[2\] and \[1\]/);
  });
});
