// A fit() loop a user would recognise: epochs over a DataLoader, loss, accuracy, samples/s, optional validation.
import type { Tensor } from './tensor.js';
import type { Module } from './nn/module.js';
import type { Optimizer } from './optim/optimizer.js';
import type { LRScheduler } from './optim/schedulers.js';
import { DataLoader, type TensorDataset } from './data/dataset.js';
import { usesBatchStatistics } from './nn/layers.js';
import { crossEntropy, accuracy as batchAccuracy } from './nn/losses.js';
import { noGrad } from './autograd.js';
import { concat } from './ops.js';
import { ArgumentError, NumericError, fmtShape } from './errors.js';

export interface EpochStats {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  samplesPerSecond: number;
  lr: number;
}

export interface FitOptions {
  epochs: number;
  optimizer: Optimizer;
  /** Loss from (logits, targets, inputs); default cross-entropy. */
  loss?: (out: Tensor, y: Tensor, x: Tensor) => Tensor;
  scheduler?: LRScheduler;
  /** Step the scheduler per batch instead of per epoch. */
  schedulePerBatch?: boolean;
  val?: TensorDataset | DataLoader;
  /** Called with one line per epoch (and per `logEvery` batches); default: silent. */
  log?: (line: string) => void;
  logEvery?: number;
  onEpoch?: (s: EpochStats) => void;
  /** Called after every optimizer step (gradual pruning schedules hook here). */
  onStep?: (step: number) => void;
  /** Stops after the current batch when it returns true (e.g. a Ctrl-C flag). */
  shouldStop?: () => boolean;
  /**
   * What a NaN or infinite loss, or a parameter left non-finite by a step, does: 'throw' (default) a NumericError
   * naming the epoch and batch, since every later step only spreads the NaN and the model is lost; 'continue'
   * trains on regardless (to study a divergence).
   */
  onNonFinite?: 'throw' | 'continue';
}

/** The first parameter (by position) holding a NaN or an infinity, or -1; v - v is NaN exactly for those. */
function firstNonFinite(params: readonly Tensor[]): number {
  for (let i = 0; i < params.length; i++) {
    const d = params[i].data;
    for (let j = 0; j < d.length; j++) if (d[j] - d[j] !== 0) return i;
  }
  return -1;
}

/** The batches one training epoch takes from a loader for a model: `count` of them, in the loader's order. */
export interface TrainingBatches extends Iterable<[Tensor, Tensor]> {
  readonly count: number;
  /** True when the loader's last batch, of one row, is left out. */
  readonly skipsLast: boolean;
}

/**
 * The batches a training epoch of `model` takes from `loader`. A model that holds a BatchNorm in training mode cannot
 * train on a batch of one row (BatchNorm throws, as PyTorch's does), so for such a model a last batch of exactly one
 * row, which N = k * batchSize + 1 rows leave, is left out of every epoch, as PyTorch users pass drop_last=True (with
 * shuffle the row left out changes each epoch). Any other model gets every batch the loader yields, unchanged. The
 * loader draws its permutations as before, so the batches that are kept are exactly the loader's. fit(), fitAsync(),
 * iterativePrune(), gradualPrune(), distill() and NAS trials all train through this. Call it with the model in the
 * mode it trains in (after model.train()).
 */
export function trainingBatches(model: Module, loader: DataLoader): TrainingBatches {
  const n = loader.dataset.length;
  const lastRows = n - (loader.numBatches - 1) * loader.batchSize;
  // batchSize 1 makes every batch one row: nothing to leave out, and BatchNorm's error says what is wrong
  const skipsLast = loader.batchSize > 1 && loader.numBatches > 1 && lastRows === 1 && usesBatchStatistics(model);
  const count = loader.numBatches - (skipsLast ? 1 : 0);
  return {
    count,
    skipsLast,
    *[Symbol.iterator]() {
      if (!skipsLast) return yield* loader;
      let b = 0;
      for (const batch of loader) {
        if (b++ === count) return;
        yield batch;
      }
    },
  };
}

/** Refuses a loader that yields no batch (fewer rows than one batch with dropLast, or none); `what` names it. */
export function requireBatches(what: string, loader: DataLoader): void {
  if (loader.numBatches > 0) return;
  throw new ArgumentError(`${what} must yield at least one batch, got none from ${loader.dataset.length} rows with batchSize ${loader.batchSize}${loader.dropLast ? ' and dropLast' : ''}`);
}

/**
 * The training loop as a generator that yields after every batch, so fit() can run it straight through and
 * fitAsync() can hand the event loop a turn between batches (signal handlers, progress, timers).
 */
