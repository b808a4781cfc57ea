import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ArgumentError, WhittleError } from '../../core/errors.js';
import { JobPool } from '../../search/job-pool.js';
import type { FixtureData, FixtureJob, FixtureResult } from './fixtures/jobs.js';

const url = new URL('./fixtures/jobs.ts', import.meta.url).href;

function start(size: number, opts: { kind?: string; failSetup?: (worker: number) => boolean } = {}): Promise<JobPool<FixtureJob, FixtureResult, number, FixtureData>> {
  let started = 0;
  return JobPool.create<FixtureJob, FixtureResult, number, FixtureData>(size, {
    url,
    kind: opts.kind ?? 'test-fixture',
    name: 'test: the fixture worker',
    data: () => {
      const worker = started++;
      return { worker, failSetup: opts.failSetup?.(worker) };
    },
  });
}

describe('JobPool', () => {
  it('runs every job once, on threads other than this one, on all its workers, each result to its own job', async () => {
    const pool = await start(2);
    try {
      expect(pool.size).toBe(2);
      const xs = Array.from({ length: 12 }, (_, i) => i - 3);
      const out = await Promise.all(xs.map((x) => pool.run(x % 2 ? { kind: 'square', x, spinMs: 10 } : { kind: 'async', x })));
      expect(out.map((r) => r.value)).toEqual(xs.map((x) => (x % 2 ? x * x : -x)));
      expect(out.some((r) => r.thread === threadId)).toBe(false);
      // twelve jobs of which six spin 10 ms: one worker alone cannot have taken them all
      expect(new Set(out.map((r) => r.worker))).toEqual(new Set([0, 1]));
    } finally {
      await pool.close();
    }
  });

  it("hands a job's events, in order, to that job's listener with its worker's start data", async () => {
    const pool = await start(2);
    try {
      const seen: [number, number, number][] = [];
      const [a, b] = await Promise.all([1, 2].map((job) => pool.run({ kind: 'square', x: job, steps: 5 * job }, (e, d) => seen.push([job, e, d.worker]))));
      for (const [job, r] of [[1, a] as const, [2, b] as const]) {
        const mine = seen.filter((s) => s[0] === job);
        expect(mine.map((s) => s[1])).toEqual(Array.from({ length: 5 * job }, (_, i) => i));
        expect(new Set(mine.map((s) => s[2]))).toEqual(new Set([r.worker]));
      }
    } finally {
      await pool.close();
    }
  });

  it('rejects a job whose handler throws with its message (an ArgumentError stays one), and the worker goes on', async () => {
    const pool = await start(1);
    try {
      const arg = pool.run({ kind: 'argument' });
      await expect(arg).rejects.toThrow(ArgumentError);
      await expect(arg).rejects.toThrow('fixture: x must be a number, got none');
      const other = pool.run({ kind: 'throw' });
      await expect(other).rejects.toThrow(WhittleError);
      await expect(other).rejects.not.toThrow(ArgumentError);
      await expect(other).rejects.toThrow('fixture: something broke');
      expect((await pool.run({ kind: 'square', x: 7 })).value).toBe(49);
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies fails the job it held; a new worker takes its place and the queue goes on', async () => {
    const pool = await start(1);
    try {
      const dying = pool.run({ kind: 'exit', code: 3 });
      const queued = pool.run({ kind: 'square', x: 5 });
      await expect(dying).rejects.toThrow('test: the fixture worker died: exit code 3');
      const r = await queued;
      expect(r.value).toBe(25);
      // the replacement got fresh start data
      expect(r.worker).toBe(1);
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a worker whose setup throws fails the start with its message (an ArgumentError stays one)', async () => {
    const err = start(3, { failSetup: (w) => w === 1 });
    await expect(err).rejects.toThrow(ArgumentError);
    await expect(err).rejects.toThrow('test: the fixture worker could not start: fixture: worker 1 refused to start');
  });

  it('a module that serves no jobs of the kind fails the start instead of waiting forever', async () => {
    await expect(start(1, { kind: 'nobody-serves-this' })).rejects.toThrow('test: the fixture worker failed to start, exit code 0');
  });

  it('close() rejects the jobs not done, running or queued; a closed pool takes no more; a size below 1 is refused', async () => {
    const pool = await start(1);
    const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: Error) => e.message);
    const running = outcome(pool.run({ kind: 'square', x: 2, spinMs: 300 }));
    const queued = outcome(pool.run({ kind: 'square', x: 3 }));
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    expect(await running).toBe('test: the fixture workers closed while the job ran');
    expect(await queued).toBe('test: the fixture workers closed before the job started');
    await expect(pool.run({ kind: 'square', x: 4 })).rejects.toThrow('test: the fixture workers are closed');
    expect(pool.size).toBe(0);
    await expect(start(0)).rejects.toThrow('test: the fixture worker: the pool size must be a positive integer, got 0');
  });
});
