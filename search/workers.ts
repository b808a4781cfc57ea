// Running one trial: the Trial handle given to objectives, in process or on a pool of worker threads (job-pool.ts).
// On a worker the objective is a module path + export name (functions cannot cross threads); the
// worker imports it and runs jobs, posting reports back. `trial.shouldPrune()` stays synchronous on
// the worker: it posts a question and blocks on a SharedArrayBuffer until the main thread answers.
// This file is also the workers' entry (serveJobs at the end).

import { ArgumentError, WhittleError } from '../core/errors.js';
import { nodeBuiltin, optionalNodeBuiltin } from '../core/node-builtins.js';
import { Random } from '../core/random.js';
import { describeValue } from './strategies/util.js';
import { isTypeScript, JobPool, serveJobs, tsxApiUrl } from './job-pool.js';

/** Thrown by `trial.prune()`; an objective may also throw it itself after `shouldPrune()`. */
export class TrialPruned extends WhittleError {
  constructor(message = 'trial pruned') {
    super(message);
  }
}

/** The handle an objective receives next to its configuration. */
export interface Trial {
  readonly index: number;
  /** The resource this trial may use (e.g. epochs) when the strategy allocates one (Hyperband). */
  readonly budget?: number;
  /** Seed for the objective's own randomness (weight init, data shuffles), derived from (study seed, index). */
  readonly seed: number;
  /** A generator seeded with `seed`. */
  readonly rng: Random;
  readonly meta?: Readonly<Record<string, number | string>>;
  /** Records an intermediate value; steps must increase. */
  report(step: number, value: number): void;
  /** True when the pruner judges the reports so far not worth continuing. */
  shouldPrune(): boolean;
  /** Throws TrialPruned: `if (trial.shouldPrune()) trial.prune();`. */
  prune(): never;
}

/** An objective given by module and export, so that worker threads can import it. */
export interface ObjectiveModule {
  /** Path (absolute, or relative to the working directory) or file URL of a .js/.ts module. */
  readonly module: string;
  /** Named export holding the objective function (default 'objective'). */
  readonly exportName?: string;
}

