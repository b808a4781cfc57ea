// Worker threads that each run one job at a time, with a queue for the rest: the pool under the search's trials,
// AutoML's fold fits and the rule learner's cross-validation. A job settles with the worker's result, or rejects
// with the error its handler threw (an ArgumentError stays one); a worker that dies fails the job it held and is
// replaced, so the pool keeps its size. The worker's side is serveJobs() in the module the pool names; it runs only
// on a thread this pool started for that kind, so one module may import another's without serving its jobs.
// From TypeScript source (as under vitest) a worker loads its module through tsx's tsImport; from dist/, plain .js.
// Node's modules are reached when a pool starts (core/node-builtins.ts), so this module loads in a browser, where a
// pool says it needs Node and serveJobs does nothing.

import type { Worker } from 'node:worker_threads';
import { ArgumentError, WhittleError } from '../core/errors.js';
import { nodeBuiltin, optionalNodeBuiltin } from '../core/node-builtins.js';
import { workerExecArgv } from '../core/worker-flags.js';

export interface JobPoolOptions<D> {
  /** The module whose top level calls serveJobs(kind, ...): the caller's import.meta.url. */
  readonly url: string;
  /** Which serveJobs in that module's imports answers (each pool kind has its own). */
  readonly kind: string;
  /** Each worker's start data, handed to serveJobs' setup (called again for a replacement worker). */
  readonly data: () => D;
  /** Names a worker in errors, e.g. 'automl: the fold worker' → 'automl: the fold worker died: exit code 1'. */
  readonly name: string;
}

/** What a worker posts: it started (or could not), an event of the running job, the job's end. */
type FromWorker<R, E> =
  | { type: 'ready' }
  | { type: 'fatal'; message: string; argument: boolean }
  | { type: 'event'; event: E }
  | { type: 'done'; result: R }
  | { type: 'failed'; message: string; argument: boolean };

interface Pending<J, R, E, D> {
  readonly job: J;
  readonly onEvent?: (event: E, data: D) => void;
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

interface Slot<J, R, E, D> {
  readonly worker: Worker;
  readonly data: D;
  ready: boolean;
  current: Pending<J, R, E, D> | null;
}

/** Jobs J → results R on `size` worker threads, one job per worker at a time; E are the events a job posts as it runs. */
export class JobPool<J, R, E = never, D = unknown> {
  private readonly slots: Slot<J, R, E, D>[] = [];
  private readonly queue: Pending<J, R, E, D>[] = [];
  private closed = false;

  private constructor(private readonly opts: JobPoolOptions<D>) {}

