import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OutOfFold, blend, ensembleSelection, fitTemperature, goldenSection, temper } from '../../../search/automl/ensemble.js';
import { type Matrix, fromRows, matrix } from '../../../search/automl/matrix.js';
import { logLoss, score } from '../../../search/automl/metrics.js';
import { Random } from '../../../core/random.js';
import { TimeLimitExceeded, withDeadline } from '../../../search/automl/deadline.js';

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

  it('temper and fitTemperature check a time limit as they go, about every million numbers, and stop at the first read past it', () => {
    // AutoML tempers every library member under the budget's limit; on 20k rows of 220 classes the unchecked
    // tempering ran the run past its 60 s. temper reads a matrix once (3,200 x 1,024 here), fitTemperature some 42
    // times (512 x 256)
    const rng = new Random(12);
    const probabilities = (rows: number, cols: number) => {
      const p = matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.uniform() + 1e-3));
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += p.data[r * cols + c];
        for (let c = 0; c < cols; c++) p.data[r * cols + c] /= sum;
      }
      return p;
    };
    const big = probabilities(3200, 1024);
    const small = probabilities(512, 256);
    const y = Int32Array.from({ length: 512 }, () => rng.int(256));
    // a limit still ahead changes nothing (compared number by number: toEqual on 3.3M numbers takes seconds)
    const numbers = (v: Matrix | number) => (typeof v === 'number' ? Float64Array.of(v) : v.data);
    const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    const runs: (() => Matrix | number)[] = [() => temper(big, 0.5), () => fitTemperature(small, y)];
    for (const run of runs) {
      let reads = 0;
      const counter = () => ++reads;
      const full = withDeadline(1e12, run, counter);
      expect(reads).toBeGreaterThanOrEqual(3);
      expect(same(numbers(full), numbers(run()))).toBe(true);
      reads = 0;
      expect(() => withDeadline(2, run, counter)).toThrow(new TimeLimitExceeded('temperature scaling: stopped at the time limit'));
      expect(reads).toBe(3);
    }
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
    // past maxNumbers probabilities it fits on every step-th row: the same temperature as those rows alone give,
    // still near 1/4 (12,000 numbers here, 2,048 allowed: every 6th row)
    const sampled = rows.filter((_, i) => i % 6 === 0);
    const tSampled = fitTemperature(fromRows(rows), y, 2048);
    expect(tSampled).toBe(fitTemperature(fromRows(sampled), y.filter((_, i) => i % 6 === 0)));
    expect(tSampled).not.toBe(t);
    expect(tSampled).toBeGreaterThan(0.2);
    expect(tSampled).toBeLessThan(0.3);
    // already calibrated: stays at exactly 1 unless scaling really lowers the log loss
    const calibrated = fromRows(rows.map((_, i) => (i % 2 ? [0.5, 0.5, 0] : [0.5, 0, 0.5])));
    expect(fitTemperature(calibrated, rows.map((_, i) => (i % 4 < 2 ? 0 : i % 2 ? 1 : 2)))).toBe(1);
  });
});