export type ObjectiveResult = number | readonly number[];
export type ObjectiveFn<C> = (config: C, trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;

export interface TrialJob<C> {
  readonly index: number;
  readonly config: C;
  readonly seed: number;
  readonly budget?: number;
  readonly meta?: Readonly<Record<string, number | string>>;
}

export interface TrialHooks {
  report(step: number, value: number): void;
  shouldPrune(): boolean;
}

/** How the objective ended: returned values, threw (pruned or not). */
export interface TrialOutcome {
  readonly values?: number[];
  readonly error?: string;
  readonly pruned?: boolean;
}

/** Runs `fn` on one job with a Trial handle wired to `hooks`; never throws. */
export async function executeTrial<C>(fn: ObjectiveFn<C>, job: TrialJob<C>, hooks: TrialHooks): Promise<TrialOutcome> {
  let lastStep = -Infinity;
  const trial: Trial = {
    index: job.index,
    budget: job.budget,
    seed: job.seed,
    rng: new Random(job.seed),
    meta: job.meta,
    report(step, value) {
      if (typeof step !== 'number' || !(step > lastStep)) throw new ArgumentError(`trial.report: steps must increase, got ${step} after ${lastStep}`);
      if (typeof value !== 'number') throw new ArgumentError(`trial.report: value must be a number, got ${typeof value}`);
      lastStep = step;
      hooks.report(step, value);
    },
    shouldPrune: () => hooks.shouldPrune(),
    prune() {
      throw new TrialPruned();
    },
  };
  try {
    const r: unknown = await fn(job.config, trial);
    // as study.ts's checkedObjective: a string or undefined is said as what it was, not coerced to [NaN]
    if (!(typeof r === 'number' || (Array.isArray(r) && r.every((v) => typeof v === 'number')))) throw new ArgumentError(`objective must return a number or an array of numbers, got ${describeValue(r)}`);
    return { values: typeof r === 'number' ? [r] : [...(r as number[])] };
  } catch (e) {
    const err = e as Error;
    return { error: err?.message ?? String(e), pruned: err instanceof TrialPruned || err?.name === 'TrialPruned' };
  }
}

/** Imports the objective function of `spec` (through tsx when it is TypeScript). */
export async function loadObjective<C>(spec: ObjectiveModule): Promise<ObjectiveFn<C>> {
  const url = moduleUrl(spec.module);
  const name = spec.exportName ?? 'objective';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    // Plain node cannot load .ts; tsx can, without being registered process-wide.
    if (!isTypeScript(url) || (e as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    mod = (await tsImport(url)) as Record<string, unknown>;
  }
  const fn = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof fn !== 'function') throw new ArgumentError(`loadObjective: ${spec.module} must export a function '${name}', got ${typeof fn}`);
  return fn as ObjectiveFn<C>;
}

/** The default pool size: one worker per core; 1 where there are no worker threads (a browser), which runs in process. */
export function defaultWorkers(): number {
  const os = optionalNodeBuiltin('os');
  if (!os || !optionalNodeBuiltin('worker_threads')) return 1;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** A trial worker's start data: the objective's module and export, and the cell its shouldPrune() answers wait on. */
interface TrialWorkerData {
  moduleUrl: string;
  exportName: string;
  control: Int32Array;
}

type TrialEvent = { type: 'report'; step: number; value: number } | { type: 'prune?' };

/**
 * Worker threads that each run one trial at a time; jobs beyond the idle workers wait in a queue. A
 * worker that dies (process.exit or a crash inside the objective) fails its trial and is replaced.
 */
export class TrialWorkerPool<C> {
  private constructor(private readonly jobs: JobPool<TrialJob<C>, TrialOutcome, TrialEvent, TrialWorkerData>) {}

  /** Starts `size` workers and waits until each has imported the objective module. */
  static async create<C>(size: number, spec: ObjectiveModule): Promise<TrialWorkerPool<C>> {
    if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`TrialWorkerPool: size must be a positive integer, got ${size}`);
    const data = (): TrialWorkerData => ({ moduleUrl: moduleUrl(spec.module), exportName: spec.exportName ?? 'objective', control: new Int32Array(new SharedArrayBuffer(8)) });
    return new TrialWorkerPool(await JobPool.create(size, { url: import.meta.url, kind: 'search-trial', data, name: 'worker thread' }));
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Runs a job as soon as a worker is free. Never rejects: failures come back as the outcome's error. */
  run(job: TrialJob<C>, hooks: TrialHooks): Promise<TrialOutcome> {
    return this.jobs
      .run(job, (e, { control }) => {
        if (e.type === 'report') hooks.report(e.step, e.value);
        else {
          // the worker blocks on `control` until this answer lands
          Atomics.store(control, 1, hooks.shouldPrune() ? 1 : 0);
          Atomics.add(control, 0, 1);
          Atomics.notify(control, 0);
        }
      })
      .catch((e: Error) => ({ error: e.message }));
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

function moduleUrl(module: string): string {
  if (module.startsWith('file:')) return module;
  const op = 'loadObjective';
  return nodeBuiltin('url', op).pathToFileURL(nodeBuiltin('path', op).resolve(module)).href;
}

async function tsImport(url: string): Promise<unknown> {
  const api = (await import(tsxApiUrl())) as { tsImport(specifier: string, parent: string): Promise<unknown> };
  return api.tsImport(url, import.meta.url);
}

// a trial worker: import the objective once, then run the trials it is sent
serveJobs<TrialJob<unknown>, TrialOutcome, TrialEvent, TrialWorkerData>('search-trial', async ({ moduleUrl: url, exportName, control }) => {
  const fn = await loadObjective({ module: url, exportName });
  return (job, emit) =>
    executeTrial(fn, job, {
      report: (step, value) => emit({ type: 'report', step, value }),
      shouldPrune: () => {
        const seq = Atomics.load(control, 0);
        emit({ type: 'prune?' });
        Atomics.wait(control, 0, seq);
        return Atomics.load(control, 1) === 1;
      },
    });
});
