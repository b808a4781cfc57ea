// AutoML's cross-validation fits on worker threads: each worker holds the table, the encoded target and the folds
// (sent once, when it starts) and fits one pipeline on one fold at a time, limited by a deadline on the process clock
// (ms since the epoch, the clock every thread shares), and sends back the held-out predictions; after the search it
// refits pipelines on all rows and sends them back as JSON. The search loop stays on the main thread; with `workers`
// trials in flight at once each awaits its folds here (this file is also the workers' entry).
import { setNumThreads } from '../../kernels/cpu/pool.js';
import { JobPool, serveJobs } from '../job-pool.js';
import { complement } from './cv.js';
import { beforeDeadline } from './deadline.js';
import { type Table, subsetTable } from './frame.js';
import type { Task } from './learner.js';
import { type Matrix, type Target, takeTarget } from './matrix.js';
import { type LabelType, Pipeline, type PipelineJSON, type PipelineSpec, asGaps } from './pipeline.js';

/** Milliseconds since the epoch with performance.now's fraction: the same on every thread. */
export const processClock = (): number => performance.timeOrigin + performance.now();

/** What every fold fit needs: the feature columns, the encoded target, the folds' test rows. */
export interface FoldContext {
  features: Table;
  target: string;
  task: Task;
  y: Target;
  classes: string[];
  /** What the refitted pipelines' predict returns the classes as (absent: strings); the fold fits need not know. */
  labels?: LabelType;
  /** Test rows of each fold (all repeats, in order); the training rows are the rest. */
  folds: Int32Array[];
  /** Every row, when `features` and `y` are a sample of them (AutoML's sampleRows): what a refit on all rows reads. */
  all?: { features: Table; y: Target };
}

/** A fold fit's held-out predictions, or `late` when it ran past its deadline. */
export type FoldFit = { proba: Matrix } | { pred: Float64Array } | { late: true };

interface Fold {
  test: Int32Array;
  trainTable: Table;
  testTable: Table;
  trainY: Target;
}

/**
 * The fold tables, built when first asked for and kept when all of them hold at most `maxCells` cells (default 2^24,
 * 128 MiB of numbers); past that each is built for its fit and dropped. All folds hold the table once per fold, in
 * every thread that fits: on 200,000 rows x 21 columns 5 folds held 180 MB a worker, and building a fold's tables
 * there takes some 40 ms, a few percent of the cheapest fit.
 */
export function foldTables(ctx: FoldContext, maxCells = 1 << 24): (i: number) => Fold {
  const built = new Map<number, Fold>();
  const n = ctx.features.nRows;
  // each fold's tables hold every row once (its training rows and its test rows)
  const keep = n * ctx.features.columns.length * ctx.folds.length <= maxCells;
  return (i) => {
    let f = built.get(i);
    if (!f) {
      const test = ctx.folds[i];
      const train = complement(n, test);
      f = { test, trainTable: subsetTable(ctx.features, train), testTable: subsetTable(ctx.features, test), trainY: takeTarget(ctx.y, train) };
      if (keep) built.set(i, f);
    }
    return f;
  };
}

/** Fits `spec` on fold `i`'s training rows and predicts its test rows, stopping at `deadline` (ms on `clock`). */
export function fitFold(ctx: FoldContext, fold: Fold, spec: PipelineSpec, deadline: number, clock: () => number): FoldFit {
  const fit = (): FoldFit => {
    const p = new Pipeline(spec).fitEncoded(fold.trainTable, { task: ctx.task, y: fold.trainY, classes: ctx.classes }, ctx.target);
    // a test row the fold's preprocessing cannot read (a fold fitted on dates, a non-date among its test rows; an
    // infinite number) is a gap, as in training: the data are the user's, already checked and noted once
    return ctx.task === 'classification' ? { proba: p.predictProba(fold.testTable, asGaps) } : { pred: p.predictEncoded(fold.testTable, asGaps) as Float64Array };
  };
  return beforeDeadline(deadline, fit, clock) ?? { late: true };
}

/**
 * A fold fit (held-out predictions back) or, for fold 'all', a refit on the rows searched, or with `every` on every row
 * (the fitted pipeline back, as JSON).
 */
type Job = { fold: number | 'all'; spec: PipelineSpec; deadline: number; every?: boolean };

/** A refit's pipeline as JSON, or `late` when it ran past its deadline. */
export type Refit = { pipeline: PipelineJSON } | { late: true };

/**
 * `size` worker threads that fit folds, one at a time each; fits beyond the free workers wait in a queue. A fit that
 * throws rejects its promise with the error's message; a worker that dies fails its fit and is replaced.
 */
export class FoldPool {
  private constructor(private readonly jobs: JobPool<Job, FoldFit | Refit, never, FoldContext>) {}

  /** Starts `size` workers and waits until each holds the data. */
  static async create(size: number, ctx: FoldContext): Promise<FoldPool> {
    return new FoldPool(await JobPool.create(size, { url: import.meta.url, kind: 'automl-fold', data: () => ctx, name: 'automl: the fold worker' }));
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Fits `spec` on fold `fold`'s training rows and predicts its test rows, stopping at `deadline`. */
  fit(spec: PipelineSpec, fold: number, deadline: number): Promise<FoldFit> {
    return this.jobs.run({ spec, fold, deadline }) as Promise<FoldFit>;
  }

  /**
   * Fits `spec` on all rows searched, or with `every` on every row of the table (ctx.all), stopping at `deadline`
   * (Pipeline.fromJSON on the result predicts as the fit would).
   */
  refit(spec: PipelineSpec, deadline: number, every = false): Promise<Refit> {
    return this.jobs.run({ spec, fold: 'all', deadline, every }) as Promise<Refit>;
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}

/** Fits `spec` on the rows `ctx` searched, or with `every` on every row (ctx.all when they were a sample), stopping at `deadline` (ms on `clock`). */
export function refitAll(ctx: FoldContext, spec: PipelineSpec, deadline: number, clock: () => number, every = false): Pipeline | undefined {
  const { features, y } = every && ctx.all ? ctx.all : ctx;
  return beforeDeadline(deadline, () => new Pipeline(spec).fitEncoded(features, { task: ctx.task, y, classes: ctx.classes, labels: ctx.labels }, ctx.target), clock);
}

// a fold worker: the table and folds arrive once; the fold tables are built when a fit first needs them
serveJobs<Job, FoldFit | Refit, never, FoldContext>('automl-fold', (ctx) => {
  // the trials are the parallel work: a large product inside one fit stays on this thread
  setNumThreads(1);
  const fold = foldTables(ctx);
  return (job) => {
    if (job.fold !== 'all') return fitFold(ctx, fold(job.fold), job.spec, job.deadline, processClock);
    const p = refitAll(ctx, job.spec, job.deadline, processClock, job.every);
    return p ? { pipeline: p.toJSON() } : { late: true };
  };
});
