import { describe, expect, it } from 'vitest';
import { blend, ensembleSelection } from '../../../search/automl/ensemble.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { score } from '../../../search/automl/metrics.js';

describe('ensembleSelection (Caruana et al. 2004)', () => {
  it('picks the single best model when it is perfect', () => {
    const y = [0, 1, 0, 1];
    const good = { proba: fromRows([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]]) };
    const bad = { proba: fromRows([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]) };
    expect(ensembleSelection([bad, good], y, 'accuracy', 10)).toEqual([0, 1]);
  });

  it('combines complementary models so the blend beats each member', () => {
    // A is right on rows 0-1, B on rows 2-3, both confident where right and mildly wrong elsewhere
    const y = [0, 0, 1, 1];
    const a = { proba: fromRows([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]]) };
    const b = { proba: fromRows([[0.4, 0.6], [0.4, 0.6], [0.1, 0.9], [0.1, 0.9]]) };
    const w = ensembleSelection([a, b], y, 'log-loss', 20);
    expect(w[0] + w[1]).toBeCloseTo(1, 12);
    expect(w[0]).toBeGreaterThan(0);
    expect(w[1]).toBeGreaterThan(0);
    const mixed = score('log-loss', y, blend([a, b], w) as { proba: ReturnType<typeof fromRows> });
    expect(mixed).toBeLessThan(score('log-loss', y, a));
    expect(mixed).toBeLessThan(score('log-loss', y, b));
    expect(score('accuracy', y, blend([a, b], w) as { proba: ReturnType<typeof fromRows> })).toBe(1);
  });

  it('works on regression predictions (minimizing RMSE)', () => {
    const y = [1, 2, 3];
    const hi = { pred: Float64Array.from([2, 3, 4]) };
    const lo = { pred: Float64Array.from([0, 1, 2]) };
    expect(ensembleSelection([hi, lo], y, 'rmse', 10)).toEqual([0.5, 0.5]);
  });
});