export function* fitSteps(model: Module, train: DataLoader, o: FitOptions): Generator<void, EpochStats[]> {
  // an empty loader would return epochs of loss 0 and accuracy 0 from a model that never took a step
  requireBatches('fit: the training loader', train);
  const lossFn = o.loss ?? ((out: Tensor, y: Tensor) => crossEntropy(out, y));
  const history: EpochStats[] = [];
  const batches = trainingBatches(model.train(), train);
  const checkFinite = (o.onNonFinite ?? 'throw') === 'throw';
  const diverged = (what: string, epoch: number, b: number) =>
    new NumericError(`fit: training diverged at epoch ${epoch}, batch ${b + 1} of ${batches.count} (lr ${o.optimizer.lr.toPrecision(3)}): ${what}; try a lower learning rate`);
  let step = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    let lossSum = 0, correct = 0, seen = 0, b = 0;
    for (const [x, y] of batches) {
      const out = model.forward(x);
      const loss = lossFn(out, y, x);
      const lossValue = loss.item();
      // checked before the step, so a NaN loss leaves the parameters as the last finite step left them
      if (checkFinite && !Number.isFinite(lossValue)) throw diverged(`the loss is ${lossValue}`, epoch, b);
      o.optimizer.zeroGrad();
      loss.backward();
      o.optimizer.step();
      // a finite loss can still give a step that overflows a weight (lr 1e6): the next loss would be NaN, but
      // after the last batch nothing would look, and a NaN model would be returned as trained
      if (checkFinite) {
        const bad = firstNonFinite(o.optimizer.params);
        if (bad >= 0) {
          const p = o.optimizer.params[bad];
          const name = model.namedParameters().find(([, t]) => t === p)?.[0] ?? `#${bad}`;
          throw diverged(`the step left parameter ${name} ${fmtShape(p.shape)} non-finite`, epoch, b);
        }
      }
      step++;
      o.onStep?.(step);
      if (o.scheduler && o.schedulePerBatch) o.scheduler.step();
      const n = x.shape[0];
      lossSum += lossValue * n;
      if (out.rank === 2 && y.rank === 1) correct += batchAccuracy(out, y) * n;
      seen += n;
      b++;
      if (o.log && o.logEvery && b % o.logEvery === 0) o.log(`  epoch ${epoch} batch ${b}/${batches.count} loss ${(lossSum / seen).toFixed(4)}`);
      yield;
      if (o.shouldStop?.()) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats: EpochStats = { epoch, loss: lossSum / Math.max(seen, 1), trainAccuracy: correct / Math.max(seen, 1), seconds, samplesPerSecond: seen / seconds, lr: o.optimizer.lr };
    if (o.val) {
      const v = evaluate(model, o.val);
      stats.valLoss = v.loss;
      stats.valAccuracy = v.accuracy;
    }
    if (o.scheduler && !o.schedulePerBatch) o.scheduler.step();
    history.push(stats);
    o.onEpoch?.(stats);
    o.log?.(formatEpoch(stats, o.epochs));
    if (o.shouldStop?.()) break;
  }
  return history;
}

/** Runs a step generator (fitSteps, iterativePruneSteps, ...) straight through and returns its result. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** runSteps that gives the event loop a turn after every step, so Ctrl-C handlers and timers run during the work. */
export async function runStepsAsync<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    // a browser has no setImmediate: a timer's turn there
    await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
  }
}

/**
 * Trains for o.epochs (or until o.shouldStop()), returning per-epoch statistics. A model with a BatchNorm leaves out a
 * last batch of one row each epoch (see trainingBatches); any other model trains on every batch of the loader.
 */
export function fit(model: Module, train: DataLoader, o: FitOptions): EpochStats[] {
  return runSteps(fitSteps(model, train, o));
}

/** fit() that gives the event loop a turn after every batch: Ctrl-C handlers and timers run during training. */
export function fitAsync(model: Module, train: DataLoader, o: FitOptions): Promise<EpochStats[]> {
  return runStepsAsync(fitSteps(model, train, o));
}

export function formatEpoch(s: EpochStats, epochs: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  return `epoch ${s.epoch}/${epochs}  loss ${s.loss.toFixed(4)}  acc ${pct(s.trainAccuracy)}` +
    (s.valAccuracy !== undefined ? `  val loss ${s.valLoss!.toFixed(4)}  val acc ${pct(s.valAccuracy)}` : '') +
    `  ${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s  ${s.seconds.toFixed(1)}s  lr ${s.lr.toPrecision(3)}`;
}

/** Runs the model in eval mode without recording; returns mean cross-entropy and accuracy. */
export function evaluate(model: Module, data: TensorDataset | DataLoader, batchSize = 1000): { loss: number; accuracy: number } {
  const loader = data instanceof DataLoader ? data : new DataLoader(data, { batchSize });
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0, correct = 0, seen = 0;
  noGrad(() => {
    for (const [x, y] of loader) {
      const out = model.forward(x);
      const n = x.shape[0];
      lossSum += crossEntropy(out, y).item() * n;
      correct += batchAccuracy(out, y) * n;
      seen += n;
    }
  });
  model.train(wasTraining);
  return { loss: lossSum / Math.max(seen, 1), accuracy: correct / Math.max(seen, 1) };
}

/**
 * Model outputs for all rows of x, in batches, without recording. No rows run as one empty batch, so the result is
 * what model.call gives them ([0, classes]); they had made no batch, and concat refused the empty list.
 */
export function predict(model: Module, x: Tensor, batchSize = 1000): Tensor {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  const wasTraining = model.training;
  model.eval();
  const outs: Tensor[] = [];
  try {
    noGrad(() => {
      if (x.rank === 0 || x.shape[0] === 0) outs.push(model.forward(x));
      for (let i = 0; i < x.shape[0]; i += batchSize) outs.push(model.forward(x.slice([i], [Math.min(i + batchSize, x.shape[0])])));
    });
  } finally {
    model.train(wasTraining);
  }
  return concat(outs, 0);
}
