import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { mnistDataset, TensorDataset } from '../../../core/data/dataset.js';
import { Tensor } from '../../../core/tensor.js';
import { Random } from '../../../core/random.js';
import { mixSeed } from '../../../search/strategies/util.js';
import { countMacs } from '../../../search/nas/builder.js';
import { dominates } from '../../../search/pareto.js';
import { nas, type NasOptions, type NasResult } from '../../../search/nas/nas.js';
import type { Config } from '../../../search/space.js';
import { randomSearch } from '../../../search/strategies/random.js';
import type { Strategy } from '../../../search/strategies/types.js';
import { mlpSpace } from '../../../search/nas/spaces.js';
import { objectiveValues } from '../../../search/nas/trial.js';
import type { CompressionOptions } from '../../../search/nas/compression.js';
import type { LatencyOptions } from '../../../search/nas/latency.js';

// Small, fast MLPs: the point is the plumbing, not the accuracy.
const tiny = mlpSpace({ maxDepth: 2, widths: [16, 48], lr: [2e-3, 1e-2], batchSizes: [32], maxDropout: 0.1 });

function expectCorrectFront(r: NasResult): void {
  const complete = r.trials.filter((t) => t.state === 'complete');
  const vals = (t: (typeof complete)[number]) => objectiveValues(t.metrics!, r.objectives);
  expect(r.paretoFront.length).toBeGreaterThan(0);
  for (const f of r.paretoFront) for (const t of complete) expect(dominates(vals(t), vals(f), r.directions)).toBe(false);
  for (const t of complete) {
    if (r.paretoFront.includes(t)) continue;
    expect(r.paretoFront.some((f) => dominates(vals(f), vals(t), r.directions))).toBe(true);
  }
}

