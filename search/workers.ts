// Running one trial: the Trial handle given to objectives, in process or on a worker_threads pool.
// On a worker the objective is a module path + export name (functions cannot cross threads); the
// worker imports it and runs jobs, posting reports back. `trial.shouldPrune()` stays synchronous on
// the worker: it posts a question and blocks on a SharedArrayBuffer until the main thread answers.
// This file is also the worker's entry: from TypeScript source it is loaded through tsx's
// tsImport, from compiled dist/ it is plain workers.js.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ArgumentError, WhittleError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { workerExecArgv } from '../core/worker-flags.js';

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
    const r = await fn(job.config, trial);
    return { values: typeof r === 'number' ? [r] : Array.isArray(r) ? [...r] : [NaN] };
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

/** Starts `size` workers with `spawn`; if any fails to start, closes the pool (`close`) and rethrows. */
export async function startAll(size: number, spawn: () => Promise<void>, close: () => Promise<void>): Promise<void> {
  try {
    await Promise.all(Array.from({ length: size }, spawn));
  } catch (e) {
    await close();
    throw e;
  }
}

/** The default pool size: one worker per core. */
export function defaultWorkers(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

interface PendingJob<C> {
  readonly job: TrialJob<C>;
  readonly hooks: TrialHooks;
  readonly resolve: (o: TrialOutcome) => void;
}

interface Slot<C> {
  worker: Worker;
  control: Int32Array;
  ready: boolean;
  current: PendingJob<C> | null;
}

/**
 * Worker threads that each run one trial at a time; jobs beyond the idle workers wait in a queue. A
 * worker that dies (process.exit or a crash inside the objective) fails its trial and is replaced.
 */
export class TrialWorkerPool<C> {
  private readonly slots: Slot<C>[] = [];
  private readonly queue: PendingJob<C>[] = [];
  private closed = false;

  private constructor(private readonly spec: ObjectiveModule) {}

  /** Starts `size` workers and waits until each has imported the objective module. */
  static async create<C>(size: number, spec: ObjectiveModule): Promise<TrialWorkerPool<C>> {
    if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`TrialWorkerPool: size must be a positive integer, got ${size}`);
    const pool = new TrialWorkerPool<C>(spec);
    await startAll(size, () => pool.spawn(), () => pool.close());
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs a job as soon as a worker is free. Never rejects: failures come back as the outcome's error. */
  run(job: TrialJob<C>, hooks: TrialHooks): Promise<TrialOutcome> {
    if (this.closed) return Promise.resolve({ error: 'worker pool is closed' });
    return new Promise((resolve) => {
      this.queue.push({ job, hooks, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve({ error: 'worker pool closed before the trial started' });
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.current) continue;
      slot.current = this.queue.shift()!;
      slot.worker.postMessage({ type: 'run', job: slot.current.job });
    }
    if (this.slots.length === 0) for (const p of this.queue.splice(0)) p.resolve({ error: 'no worker thread could be started' });
  }

  /** Starts one worker; resolves once it has loaded the objective. */
  private spawn(): Promise<void> {
    const control = new Int32Array(new SharedArrayBuffer(8));
    const data = { whittleSearchWorker: 1, moduleUrl: moduleUrl(this.spec.module), exportName: this.spec.exportName ?? 'objective', control };
    const worker = moduleWorker(import.meta.url, data);
    const slot: Slot<C> = { worker, control, ready: false, current: null };
    this.slots.push(slot);
    let gone = false;
    return new Promise((resolveReady, rejectReady) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          slot.ready = true;
          resolveReady();
          this.dispatch();
        } else if (m.type === 'fatal') {
          rejectReady(new ArgumentError(`TrialWorkerPool: worker could not load the objective, ${m.error}`));
        } else if (m.type === 'report') {
          slot.current?.hooks.report(m.step, m.value);
        } else if (m.type === 'prune?') {
          const decision = slot.current?.hooks.shouldPrune() ?? false;
          Atomics.store(control, 1, decision ? 1 : 0);
          Atomics.add(control, 0, 1);
          Atomics.notify(control, 0);
        } else if (m.type === 'done') {
          const p = slot.current;
          slot.current = null;
          p?.resolve(m.outcome);
          this.dispatch();
        }
      });
      const lost = (why: string) => {
        if (gone || this.closed) return;
        gone = true;
        this.slots.splice(this.slots.indexOf(slot), 1);
        if (!slot.ready) {
          rejectReady(new ArgumentError(`TrialWorkerPool: worker failed to start, ${why}`));
          this.dispatch();
          return;
        }
        slot.current?.resolve({ error: `worker thread died: ${why}` });
        // Keep the pool at its size: one crashed trial must not shrink it.
        this.spawn().catch(() => this.dispatch());
      };
      worker.on('error', (e) => lost(e.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'report'; step: number; value: number }
  | { type: 'prune?' }
  | { type: 'done'; outcome: TrialOutcome };

/**
 * A worker thread running the module at `url` with `data` as its workerData: this package's compiled .js, or its
 * TypeScript source through tsx (as under vitest), whose worker must not register tsx process-wide.
 */
export function moduleWorker(url: string, data: unknown): Worker {
  const execArgv = workerExecArgv();
  return isTypeScript(url)
    ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`, { eval: true, workerData: data, execArgv })
    : new Worker(new URL(url), { workerData: data, execArgv });
}

function moduleUrl(module: string): string {
  return module.startsWith('file:') ? module : pathToFileURL(path.resolve(module)).href;
}

function isTypeScript(url: string): boolean {
  return /\.(ts|mts|cts)$/.test(url);
}

function tsxApiUrl(): string {
  let pkgFile: string;
  try {
    pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  } catch {
    throw new ArgumentError('TrialWorkerPool: running TypeScript on worker threads needs the tsx package, got none installed');
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}

async function tsImport(url: string): Promise<unknown> {
  const api = (await import(tsxApiUrl())) as { tsImport(specifier: string, parent: string): Promise<unknown> };
  return api.tsImport(url, import.meta.url);
}

async function workerMain(): Promise<void> {
  const port = parentPort!;
  const { moduleUrl: url, exportName, control } = workerData as { moduleUrl: string; exportName: string; control: Int32Array };
  let fn: ObjectiveFn<unknown>;
  try {
    fn = await loadObjective({ module: url, exportName });
  } catch (e) {
    port.postMessage({ type: 'fatal', error: (e as Error).message });
    return;
  }
  port.on('message', async (m: { type: 'run'; job: TrialJob<unknown> }) => {
    const hooks: TrialHooks = {
      report: (step, value) => port.postMessage({ type: 'report', step, value }),
      shouldPrune: () => {
        const seq = Atomics.load(control, 0);
        port.postMessage({ type: 'prune?' });
        Atomics.wait(control, 0, seq);
        return Atomics.load(control, 1) === 1;
      },
    };
    const outcome = await executeTrial(fn, m.job, hooks);
    port.postMessage({ type: 'done', outcome });
  });
  port.postMessage({ type: 'ready' });
}

if (!isMainThread && (workerData as { whittleSearchWorker?: number } | null)?.whittleSearchWorker === 1) {
  void workerMain();
}
