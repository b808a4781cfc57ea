// AutoML's cross-validation fits on worker threads: each worker holds the table, the encoded target and the folds
// (sent once, when it starts) and fits one pipeline on one fold at a time, limited by a deadline on the process clock
// (ms since the epoch, the clock every thread shares), and sends back the held-out predictions. The search loop
// stays on the main thread; with `workers` trials in flight at once each awaits its folds here (this file is also
// the worker's entry).
import { isMainThread, parentPort, type Worker, workerData } from 'node:worker_threads';
import { WhittleError } from '../../core/errors.js';
import { setNumThreads } from '../../kernels/cpu/pool.js';
import { moduleWorker, startAll } from '../workers.js';
import { complement } from './cv.js';
import { TimeLimitExceeded, withDeadline } from './deadline.js';
import { type Table, subsetTable } from './frame.js';
import type { Task } from './learner.js';
import { type Matrix, type Target, takeTarget } from './matrix.js';
import { Pipeline, type PipelineSpec } from './pipeline.js';

/** Milliseconds since the epoch with performance.now's fraction: the same on every thread. */
export const processClock = (): number => performance.timeOrigin + performance.now();

/** What every fold fit needs: the feature columns, the encoded target, the folds' test rows. */
export interface FoldContext {
  features: Table;
  target: string;
  task: Task;
  y: Target;
  classes: string[];
  /** Test rows of each fold (all repeats, in order); the training rows are the rest. */
  folds: Int32Array[];
}

/** A fold fit's held-out predictions, or `late` when it ran past its deadline. */
export type FoldFit = { proba: Matrix } | { pred: Float64Array } | { late: true };

interface Fold {
  test: Int32Array;
  trainTable: Table;
  testTable: Table;
  trainY: Target;
}

/** The fold tables, built when first asked for. */
export function foldTables(ctx: FoldContext): (i: number) => Fold {
  const built = new Map<number, Fold>();
  const n = ctx.features.nRows;
  return (i) => {
    let f = built.get(i);
    if (!f) {
      const test = ctx.folds[i];
      const train = complement(n, test);
      f = { test, trainTable: subsetTable(ctx.features, train), testTable: subsetTable(ctx.features, test), trainY: takeTarget(ctx.y, train) };
      built.set(i, f);
    }
    return f;
  };
}

/** Fits `spec` on fold `i`'s training rows and predicts its test rows, stopping at `deadline` (ms on `clock`). */
export function fitFold(ctx: FoldContext, fold: Fold, spec: PipelineSpec, deadline: number, clock: () => number): FoldFit {
  try {
    return withDeadline(
      deadline,
      () => {
        const p = new Pipeline(spec).fitEncoded(fold.trainTable, { task: ctx.task, y: fold.trainY, classes: ctx.classes }, ctx.target);
        return ctx.task === 'classification' ? { proba: p.predictProba(fold.testTable) } : { pred: p.predictEncoded(fold.testTable) as Float64Array };
      },
      clock,
    );
  } catch (e) {
    if (e instanceof TimeLimitExceeded) return { late: true };
    throw e;
  }
}

interface Job {
  id: number;
  spec: PipelineSpec;
  fold: number;
  deadline: number;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'fit'; id: number; fit: FoldFit }
  | { type: 'failed'; id: number; message: string };

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * `size` worker threads that fit folds, one at a time each; fits beyond the free workers wait in a queue. A fit that
 * throws rejects its promise with the error's message; a worker that dies fails its fit and is replaced.
 */
export class FoldPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { job: Job; resolve: (f: FoldFit) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (f: FoldFit) => void; reject: (e: Error) => void; slot: Slot }>();
  private nextId = 0;
  private closed = false;

  private constructor(private readonly ctx: FoldContext) {}

  /** Starts `size` workers and waits until each holds the data. */
  static async create(size: number, ctx: FoldContext): Promise<FoldPool> {
    const pool = new FoldPool(ctx);
    await startAll(size, () => pool.spawn(), () => pool.close());
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  fit(spec: PipelineSpec, fold: number, deadline: number): Promise<FoldFit> {
    if (this.closed) return Promise.reject(new WhittleError('automl: the fold workers are closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, spec, fold, deadline }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new WhittleError('automl: the fold workers closed before the fit started'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const q = this.queue.shift()!;
      slot.busy = true;
      this.pending.set(q.job.id, { resolve: q.resolve, reject: q.reject, slot });
      slot.worker.postMessage(q.job);
    }
  }

  private spawn(): Promise<void> {
    const c = this.ctx;
    const worker = moduleWorker(import.meta.url, { whittleFoldWorker: 1, ctx: c });
    const slot: Slot = { worker, busy: true }; // busy until ready
    this.slots.push(slot);
    let ready = false;
    let gone = false;
    return new Promise((resolveReady, rejectReady) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          ready = true;
          slot.busy = false;
          resolveReady();
          this.dispatch();
          return;
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        slot.busy = false;
        if (p) {
          if (m.type === 'failed') p.reject(new WhittleError(m.message));
          else p.resolve(m.fit);
        }
        this.dispatch();
      });
      const lost = (why: string): void => {
        if (gone || this.closed) return;
        gone = true;
        this.slots.splice(this.slots.indexOf(slot), 1);
        if (!ready) {
          rejectReady(new WhittleError(`automl: a fold worker failed to start, ${why}`));
          return;
        }
        for (const [id, p] of this.pending) {
          if (p.slot !== slot) continue;
          this.pending.delete(id);
          p.reject(new WhittleError(`automl: the fold worker died: ${why}`));
        }
        // keep the pool at its size: one crashed fit must not shrink it
        this.spawn().catch(() => {
          if (this.slots.length === 0) for (const q of this.queue.splice(0)) q.reject(new WhittleError(`automl: no fold worker could be started, ${why}`));
        });
      };
      worker.on('error', (e) => lost(e.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }
}

function workerMain(): void {
  const port = parentPort!;
  const ctx = (workerData as { ctx: FoldContext }).ctx;
  // the trials are the parallel work: a large product inside one fit stays on this thread
  setNumThreads(1);
  const fold = foldTables(ctx);
  port.on('message', (job: Job) => {
    try {
      // a fit's result is plain objects and typed arrays: it crosses as it is
      port.postMessage({ type: 'fit', id: job.id, fit: fitFold(ctx, fold(job.fold), job.spec, job.deadline, processClock) });
    } catch (e) {
      port.postMessage({ type: 'failed', id: job.id, message: (e as Error)?.message ?? String(e) });
    }
  });
  port.postMessage({ type: 'ready' });
}

if (!isMainThread && (workerData as { whittleFoldWorker?: number } | null)?.whittleFoldWorker === 1) workerMain();