describe('ensemble selection and temperature scaling do the reference arithmetic with less of it', () => {
  // the straightforward versions: every class of every row averaged and tempered, as first written
  const referenceTemperature = (proba: Matrix, y: ArrayLike<number>): number => {
    const loss = (logT: number) => logLoss(y, temper(proba, Math.exp(logT)));
    const t = Math.exp(goldenSection(loss, -3, 3));
    return loss(Math.log(t)) < loss(0) - 1e-9 ? t : 1;
  };
  const referenceHillClimb = (cands: Matrix[], y: ArrayLike<number>, size: number, init: number): number[] => {
    const len = cands[0].data.length;
    const cols = cands[0].cols;
    const sum = new Float64Array(len);
    const counts = cands.map(() => 0);
    const ll = (v: Float64Array) => logLoss(y, { rows: len / cols, cols, data: v });
    let picks = 0;
    const add = (c: number) => {
      counts[c]++;
      picks++;
      for (let i = 0; i < len; i++) sum[i] += cands[c].data[i];
    };
    const alone = cands.map((m, c) => ({ c, s: ll(m.data) })).sort((p, q) => p.s - q.s || p.c - q.c);
    for (const { c } of alone.slice(0, Math.min(init, size))) add(c);
    while (picks < size) {
      let best = -1;
      let bestScore = Infinity;
      for (let c = 0; c < cands.length; c++) {
        const trial = Float64Array.from(sum, (v, i) => (v + cands[c].data[i]) / (picks + 1));
        const s = ll(trial);
        if (best < 0 || (Math.abs(s - bestScore) > 1e-12 && s < bestScore)) [best, bestScore] = [c, s];
      }
      add(best);
    }
    return counts.map((n) => n / picks);
  };
  const randomProba = (rng: Random, rows: number, cols: number, sharp: number): Matrix => {
    const out = matrix(rows, cols);
    for (let r = 0; r < rows; r++) {
      const z = Array.from({ length: cols }, () => Math.exp(sharp * rng.normal()));
      const s = z.reduce((a, b) => a + b, 0);
      z.forEach((v, c) => (out.data[r * cols + c] = rng.uniform() < 0.05 ? 0 : v / s));
    }
    return out;
  };

  it('property: log-loss selection on the true classes only gives the weights of the full-matrix loop, bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 3 }), (seed, cols, n, init) => {
        const rng = new Random(seed);
        const rows = 40;
        const y = Int32Array.from({ length: rows }, () => rng.int(cols));
        const cands = Array.from({ length: n }, (_, i) => randomProba(rng, rows, cols, 0.5 + i));
        const got = ensembleSelection(cands.map((proba) => ({ proba })), y, 'accuracy', 12, { init, objective: 'log-loss' });
        expect(got).toEqual(referenceHillClimb(cands, y, 12, init));
      }),
      { numRuns: 60 },
    );
    expect(() => ensembleSelection([{ proba: fromRows([[0.5, 0.5]]) }], [2], 'log-loss')).toThrow('logLoss: labels must be in [0,2), got 2');
  });

  it('property: past maxRows the selection is the one on every step-th row (classes and regression); up to it, all rows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 90 }), fc.boolean(), (seed, maxRows, classes) => {
        const rng = new Random(seed);
        const rows = 60;
        const cols = 3;
        const y = classes ? Int32Array.from({ length: rows }, () => rng.int(cols)) : Float64Array.from({ length: rows }, () => rng.normal());
        const cands: OutOfFold[] = Array.from({ length: 4 }, (_, i) =>
          classes ? { proba: randomProba(rng, rows, cols, 0.5 + i) } : { pred: Float64Array.from(y, (v) => v + (i + 1) * 0.3 * rng.normal()) },
        );
        const step = Math.ceil(rows / maxRows);
        const kept = Array.from({ length: Math.ceil(rows / step) }, (_, i) => i * step);
        const strided = cands.map((c): OutOfFold =>
          'proba' in c ? { proba: matrix(kept.length, cols, Float64Array.from(kept.flatMap((r) => Array.from(c.proba.data.subarray(r * cols, (r + 1) * cols))))) } : { pred: Float64Array.from(kept, (r) => c.pred[r]) },
        );
        const opts = { bags: 3, init: 1, seed, objective: classes ? ('log-loss' as const) : ('rmse' as const) };
        const metric = classes ? 'accuracy' : 'rmse';
        const got = ensembleSelection(cands, y, metric, 10, { ...opts, maxRows });
        expect(got).toEqual(ensembleSelection(strided, Float64Array.from(kept, (r) => y[r]), metric, 10, opts));
        if (maxRows >= rows) expect(got).toEqual(ensembleSelection(cands, y, metric, 10, opts));
      }),
      { numRuns: 40 },
    );
    expect(() => ensembleSelection([{ pred: new Float64Array(2) }], [0, 1], 'rmse', 5, { maxRows: 0 })).toThrow('ensembleSelection: maxRows must be >= 1, got 0');
  });

  it('goldenSection finds the minimum of a unimodal function to the bracket it leaves (0.618^40 of the start)', () => {
    for (const m of [-2.9, -0.5, 0, 1.3, 2.99]) expect(Math.abs(goldenSection((x) => (x - m) ** 2, -3, 3) - m)).toBeLessThan(6 * 0.618 ** 40);
    expect(goldenSection((x) => Math.abs(x - 0.25), -3, 3, 5)).not.toBeCloseTo(0.25, 3); // 5 steps leave a wide bracket
  });

  it('property: fitTemperature gives the temperature of golden-section search on logLoss(temper(proba, T)), bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.double({ min: 0.1, max: 4, noNaN: true }), (seed, cols, sharp) => {
        const rng = new Random(seed);
        const proba = randomProba(rng, 60, cols, sharp);
        const y = Int32Array.from({ length: 60 }, (_, r) => (rng.uniform() < 0.7 ? argmaxRow(proba, r) : rng.int(cols)));
        expect(fitTemperature(proba, y)).toBe(referenceTemperature(proba, y));
      }),
      { numRuns: 60 },
    );
    expect(() => fitTemperature(fromRows([[0.5, 0.5]]), [0, 1])).toThrow('fitTemperature: proba rows must equal y length, got [1,2] and [2]');
  });
});

