import { describe, expect, it } from 'vitest';
import { DataLoader, Flatten, Linear, ReLU, Random, SGD, Sequential, Tensor, TensorDataset, crossEntropy, fit, randn, runStepsAsync } from '../../core/index.js';
import { prunableParameters, rewindWeights, snapshotWeights } from '../../compress/prune.js';
import { GradualPruner, geometricSchedule, gradualPrune, iterativePrune, iterativePruneSteps, polynomialSparsity } from '../../compress/prune-schedule.js';
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

  it('gradualPrune reaches each named layer\'s target exactly, leaves unnamed layers dense, anneals lr to 0, and learns', () => {
    const m = smallMlp(5);
    const data = synthetic(512, 12, 1);
    const lines: string[] = [];
    const r = gradualPrune(m, new DataLoader(data, { batchSize: 32, shuffle: true, seed: 1 }), {
      sparsity: { '1.weight': 0.75, '3.weight': 0.5 }, rampEpochs: 3, fineTuneEpochs: 2, frequency: 4, lr: 0.05, log: (l) => lines.push(l),
    });
    const layers = r.masks.stats().layers;
    expect(layers['1.weight'].nonzero).toBe(192 - Math.round(0.75 * 192));
    expect(layers['3.weight'].nonzero).toBe(64);
    expect(zerosOf(prunableParameters(m)[2][1])).toBe(0); // '5.weight' was not named
    expect(r.ramp).toHaveLength(3);
    expect(r.fineTune).toHaveLength(2);
    expect(r.fineTune[1].lr).toBeCloseTo(0, 12);
    expect(r.fineTune[1].trainAccuracy).toBeGreaterThan(0.7); // majority class: 52.5%
    expect(lines.filter((l) => l.startsWith('ramp ')).length).toBe(3);
    expect(() => gradualPrune(smallMlp(), new DataLoader(data, { batchSize: 32 }), { sparsity: 1, rampEpochs: 1, fineTuneEpochs: 0, lr: 0.1 })).toThrow(/gradualPrune: sparsity must be in \[0,1\), got 1/);
    expect(() => gradualPrune(smallMlp(), new DataLoader(data, { batchSize: 32 }), { sparsity: 0.5, rampEpochs: 0, fineTuneEpochs: 0, lr: 0.1 })).toThrow(/rampEpochs must be an integer >= 1, got 0/);
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

  it('shouldStop stops retraining at that very batch and begins no later round', async () => {
    // stopped after 3 batches of a 10-batch epoch, round 1 of 2, == one full round over exactly those 3 batches
    const big = synthetic(320, 12);
    const first3 = big.subset(Array.from({ length: 96 }, (_, i) => i));
    let batches = 0;
    const counted = (out: Tensor, y: Tensor) => (batches++, crossEntropy(out, y));
    const stopped = smallMlp(4);
    const lines: string[] = [];
    const r = await runStepsAsync(iterativePruneSteps(stopped, new DataLoader(big, { batchSize: 32 }), {
      schedule: [0.5, 0.75], epochsPerRound: 5, lr: 0.1, loss: counted, shouldStop: () => batches >= 3, log: (l) => lines.push(l),
    }));
    expect(batches).toBe(3);
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0].sparsity).toBeCloseTo(0.5, 2);
    expect(r.rounds[0].epochs).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/prune round 1\/2: .*\(stopped: no further rounds\)/);
    const whole = smallMlp(4);
    iterativePrune(whole, new DataLoader(first3, { batchSize: 32 }), { schedule: [0.5], epochsPerRound: 1, lr: 0.1 });
    const a = stopped.parameters(), b = whole.parameters();
    for (let p = 0; p < a.length; p++) expect(Array.from(a[p].data)).toEqual(Array.from(b[p].data));
    // a stop asked for before the first round leaves the model as it was
    const untouched = smallMlp(4);
    expect(iterativePrune(untouched, new DataLoader(big, { batchSize: 32 }), { schedule: [0.5], epochsPerRound: 1, lr: 0.1, shouldStop: () => true }).rounds).toEqual([]);
    expect(Array.from(untouched.parameters()[0].data)).toEqual(Array.from(smallMlp(4).parameters()[0].data));
  });

  it('options are checked, naming the option and the value', () => {
    const data = new DataLoader(synthetic(64, 12), { batchSize: 16 });
    // geometricSchedule(0.9, 2.5) had given [0.60, 0.84], (0.9, -1) and (0.9, 0) no rounds
    for (const rounds of [2.5, 0, -1, NaN]) expect(() => geometricSchedule(0.9, rounds), String(rounds)).toThrow(`geometricSchedule: rounds must be an integer >= 1, got ${rounds}`);
    expect(geometricSchedule(0.9, 1)).toEqual([expect.closeTo(0.9, 12)]);
    // frequency 0 had said 'numSteps must be a positive integer, got Infinity'; -5 and 0.5 had run
    for (const frequency of [0, -5, 0.5]) {
      expect(() => gradualPrune(smallMlp(), data, { sparsity: 0.5, rampEpochs: 1, fineTuneEpochs: 0, frequency, lr: 0.1 }), String(frequency)).toThrow(`gradualPrune: frequency must be an integer >= 1, got ${frequency}`);
    }
    expect(() => gradualPrune(smallMlp(), data, { sparsity: 0.5, rampEpochs: 1, fineTuneEpochs: 0, lr: -1 })).toThrow('gradualPrune: lr must be a positive finite number, got -1');
    // beginStep 1.5 had been taken and never pruned
    expect(() => new GradualPruner(smallMlp(), { finalSparsity: 0.8, numSteps: 4, beginStep: 1.5 })).toThrow('GradualPruner: beginStep must be an integer >= 0, got 1.5');
    expect(() => new GradualPruner(smallMlp(), { finalSparsity: 0.8, numSteps: 4, beginStep: -5 })).toThrow('GradualPruner: beginStep must be an integer >= 0, got -5');
    expect(() => new GradualPruner(smallMlp(), { initialSparsity: 0.9, finalSparsity: 0.5, numSteps: 2 })).toThrow('GradualPruner: initialSparsity must not exceed finalSparsity, got 0.9 and 0.5');
    expect(() => polynomialSparsity(1, { finalSparsity: 0.5, numSteps: 2, frequency: 0 })).toThrow('polynomialSparsity: frequency must be a positive integer, got 0');
    // lr is checked as given: -1 had been refused as the scaled retraining rate, 'got -0.1'
    expect(() => iterativePrune(smallMlp(), data, { schedule: [0.5], epochsPerRound: 1, lr: -1 })).toThrow('iterativePrune: lr must be a positive finite number, got -1');
    expect(() => iterativePrune(smallMlp(), data, { schedule: [0.5], epochsPerRound: 1, lr: NaN })).toThrow('iterativePrune: lr must be a positive finite number, got NaN');
    expect(() => iterativePrune(smallMlp(), data, { schedule: [0.5], epochsPerRound: 1, lr: 0.1, lrScale: 0 })).toThrow('iterativePrune: lrScale must be a positive finite number, got 0');
  });
});
