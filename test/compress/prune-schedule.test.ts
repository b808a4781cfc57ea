import { describe, expect, it } from 'vitest';
import { DataLoader, Flatten, Linear, ReLU, Random, SGD, Sequential, Tensor, TensorDataset, fit, randn } from '../../core/index.js';
import { prunableParameters, rewindWeights, snapshotWeights } from '../../compress/prune.js';
import { GradualPruner, geometricSchedule, iterativePrune, polynomialSparsity } from '../../compress/prune-schedule.js';
import { smallMlp, synthetic, zerosOf } from './fixtures.js';


describe('schedules', () => {
  const sched = { initialSparsity: 0, finalSparsity: 0.8, beginStep: 10, numSteps: 5, frequency: 2 };
  it('the polynomial schedule matches s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 at known points', () => {
    expect(polynomialSparsity(0, sched)).toBe(0);
    expect(polynomialSparsity(10, sched)).toBe(0);
    expect(polynomialSparsity(15, sched)).toBeCloseTo(0.8 - 0.8 * 0.5 ** 3, 12);
    expect(polynomialSparsity(12, sched)).toBeCloseTo(0.8 - 0.8 * 0.8 ** 3, 12);
    expect(polynomialSparsity(20, sched)).toBeCloseTo(0.8, 12);
    expect(polynomialSparsity(1000, sched)).toBeCloseTo(0.8, 12);
    expect(polynomialSparsity(15, { ...sched, initialSparsity: 0.2 })).toBeCloseTo(0.8 + (0.2 - 0.8) * 0.125, 12);
    expect(() => polynomialSparsity(1, { ...sched, finalSparsity: 1 })).toThrow(/finalSparsity must be in \[0,1\), got 1/);
    expect(() => polynomialSparsity(1, { ...sched, numSteps: 0 })).toThrow(/numSteps must be a positive integer/);
  });

  it('gradual pruning prunes every dt steps during training and ends at the final sparsity', () => {
    const m = smallMlp(3);
    const pruner = new GradualPruner(m, { ...sched, beginStep: 2 });
    const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    pruner.attach(opt);
    fit(m, new DataLoader(synthetic(256, 12), { batchSize: 16 }), { epochs: 1, optimizer: opt, onStep: (t) => pruner.step(t) });
    expect(pruner.history.map((h) => h.step)).toEqual([2, 4, 6, 8, 10, 12]);
    for (const [, l] of Object.entries(pruner.masks.stats().layers)) expect(l.sparsity).toBeCloseTo(0.8, 1);
    expect(zerosOf(prunableParameters(m)[0][1])).toBe(Math.round(0.8 * 192));
  });

  it('iterative prune -> retrain reaches each round\'s sparsity; lottery rewinding restores the initial surviving weights', () => {
    const m = smallMlp(4);
    const init = snapshotWeights(m);
    const data = synthetic(128, 12);
    const { rounds, masks } = iterativePrune(m, new DataLoader(data, { batchSize: 32 }), { schedule: geometricSchedule(0.75, 2), epochsPerRound: 1, lr: 0.1, val: data, rewindTo: init });
    expect(rounds.map((r) => r.sparsity)).toEqual([expect.closeTo(0.5, 2), expect.closeTo(0.75, 2)]);
    expect(rounds[1].accuracy).toBeGreaterThan(0);
    rewindWeights(m, init, masks);
    const w = prunableParameters(m)[0][1];
    for (let i = 0; i < w.size; i++) expect(w.data[i]).toBe(masks.masks.get('1.weight')![i] ? init['1.weight'].data[i] : 0);
  });
});