function argmaxRow(p: Matrix, r: number): number {
  let best = 0;
  for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c] > p.data[r * p.cols + best]) best = c;
  return best;
}

describe('ensemble functions refuse inputs that do not fit together, naming what is wrong', () => {
  const p = (rows: number[][]): OutOfFold => ({ proba: fromRows(rows) });
  const y = Int32Array.of(0, 1, 1);
  const a = p([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]);
  const b = p([[0.6, 0.4], [0.5, 0.5], [0.1, 0.9]]);

  it('ensembleSelection: candidates of other rows, classes or kind, a NaN or negative probability, a fractional size', () => {
    expect(ensembleSelection([a, b], y, 'accuracy', 4).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    // a short candidate had been read past its end (NaN scores), a NaN picked as if it scored
    expect(() => ensembleSelection([a, p([[1, 0]])], y, 'accuracy', 4)).toThrow('ensembleSelection: every candidate must be [3,2] (a row per label, the classes of candidate 0), got [1,2] at candidate 1');
    expect(() => ensembleSelection([a, p([[0.3, 0.3, 0.4], [0, 0, 1], [0, 1, 0]])], y, 'accuracy', 4)).toThrow('got [3,3] at candidate 1');
    expect(() => ensembleSelection([a, { pred: Float64Array.of(0, 1, 1) }], y, 'accuracy', 4)).toThrow('ensembleSelection: candidates must all be class probabilities or all regression values, got candidate 0 probabilities and candidate 1 values');
    expect(() => ensembleSelection([a, p([[NaN, 1], [0, 1], [0, 1]])], y, 'log-loss', 4)).toThrow('ensembleSelection: candidate 1 must hold finite probabilities >= 0, got NaN at row 0');
    expect(() => ensembleSelection([a, p([[1, 0], [-0.5, 1.5], [0, 1]])], y, 'log-loss', 4)).toThrow('ensembleSelection: candidate 1 must hold finite probabilities >= 0, got -0.5 at row 1');
    expect(() => ensembleSelection([a, b], Int32Array.of(0, 1), 'accuracy', 4)).toThrow('ensembleSelection: every candidate must be [2,2]');
    expect(() => ensembleSelection([a, b], y, 'accuracy', 1.5)).toThrow('ensembleSelection: size must be an integer >= 1, got 1.5');
    expect(() => ensembleSelection([a, b], y, 'accuracy', 4, { init: -1 })).toThrow('ensembleSelection: init must be an integer >= 0, got -1');
  });

  it('blend: one weight per candidate, none negative or NaN, summing to 1; candidates of one shape', () => {
    expect(Array.from((blend([a, b], [0.5, 0.5]) as { proba: Matrix }).proba.data)).toEqual([0.75, 0.25, 0.35, 0.65, 0.25, 0.75]);
    // a missing weight had made every number NaN, a negative one negative probabilities, zeros a row of zeros
    expect(() => blend([a, b], [1])).toThrow('blend: weights must hold one weight per candidate (2), got 1');
    expect(() => blend([a, b], [-1, 2])).toThrow('blend: weights must be finite and >= 0, got -1 at 0');
    expect(() => blend([a, b], [NaN, 1])).toThrow('blend: weights must be finite and >= 0, got NaN at 0');
    expect(() => blend([a, b], [0, 0])).toThrow('blend: weights must sum to 1, got 0');
    expect(() => blend([a, p([[1, 0]])], [0.5, 0.5])).toThrow('blend: every candidate must be [3,2] (as candidate 0), got [1,2] at candidate 1');
    expect(() => blend([], [])).toThrow('blend: needs at least one candidate, got 0');
  });

  it('temper and fitTemperature: a positive finite temperature, finite probabilities', () => {
    // 0 and NaN had given NaN rows, a negative temperature turned each row's argmax around
    for (const t of [0, NaN, -1, Infinity]) expect(() => temper(fromRows([[0.9, 0.1]]), t), String(t)).toThrow(`temper: temperature must be a positive finite number, got ${t}`);
    expect(() => fitTemperature(fromRows([[NaN, 1], [0, 1], [0, 1]]), y)).toThrow('fitTemperature: proba must hold finite probabilities >= 0, got NaN at row 0');
  });
});
