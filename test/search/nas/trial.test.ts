import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { mnistDataset, trainValSplit } from '../../../core/data/dataset.js';
import { Random } from '../../../core/random.js';
import { TrialPruned, type Trial } from '../../../search/workers.js';
import { checkTask, objectiveValues, runTrial, type TrialTask } from '../../../search/nas/trial.js';

const data = trainValSplit(mnistDataset('train', { limit: 300 }), 0.2, { seed: 1, stratify: true });
const config = { family: 'mlp', depth: 1, width1: 24, activation: 'relu', dropout: 0, lr: 5e-3, batchSize: 16 };
const task: TrialTask = { inputShape: [1, 28, 28], classes: 10, objectives: ['accuracy', 'params', 'latency'], epochs: 1, evalsPerEpoch: 3, latency: { repeats: 2 } };

function fakeTrial(o: { budget?: number; pruneAt?: number } = {}): Trial & { reports: Array<[number, number]> } {
  const reports: Array<[number, number]> = [];
  return {
    index: 0, seed: 11, rng: new Random(11), budget: o.budget, reports,
    report: (step, value) => void reports.push([step, value]),
    shouldPrune: () => o.pruneAt !== undefined && reports.length >= o.pruneAt,
    prune: () => { throw new TrialPruned(); },
  };
}

describe('runTrial', () => {
  it('reports validation accuracy at each checkpoint and measures what the task asks', () => {
    const trial = fakeTrial({ budget: 2 });
    const m = runTrial(config, trial, task, data);
    expect(trial.reports.map(([s]) => +s.toFixed(6))).toEqual([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2].map((e) => +e.toFixed(6)));
    expect(m.accuracy).toBe(trial.reports[5][1]);
    expect(m.accuracy).toBeGreaterThan(0.3);
    expect(m.epochs).toBe(2);
    expect(m.params).toBe(784 * 24 + 24 + 24 * 10 + 10);
    expect(m.macs).toBe(784 * 24 + 24 * 10);
    expect(m.latencyMs).toBeGreaterThan(0);
    expect(objectiveValues(m, ['params', 'accuracy'])).toEqual([m.params, m.accuracy]);
  });

  it('stops when the pruner says so', () => {
    const trial = fakeTrial({ pruneAt: 2 });
    expect(() => runTrial(config, trial, task, data)).toThrow(TrialPruned);
    expect(trial.reports.length).toBe(2);
  });

  it('needs no training when accuracy is not an objective', () => {
    const trial = fakeTrial();
    const m = runTrial(config, trial, { ...task, objectives: ['params'] }, data);
    expect(trial.reports).toEqual([]);
    expect(m.epochs).toBe(0);
    expect(m.latencyMs).toBeUndefined();
  });

  it('checks the task', () => {
    expect(() => checkTask({ ...task, objectives: [] })).toThrow(ArgumentError);
    expect(() => checkTask({ ...task, objectives: ['flops' as never] })).toThrow(/flops/);
    expect(() => checkTask({ ...task, epochs: 0 })).toThrow(/epochsPerTrial/);
  });
});
