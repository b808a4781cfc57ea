import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { LinearModel } from '../../../search/automl/linear.js';
import { fromRows } from '../../../search/automl/matrix.js';

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
});