  /** Starts `size` workers and waits until each is ready; if one cannot start, closes the others and rejects. */
  static async create<J, R, E = never, D = unknown>(size: number, opts: JobPoolOptions<D>): Promise<JobPool<J, R, E, D>> {
    if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`${opts.name}: the pool size must be a positive integer, got ${size}`);
    const pool = new JobPool<J, R, E, D>(opts);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs `job` as soon as a worker is free; `onEvent` gets the events it posts, with that worker's start data. */
  run(job: J, onEvent?: (event: E, data: D) => void): Promise<R> {
    if (this.closed) return Promise.reject(new WhittleError(`${this.opts.name}s are closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, onEvent, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends the workers; the jobs not done reject (none is left waiting forever). */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new WhittleError(`${this.opts.name}s closed before the job started`));
    for (const s of this.slots) s.current?.reject(new WhittleError(`${this.opts.name}s closed while the job ran`));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.current) continue;
      slot.current = this.queue.shift()!;
      slot.worker.postMessage(slot.current.job);
    }
    if (this.slots.length === 0) for (const p of this.queue.splice(0)) p.reject(new WhittleError(`no ${this.opts.name} could be started`));
  }

  /** Starts one worker; resolves once its setup has run. */
  private spawn(): Promise<void> {
    const { url, kind, name } = this.opts;
    const data = this.opts.data();
    const worker = moduleWorker(url, { whittleJobPool: kind, data }, name);
    const slot: Slot<J, R, E, D> = { worker, data, ready: false, current: null };
    this.slots.push(slot);
    let gone = false;
    return new Promise((resolveReady, rejectReady) => {
      const settle = (settleJob: (p: Pending<J, R, E, D>) => void): void => {
        const p = slot.current;
        slot.current = null;
        if (p) settleJob(p);
        this.dispatch();
      };
      worker.on('message', (m: FromWorker<R, E>) => {
        if (m.type === 'ready') {
          slot.ready = true;
          resolveReady();
          this.dispatch();
        } else if (m.type === 'fatal') {
          rejectReady(m.argument ? new ArgumentError(`${name} could not start: ${m.message}`) : new WhittleError(`${name} could not start: ${m.message}`));
          void worker.terminate();
        } else if (m.type === 'event') slot.current?.onEvent?.(m.event, data);
        else if (m.type === 'done') settle((p) => p.resolve(m.result));
        else settle((p) => p.reject(m.argument ? new ArgumentError(m.message) : new WhittleError(m.message)));
      });
      const lost = (why: string): void => {
        if (gone || this.closed) return;
        gone = true;
        this.slots.splice(this.slots.indexOf(slot), 1);
        if (!slot.ready) {
          rejectReady(new WhittleError(`${name} failed to start, ${why}`));
          this.dispatch();
          return;
        }
        slot.current?.reject(new WhittleError(`${name} died: ${why}`));
        // one crashed job must not shrink the pool
        this.spawn().catch(() => this.dispatch());
      };
      worker.on('error', (e) => lost(e.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }
}

/**
 * The worker's side of a JobPool of `kind`: `setup` gets the pool's start data once and returns the job handler;
 * each job's result (or the error it throws) goes back to the pool, `emit` posts an event on the way. Does nothing
 * except on a worker thread started by a JobPool of this kind.
 */
export function serveJobs<J, R, E = never, D = unknown>(
  kind: string,
  setup: (data: D) => ((job: J, emit: (event: E) => void) => R | Promise<R>) | Promise<(job: J, emit: (event: E) => void) => R | Promise<R>>,
): void {
  // runs when a worker's module loads, so it must not throw where there are no threads (a browser)
  const threads = optionalNodeBuiltin('worker_threads');
  if (!threads) return;
  const started = threads.workerData as { whittleJobPool?: string; data: D } | null;
  if (threads.isMainThread || started?.whittleJobPool !== kind) return;
  const port = threads.parentPort!;
  const failure = (e: unknown) => ({ message: (e as Error)?.message ?? String(e), argument: e instanceof ArgumentError });
  const emit = (event: E): void => port.postMessage({ type: 'event', event });
  void (async () => {
    let handle: Awaited<ReturnType<typeof setup>>;
    try {
      handle = await setup(started.data);
    } catch (e) {
      port.postMessage({ type: 'fatal', ...failure(e) });
      return;
    }
    port.on('message', async (job: J) => {
      try {
        // a result crosses as it is (plain objects and typed arrays, structured-cloned)
        port.postMessage({ type: 'done', result: await handle(job, emit) });
      } catch (e) {
        port.postMessage({ type: 'failed', ...failure(e) });
      }
    });
    port.postMessage({ type: 'ready' });
  })();
}

/**
 * A worker thread running the module at `url` with `data` as its workerData: this package's compiled .js, or its
 * TypeScript source through tsx (as under vitest), whose worker must not register tsx process-wide.
 */
function moduleWorker(url: string, data: unknown, name: string): Worker {
  const { Worker } = nodeBuiltin('worker_threads', name, 'use workers: 1');
  const execArgv = workerExecArgv();
  return isTypeScript(url)
    ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`, { eval: true, workerData: data, execArgv })
    : new Worker(new URL(url), { workerData: data, execArgv });
}

export function isTypeScript(url: string): boolean {
  return /\.(ts|mts|cts)$/.test(url);
}

/** tsx's ESM API entry, to load TypeScript on a thread or in this one without registering tsx process-wide. */
export function tsxApiUrl(): string {
  const op = 'worker threads';
  const [fs, path, module] = [nodeBuiltin('fs', op), nodeBuiltin('path', op), nodeBuiltin('module', op)];
  let pkgFile: string;
  try {
    pkgFile = module.createRequire(import.meta.url).resolve('tsx/package.json');
  } catch {
    throw new ArgumentError('worker threads: running TypeScript on worker threads needs the tsx package, got none installed');
  }
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return nodeBuiltin('url', op).pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}
