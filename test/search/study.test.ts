import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../core/errors.js';
import { space } from '../../search/space.js';
import { gridSearch } from '../../search/strategies/grid.js';
import { regularizedEvolution } from '../../search/strategies/evolution.js';
import { tpe } from '../../search/strategies/tpe.js';
import { optimize, Study, TrialPruned } from '../../search/study.js';
import type { ProgressState } from '../../search/progress.js';
import { branin, braninSpace } from '../../search/test-functions.js';
import { paretoFront } from '../../search/pareto.js';

const braninObjective = ({ x1, x2 }: { x1: number; x2: number }) => branin(x1, x2);

describe('Study', () => {
  it.each([['random'], ['tpe'], ['evolution']])('the same seed gives the same study (%s)', async (name) => {
    const make = () => (name === 'tpe' ? tpe({ startupTrials: 5 }) : name === 'evolution' ? regularizedEvolution({ populationSize: 5, sampleSize: 2 }) : undefined);
    const run = (seed: number) => optimize({ space: braninSpace, objective: braninObjective, strategy: make(), trials: 25, seed });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    const strip = (r: typeof a) => r.trials.map((t) => [t.index, t.config, t.values, t.state]);
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).not.toEqual(strip(c));
  });

  it('records a failing trial and goes on', async () => {
    const r = await optimize({
      space: braninSpace,
      trials: 20,
      objective: ({ x1, x2 }) => {
        if (x1 > 2.5) throw new Error(`diverged at x1=${x1.toFixed(2)}`);
        return branin(x1, x2);
      },
    });
    expect(r.trials).toHaveLength(20);
    const failed = r.trials.filter((t) => t.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(20);
    for (const t of failed) {
      expect(t.error).toMatch(/^diverged at x1=/);
      expect(t.values).toEqual([]);
      expect(t.config.x1).toBeGreaterThan(2.5);
    }
    expect(r.best!.state).toBe('complete');
    expect(r.best!.config.x1).toBeLessThanOrEqual(2.5);
  });

  it('treats NaN and a wrong number of values as failures', async () => {
    const s = space().categorical('k', ['nan', 'two', 'ok']).build();
    const r = await optimize({
      space: s,
      strategy: gridSearch(),
      trials: 10,
      objective: ({ k }) => (k === 'nan' ? NaN : k === 'two' ? [1, 2] : 3),
    });
    expect(r.trials.map((t) => t.state)).toEqual(['failed', 'failed', 'complete']); // grid ran out after 3
    expect(r.trials[0].error).toMatch(/must return numbers/);
    expect(r.trials[1].error).toMatch(/1 value\(s\), got 2/);
  });

  it('returns the best trial and a monotone best-so-far history', async () => {
    const r = await optimize({ space: braninSpace, objective: braninObjective, trials: 40, seed: 3 });
    const values = r.trials.map((t) => t.values[0]);
    expect(r.best!.values[0]).toBe(Math.min(...values));
    expect(r.history.map((h) => h.index)).toEqual(r.trials.map((t) => t.index));
    for (let i = 0; i < r.history.length; i++) expect(r.history[i].best).toBe(Math.min(...values.slice(0, i + 1)));
  });

  it('maximizes when asked', async () => {
    const r = await optimize({ space: braninSpace, objective: braninObjective, trials: 30, directions: 'maximize' });
    expect(r.best!.values[0]).toBe(Math.max(...r.trials.map((t) => t.values[0])));
  });

  it('returns the Pareto front for several objectives', async () => {
    const s = space().float('x', 0, 1).build();
    const r = await optimize({ space: s, trials: 30, directions: ['minimize', 'maximize'], objective: ({ x }) => [x * x, x - 0.3 * x * x * x] });
    expect(r.best).toBeUndefined();
    const pts = r.trials.map((t) => t.values as number[]);
    expect(r.paretoFront.map((t) => t.index)).toEqual(paretoFront(pts, ['minimize', 'maximize']).map((i) => r.trials[i].index));
    // x^2 increases, x - 0.3 x^3 increases on [0,1]: every point is a trade-off.
    expect(r.paretoFront).toHaveLength(30);
    expect(r.history[29].bestValues).toEqual([Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1]))]);
  });

  it.each([['tpe'], ['evolution']])('%s handles several objectives', async (name) => {
    const s = space().float('x', 0, 1).float('y', 0, 1).build();
    const strategy = name === 'tpe' ? tpe({ startupTrials: 5 }) : regularizedEvolution({ populationSize: 6, sampleSize: 3 });
    const r = await optimize({ space: s, strategy, trials: 40, directions: ['minimize', 'minimize'], objective: ({ x, y }) => [x + y, (1 - x) + (y - 0.5) ** 2] });
    expect(r.trials.every((t) => t.state === 'complete')).toBe(true);
    expect(r.paretoFront.length).toBeGreaterThan(1);
    const pts = r.trials.map((t) => t.values as number[]);
    expect(r.paretoFront.map((t) => t.index)).toEqual(paretoFront(pts, ['minimize', 'minimize']).map((i) => r.trials[i].index));
  });

  it('stops on a seconds budget', async () => {
    const t0 = Date.now();
    const r = await optimize({
      space: braninSpace,
      seconds: 0.2,
      objective: async ({ x1, x2 }) => {
        await new Promise((res) => setTimeout(res, 20));
        return branin(x1, x2);
      },
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.trials.length).toBeGreaterThan(2);
    expect(r.trials.length).toBeLessThan(15);
  });

  it('reads a clock it is given: seconds and durations in its time', async () => {
    // each trial moves the clock 30 ms: trials start at 0, 30, ..., 270 ms and the 0.3 s budget lets exactly 10 in
    let now = 0;
    const r = await optimize({ space: braninSpace, seconds: 0.3, clock: () => now, objective: ({ x1, x2 }) => ((now += 30), branin(x1, x2)) });
    expect(r.trials.length).toBe(10);
    expect(r.trials.every((t) => t.durationMs === 30)).toBe(true);
  });

  it('marks trials that throw TrialPruned as pruned with their last report', async () => {
    const r = await optimize({
      space: braninSpace,
      trials: 5,
      objective: ({ x1 }, trial) => {
        trial.report(1, x1);
        if (trial.index % 2 === 0) throw new TrialPruned();
        return x1;
      },
    });
    expect(r.trials.map((t) => t.state)).toEqual(['pruned', 'complete', 'pruned', 'complete', 'pruned']);
    expect(r.trials[0].values).toEqual([r.trials[0].config.x1]);
    expect(r.trials[0].reports).toEqual([[1, r.trials[0].config.x1]]);
  });

  it('rejects reports whose steps do not increase (the trial fails)', async () => {
    const r = await optimize({
      space: braninSpace,
      trials: 1,
      objective: (_, trial) => {
        trial.report(2, 1);
        trial.report(2, 1);
        return 0;
      },
    });
    expect(r.trials[0].error).toMatch(/steps must increase, got 2 after 2/);
  });

  it('sends progress to an injected reporter', async () => {
    const updates: ProgressState[] = [];
    let ended: ProgressState | null = null;
    await optimize({ space: braninSpace, objective: braninObjective, trials: 7, progress: { update: (s) => updates.push(s), end: (s) => (ended = s) } });
    expect(updates.map((u) => u.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(updates.every((u) => u.total === 7)).toBe(true);
    expect(ended!.done).toBe(7);
    expect(ended!.best).toBe(Math.min(...updates.map((u) => u.best!)));
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const r = await optimize({
      space: braninSpace,
      trials: 100,
      signal: ac.signal,
      objective: (c, trial) => {
        if (trial.index === 4) ac.abort();
        return braninObjective(c);
      },
    });
    expect(r.trials).toHaveLength(5);
  });

  it('runs `concurrency` trials of an async function objective at once, and every trial finishes', async () => {
    for (const concurrency of [1, 3]) {
      let inFlight = 0;
      let most = 0;
      const r = await optimize({
        space: braninSpace,
        trials: 10,
        concurrency,
        objective: async (c) => {
          most = Math.max(most, ++inFlight);
          await new Promise((res) => setTimeout(res, 5));
          inFlight--;
          return braninObjective(c);
        },
      });
      expect(most).toBe(concurrency);
      expect(r.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(r.trials.every((t) => t.state === 'complete')).toBe(true);
    }
  });

  it('rejects bad options', () => {
    expect(() => new Study({ space: braninSpace, objective: braninObjective, trials: 1, concurrency: 0 })).toThrow(/Study: concurrency must be a positive integer, got 0/);
    expect(() => new Study({ space: braninSpace, objective: { module: 'x.js' }, trials: 1, concurrency: 2 })).toThrow(/concurrency is for a function objective/);
    expect(() => new Study({ space: braninSpace, objective: braninObjective })).toThrow(/needs a budget/);
    expect(() => new Study({ space: braninSpace, objective: braninObjective, trials: 1, directions: [] })).toThrow(ArgumentError);
    expect(() => new Study({ space: braninSpace, objective: braninObjective, trials: 1, workers: 2 })).toThrow(/module/);
  });

  it('rejects a strategy that leaves the space', async () => {
    const bad = { name: 'bad', ask: () => ({ config: { x1: 100, x2: 0 } }) };
    await expect(optimize({ space: braninSpace, objective: braninObjective, trials: 1, strategy: bad })).rejects.toThrow(/must suggest configs inside the space, 'x1' must be/);
  });
});

describe('what an objective returns, and the trials budget, are checked and reported as they came', () => {
  it.each([
    ['a string', '3', 'objective must return a number or an array of numbers, got "3" (a string)'],
    ['undefined', undefined, 'objective must return a number or an array of numbers, got undefined'],
    ['null', null, 'objective must return a number or an array of numbers, got null'],
    ['an array holding a string', [1, '2'], 'objective must return a number or an array of numbers, got [1,"2" (a string)]'],
    ['an object', { loss: 1 }, 'objective must return a number or an array of numbers, got an object'],
  ])('an objective returning %s fails its trial saying what came back', async (_, value, message) => {
    const r = await optimize({ space: braninSpace, objective: () => value as unknown as number, trials: 1 });
    expect(r.trials[0].state).toBe('failed');
    expect(r.trials[0].error).toBe(message);
  });
  it('a NaN is still reported as a number that is NaN', async () => {
    const r = await optimize({ space: braninSpace, objective: () => NaN, trials: 1 });
    expect(r.trials[0].error).toBe('objective must return numbers, got [NaN]');
  });
  it.each([2.5, '5', 0, -1, NaN, Infinity])('trials %s is refused', (trials) => {
    const make = () => new Study({ space: braninSpace, objective: braninObjective, trials: trials as number });
    expect(make).toThrow(ArgumentError);
    expect(make).toThrow(`Study: trials must be a positive integer, got ${typeof trials === 'string' ? `"${trials}" (a string)` : trials}`);
  });
});
