import { threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../core/errors.js';
import { hyperband } from '../../search/strategies/hyperband.js';
import { optimize } from '../../search/study.js';
import { space } from '../../search/space.js';
import { branin, braninSpace } from '../../search/test-functions.js';
import { TrialWorkerPool } from '../../search/workers.js';

const fixture = fileURLToPath(new URL('./fixtures/objectives.ts', import.meta.url));

describe('worker pool', () => {
  it('runs a study on 2 workers with the same results as in process', async () => {
    const onWorkers = await optimize({ space: braninSpace, objective: { module: fixture, exportName: 'braninObjective' }, workers: 2, trials: 24, seed: 5 });
    const inProcess = await optimize({ space: braninSpace, objective: { module: fixture, exportName: 'braninObjective' }, workers: 1, trials: 24, seed: 5 });
    // Random search draws each config from (seed, index), so both runs see the same configs.
    const strip = (r: typeof onWorkers) => r.trials.map((t) => [t.index, t.config, t.state, t.values, t.reports, t.error]);
    expect(strip(onWorkers)).toEqual(strip(inProcess));
    for (const t of onWorkers.trials) {
      if (t.config.x1 > 9) expect(t.error).toBe(`x1 too large: ${t.config.x1}`);
      else expect(t.values).toEqual([branin(t.config.x1, t.config.x2)]);
    }
    expect(onWorkers.trials.some((t) => t.state === 'failed')).toBe(true);
    expect(onWorkers.best!.values[0]).toBe(inProcess.best!.values[0]);
  });

  it('runs trials in parallel on other threads', async () => {
    const r = await optimize({ space: braninSpace, directions: ['minimize', 'minimize'], objective: { module: fixture, exportName: 'threadObjective' }, workers: 2, trials: 8 });
    const threads = new Set(r.trials.map((t) => t.values[1]));
    expect(threads.size).toBe(2);
    expect(threads.has(threadId)).toBe(false);
  });

  it('answers shouldPrune on workers (Hyperband stops trials there too)', async () => {
    const s = space().float('q', 0, 1).build();
    const r = await optimize({ space: s, strategy: hyperband({ maxResource: 9, eta: 3 }), objective: { module: fixture, exportName: 'curveObjective' }, workers: 2, trials: 30, seed: 1 });
    const pruned = r.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.reports[t.reports.length - 1][0]).toBeLessThan(9);
  });

  it('fails the trial of a worker that dies and replaces the worker', async () => {
    const r = await optimize({ space: braninSpace, objective: { module: fixture, exportName: 'exitObjective' }, workers: 2, trials: 12, seed: 2 });
    expect(r.trials).toHaveLength(12);
    const died = r.trials.filter((t) => t.state === 'failed');
    expect(died.length).toBeGreaterThan(0);
    for (const t of died) {
      expect(t.config.x1).toBeGreaterThan(5);
      expect(t.error).toBe('worker thread died: exit code 3');
    }
    for (const t of r.trials.filter((x) => x.state === 'complete')) expect(t.values).toEqual([branin(t.config.x1, t.config.x2)]);
  });

  it('on a worker, an objective that returns text fails its trial saying what came back, as in process', async () => {
    const r = await optimize({ space: braninSpace, objective: { module: fixture, exportName: 'textObjective' }, workers: 2, trials: 12, seed: 2 });
    const failed = r.trials.filter((t) => t.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) expect(t.error).toMatch(/^objective must return a number or an array of numbers, got "[\d.]+" \(a string\)$/);
  });

  it('fails clearly when the module has no such export', async () => {
    await expect(TrialWorkerPool.create(1, { module: fixture, exportName: 'nope' })).rejects.toThrow(ArgumentError);
    await expect(optimize({ space: braninSpace, objective: { module: fixture, exportName: 'nope' }, workers: 2, trials: 2 })).rejects.toThrow(/must export a function 'nope'/);
  });
});
