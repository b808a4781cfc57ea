import { describe, expect, it } from 'vitest';
import { blend, ensembleSelection, fitTemperature, temper } from '../../../search/automl/ensemble.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { score } from '../../../search/automl/metrics.js';
import { Random } from '../../../core/random.js';

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

describe('ensembleSelection guards against overfitting (Caruana et al. 2004)', () => {
  type P = { proba: ReturnType<typeof fromRows> };
  /** Out-of-fold probabilities right on each row with probability `skill`, from an independent seeded stream. */
  function noisy(y: number[], skill: number, seed: number): P {
    const rng = new Random(seed);
    return { proba: fromRows(y.map((c) => (rng.uniform() < skill ? (c === 0 ? [0.7, 0.3] : [0.3, 0.7]) : c === 0 ? [0.35, 0.65] : [0.65, 0.35]))) };
  }
  const y = Array.from({ length: 400 }, (_, i) => i % 2);

  it('picks the known-better combination: independent errors average out, a near-copy of a member adds nothing', () => {
    const a = noisy(y, 0.75, 1);
    const b = noisy(y, 0.75, 2);
    const c = noisy(y, 0.75, 3);
    const copyOfA = { proba: fromRows(Array.from({ length: y.length }, (_, i) => [a.proba.data[2 * i] * 0.98 + 0.01, a.proba.data[2 * i + 1] * 0.98 + 0.01])) };
    const w = ensembleSelection([a, copyOfA, b, c], y, 'accuracy', 30, { objective: 'log-loss', init: 1 });
    expect(w[1]).toBe(0);
    expect(w[2]).toBeGreaterThan(0.15);
    expect(w[3]).toBeGreaterThan(0.15);
    const blended = score('accuracy', y, blend([a, copyOfA, b, c], w) as P);
    for (const m of [a, b, c]) expect(blended).toBeGreaterThan(score('accuracy', y, m) + 0.05);
  });

  it('hill-climbs on the objective, not the reported metric: a calibrated model beats a lucky unsure one on log loss', () => {
    const y4 = [0, 1, 0, 1];
    const unsure = { proba: fromRows([[0.51, 0.49], [0.49, 0.51], [0.51, 0.49], [0.49, 0.51]]) }; // accuracy 1, log loss 0.67
    const sharp = { proba: fromRows([[0.99, 0.01], [0.01, 0.99], [0.99, 0.01], [0.6, 0.4]]) }; // accuracy 0.75, log loss 0.24
    expect(ensembleSelection([unsure, sharp], y4, 'accuracy', 1)).toEqual([1, 0]);
    expect(ensembleSelection([unsure, sharp], y4, 'accuracy', 1, { objective: 'log-loss' })).toEqual([0, 1]);
  });

  it('sorted initialization enters the `init` best candidates once each before the greedy steps', () => {
    const yy = [0, 1, 0, 1];
    const good = { proba: fromRows([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]]) };
    const fair = { proba: fromRows([[0.6, 0.4], [0.4, 0.6], [0.45, 0.55], [0.5, 0.5]]) };
    const bad = { proba: fromRows([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]) };
    expect(ensembleSelection([bad, fair, good], yy, 'log-loss', 10)).toEqual([0, 0, 1]);
    const w = ensembleSelection([bad, fair, good], yy, 'log-loss', 10, { init: 2 });
    expect(w[0]).toBe(0);
    expect(w[1]).toBeCloseTo(0.1, 12);
    expect(w[2]).toBeCloseTo(0.9, 12);
  });

  it('bagged selection: weights sum to 1, are the same for the same seed, and each bag sees only part of the library', () => {
    const lib = [1, 2, 3, 4, 5, 6].map((s) => noisy(y, 0.6 + 0.03 * s, s));
    const w1 = ensembleSelection(lib, y, 'accuracy', 20, { objective: 'log-loss', bags: 8, seed: 7 });
    const w2 = ensembleSelection(lib, y, 'accuracy', 20, { objective: 'log-loss', bags: 8, seed: 7 });
    const w3 = ensembleSelection(lib, y, 'accuracy', 20, { objective: 'log-loss', bags: 8, seed: 8 });
    expect(w1).toEqual(w2);
    expect(w1).not.toEqual(w3);
    expect(w1.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // the strongest model is missing from about half the bags, so it cannot take all the weight
    const plain = ensembleSelection(lib, y, 'accuracy', 20, { objective: 'log-loss' });
    expect(Math.max(...w1)).toBeLessThan(Math.max(...plain));
    expect(w1.filter((v) => v > 0).length).toBeGreaterThanOrEqual(plain.filter((v) => v > 0).length);
  });

  it('rejects bad bagging options', () => {
    const one = [{ pred: Float64Array.from([1, 2]) }];
    expect(() => ensembleSelection(one, [1, 2], 'rmse', 5, { bags: 0 })).toThrow(/bags must be a positive integer, got 0/);
    expect(() => ensembleSelection(one, [1, 2], 'rmse', 5, { bags: 2, fraction: 1.5 })).toThrow(/fraction must be in \(0, 1\], got 1.5/);
  });
});

describe('temperature scaling of ensemble members (Guo et al. 2017)', () => {
  it('temper keeps each row argmax and sums to 1; T < 1 sharpens, T > 1 flattens; zeros stay zero', () => {
    const p = fromRows([[0.5, 0.3, 0.2], [0.1, 0.0, 0.9]]);
    for (const t of [0.2, 0.7, 1, 3]) {
      const q = temper(p, t);
      for (let r = 0; r < 2; r++) expect(q.data[r * 3] + q.data[r * 3 + 1] + q.data[r * 3 + 2]).toBeCloseTo(1, 12);
      expect(q.data[0]).toBe(Math.max(q.data[0], q.data[1], q.data[2]));
      expect(q.data[4]).toBe(0);
    }
    expect(temper(p, 0.5).data[0]).toBeCloseTo(0.25 / (0.25 + 0.09 + 0.04), 12);
    expect(temper(p, 0.5).data[0]).toBeGreaterThan(0.5);
    expect(temper(p, 2).data[0]).toBeLessThan(0.5);
  });

  it('fitTemperature recovers the temperature that made calibrated probabilities too unsure', () => {
    // labels drawn from softmax(logits); the candidate reports softmax(logits / 4), so T = 1/4 undoes it
    const rng = new Random(11);
    const rows: number[][] = [];
    const y: number[] = [];
    const softmax = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((a, u) => a + Math.exp(u), 0));
    for (let i = 0; i < 4000; i++) {
      const z = [rng.normal(0, 2), rng.normal(0, 2), rng.normal(0, 2)];
      const p = softmax(z);
      const u = rng.uniform();
      y.push(u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2);
      rows.push(softmax(z.map((v) => v / 4)));
    }
    const t = fitTemperature(fromRows(rows), y);
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThan(0.3);
    expect(score('log-loss', y, { proba: temper(fromRows(rows), t) })).toBeLessThan(score('log-loss', y, { proba: fromRows(rows) }));
    // already calibrated: stays at exactly 1 unless scaling really lowers the log loss
    const calibrated = fromRows(rows.map((_, i) => (i % 2 ? [0.5, 0.5, 0] : [0.5, 0, 0.5])));
    expect(fitTemperature(calibrated, rows.map((_, i) => (i % 4 < 2 ? 0 : i % 2 ? 1 : 2)))).toBe(1);
  });
});