describe('nas', () => {
  let first: NasResult;

  it('runs a tiny multi-objective search on MNIST and returns a correct front and a retrained model', async () => {
    first = await nas({
      data: 'mnist', mnist: { search: 500, retrain: 500, test: 500 }, space: tiny, objectives: ['accuracy', 'params', 'latency'],
      trials: 4, epochsPerTrial: 1, seed: 3, latency: { batch: 1, repeats: 3 }, retrain: { epochs: 2 },
    });
    expect(first.trials.length).toBe(4);
    expect(first.directions).toEqual(['maximize', 'minimize', 'minimize']);
    for (const t of first.trials) {
      expect(t.state).toBe('complete');
      expect(t.values).toEqual([t.metrics!.accuracy, t.metrics!.params, t.metrics!.latencyMs]);
      expect(t.metrics!.epochs).toBe(1);
    }
    expectCorrectFront(first);
    const maxAcc = Math.max(...first.trials.map((t) => t.metrics!.accuracy));
    expect(first.best!.metrics!.accuracy).toBe(maxAcc);
    expect(first.epochsSpent).toBe(4);
    const m = first.model!;
    expect(m.arch).toEqual(first.best!.arch);
    expect(m.params).toBe(m.model.numParameters());
    expect(m.epochs).toBe(2);
    expect(m.testAccuracy!).toBeGreaterThan(0.5); // chance is 0.1
    expect(m.latencyMs).toBeGreaterThan(0);
  });

  it('gives the same trials for the same seed, and the best one within the constraints', async () => {
    // Random search draws trial i's config from (seed, i), so the MACs of each trial are known up front.
    const macs = [0, 1, 2].map((i) => countMacs({ config: tiny.sample(new Random(mixSeed(3, i, 1))), inputShape: [1, 28, 28], classes: 10 }));
    const again = await nas({ data: 'mnist', mnist: { search: 500 }, space: tiny, objectives: ['accuracy'], trials: 3, epochsPerTrial: 1, seed: 3, constraints: { maxMacs: Math.min(...macs) } });
    expect(again.trials.map((t) => [t.config, t.metrics!.accuracy])).toEqual(first.trials.slice(0, 3).map((t) => [t.config, t.metrics!.accuracy]));
    expect(again.trials.map((t) => t.metrics!.macs)).toEqual(macs);
    expect(again.best!.index).toBe(macs.indexOf(Math.min(...macs)));
    const other = await nas({ data: 'mnist', mnist: { search: 500 }, space: tiny, trials: 1, epochsPerTrial: 0.2, seed: 4 });
    expect(other.trials[0].config).not.toEqual(first.trials[0].config);
  });

  it('runs Hyperband on accuracy alone and takes the front over every objective', async () => {
    const r = await nas({ data: 'mnist', mnist: { search: 300 }, space: tiny, objectives: ['accuracy', 'params'], strategy: 'hyperband', trials: 8, epochsPerTrial: 1, evalsPerEpoch: 3, seed: 1 });
    expect(r.trials.every((t) => t.meta?.bracket !== undefined)).toBe(true);
    for (const t of r.trials) {
      expect(t.reports.length).toBeGreaterThan(0);
      if (t.state === 'complete') expect(t.values.length).toBe(1);
    }
    const spent = r.trials.reduce((a, t) => a + t.reports[t.reports.length - 1][0], 0);
    expect(r.epochsSpent).toBeCloseTo(spent, 9);
    expectCorrectFront(r);
    await expect(nas({ data: 'mnist', space: tiny, objectives: ['params'], strategy: 'hyperband', trials: 1 })).rejects.toThrow(ArgumentError);
    // a budget that allows no trial is a mistake, not an empty result
    await expect(nas({ data: 'mnist', space: tiny, budgetSeconds: 0 })).rejects.toThrow('nas: budgetSeconds must be > 0, got 0');
    await expect(nas({ data: 'mnist', space: tiny, trials: 0 })).rejects.toThrow('nas: trials must be a positive integer, got 0');
  });

  it('scores compressed models and reports their sparsity', async () => {
    const r = await nas({ data: 'mnist', mnist: { search: 300 }, space: tiny, objectives: ['accuracy', 'params'], compression: { sparsity: 0.8, fineTuneEpochs: 0.5 }, trials: 2, epochsPerTrial: 0.5, seed: 2 });
    for (const t of r.trials) {
      const m = t.metrics!;
      expect(m.sparsity).toBeCloseTo(0.8, 2);
      expect(m.accuracyBeforeCompression).toBeTypeOf('number');
      expect(m.nonzeroParams).toBeLessThan(0.3 * m.params);
      expect(t.values[1]).toBe(m.nonzeroParams);
      expect(m.epochs).toBe(1);
    }
  });

  it('runs trials on worker threads with the same results as in process', async () => {
    const data = mnistDataset('train', { limit: 300, flat: true });
    const opts = { data, space: tiny, objectives: ['accuracy', 'params'] as const, trials: 2, epochsPerTrial: 0.5, seed: 5 };
    const [onWorkers, inProcess] = [await nas({ ...opts, workers: 2 }), await nas({ ...opts, workers: 1 })];
    const strip = (r: NasResult) => r.trials.map((t) => [t.index, t.config, t.state, t.values, t.metrics]);
    expect(strip(onWorkers)).toEqual(strip(inProcess));
    expect(onWorkers.trials[0].metrics!.epochs).toBe(0.5);
    expect(onWorkers.trials[0].arch.inputShape).toEqual([784]);
  });

  it('stops running trials at the time budget and counts them as pruned', async () => {
    const t0 = Date.now();
    // a budget that loading the images cannot use up (no trial starts after it), and trials far longer than it
    const r = await nas({ data: 'mnist', mnist: { search: 300 }, space: tiny, budgetSeconds: 1, epochsPerTrial: 1000, seed: 1 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.trials.length).toBeGreaterThan(0);
    for (const t of r.trials) {
      expect(t.state).toBe('pruned');
      expect(t.reports[t.reports.length - 1][0]).toBeLessThan(1000);
    }
    expect(r.best).toBeUndefined();
    expect(r.epochsSpent).toBeLessThan(1000);
  });

  it('refuses to resume a journal of trials scored on other data or settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-nas-journal-'));
    try {
      const journal = join(dir, 'nas.jsonl');
      const a = mnistDataset('train', { limit: 200 });
      const run = (data: typeof a, trials: number, epochsPerTrial = 0.2) => nas({ data, space: tiny, objectives: ['accuracy', 'params'], trials, epochsPerTrial, seed: 2, journal });
      await run(a, 1);
      // the same images resume; other images (the next 200) or longer trials are refused, naming what differed
      expect((await run(mnistDataset('train', { limit: 200 }), 2)).trials).toHaveLength(2);
      const b = mnistDataset('train', { limit: 400 });
      await expect(run(b, 3)).rejects.toThrow(/belongs to another study, what its trials measured: data train 200 x \[1,28,28\] #[0-9a-f]{8}; .*\nvs now: data train 400 x \[1,28,28\] #[0-9a-f]{8}; /);
      await expect(run(a, 3, 0.4)).rejects.toThrow(/0\.2 epochs a trial.*\nvs now: .*0\.4 epochs a trial/s);
      // pruned trials are not the dense ones (had been: resumed, the two kinds on one front)
      const compressed = (compression: CompressionOptions) => nas({ data: a, space: tiny, objectives: ['accuracy', 'params'], trials: 3, epochsPerTrial: 0.2, seed: 2, journal, compression });
      await expect(compressed({ sparsity: 0.9 })).rejects.toThrow(/validation share 0\.1\nvs now: .*validation share 0\.1; compression sparsity 0\.9, fine-tuned 0\.5 epochs at 0\.3 of the learning rate$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resumes a compressed search under the same compression, its defaults spelled out or not, and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-nas-journal-'));
    try {
      const journal = join(dir, 'nas.jsonl');
      const data = mnistDataset('train', { limit: 100, flat: true });
      const run = (trials: number, compression: CompressionOptions) => nas({ data, space: tiny, objectives: ['accuracy', 'params'], trials, epochsPerTrial: 0.2, seed: 2, journal, compression });
      await run(1, { sparsity: 0.5, fineTuneEpochs: 0.1 });
      await expect(run(2, { sparsity: 0.5 })).rejects.toThrow(/fine-tuned 0\.1 epochs.*\nvs now: .*fine-tuned 0\.5 epochs/s);
      await expect(run(2, { sparsity: 0.5, fineTuneEpochs: 0.1, quantize: 'int8' })).rejects.toThrow(/\nvs now: .*sparsity 0\.5, fine-tuned 0\.1 epochs at 0\.3 of the learning rate, int8 calibrated on 8 batches$/);
      expect((await run(2, { sparsity: 0.5, fineTuneEpochs: 0.1, fineTuneLrScale: 0.3 })).trials).toHaveLength(2);
      // latency timed on batches of 8 is not latency timed on one sample; the defaults, given or not, read alike
      const timed = (latency: LatencyOptions | undefined) => nas({ data, space: tiny, objectives: ['params', 'latency'], trials: 2, seed: 2, journal: join(dir, 'latency.jsonl'), latency: { repeats: 3, ...latency } });
      await timed({ batch: 1, warmup: 3 });
      await expect(timed({ batch: 8 })).rejects.toThrow(/\nvs now: .*; latency batches of 8, 3 warm-up and 3 timed passes within 2000 ms$/);
      expect((await timed(undefined)).trials).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts the classes of 150,000 rows (had been: Maximum call stack size exceeded, from Math.max(...labels))', async () => {
    const n = 150_000;
    const y = new Tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
    const x = new Tensor(Float32Array.from({ length: n }, (_, i) => i % 3), [n, 1], 'float32');
    const r = await nas({ data: new TensorDataset(x, y), space: mlpSpace({ maxDepth: 1, widths: [2, 4] }), objectives: ['params'], trials: 1, seed: 1 });
    expect(r.trials[0].arch.classes).toBe(3);
  });

  it('starts no trial after the budget, however long the data took to prepare (had been: the study got the whole budget from its own start)', async () => {
    let now = 1e12;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const asked: number[] = [];
      const inner = randomSearch();
      const strategy: Strategy<Config> = { name: 'random', ask: (ctx) => { asked.push(Date.now()); return inner.ask(ctx); } };
      /** Options whose space takes `ms` to read: the time nas() spends before its study starts. */
      const slowly = (ms: number): NasOptions => {
        let read = false;
        return {
          data: mnistDataset('train', { limit: 100, flat: true }), objectives: ['accuracy'], strategy, trials: 2, budgetSeconds: 2, epochsPerTrial: 0.1, seed: 1,
          get space() { if (!read) now += ms; read = true; return tiny; },
        };
      };
      const start = now;
      const late = await nas(slowly(3000));
      expect(asked).toEqual([]);
      expect(late.trials).toEqual([]);
      expect(now - start).toBe(3000);
      // within the budget trials start (the clock stands still: they finish)
      const inTime = await nas(slowly(1000));
      expect(asked).toEqual([now, now]);
      expect(inTime.trials.map((t) => t.state)).toEqual(['complete', 'complete']);
    } finally {
      clock.mockRestore();
    }
  });

  it('asks for a budget', async () => {
    await expect(nas({ data: 'mnist', space: tiny })).rejects.toThrow(/budget/);
  });
});
