// A training loop measured in (fractional) epochs with checkpoints inside epochs: what a trial needs
// to report to Hyperband at rungs like 1/3 epoch, and to stop on a deadline.

import { ArgumentError } from '../../core/errors.js';
import type { DataLoader } from '../../core/data/dataset.js';
import { crossEntropy } from '../../core/nn/losses.js';
import type { Module } from '../../core/nn/module.js';
import type { Optimizer } from '../../core/optim/optimizer.js';
import { requireBatches, trainingBatches } from '../../core/train.js';

export interface TrainLoopOptions {
  /** Cosine decay of the learning rate to zero over the run, per batch (default false). */
  cosine?: boolean;
  /** Checkpoints per epoch (default 1). */
  evalsPerEpoch?: number;
  /**
   * Called at each checkpoint with the epochs done so far: k / evalsPerEpoch for the last report point the steps have
   * passed (one call where an epoch has fewer batches than reports), and the asked epochs at the end; may throw to stop.
   */
  onCheckpoint?: (epochs: number) => void;
  /** Stop after the batch that passes this time (Date.now() milliseconds: the same clock on every thread). */
  deadline?: number;
  /**
   * A time limit in milliseconds: training ends at `epochs` or at this much time, whichever comes
   * first, and the cosine follows whichever is further along, so a time-limited run still ends with
   * a decayed learning rate.
   */
  timeLimitMs?: number;
}

/**
 * Trains for `epochs` epochs (a fraction of one allowed); returns the epochs actually trained. A model with a
 * BatchNorm leaves out a last batch of one row each epoch, as fit() does (trainingBatches in core/train.ts).
 */
export function trainEpochs(model: Module, loader: DataLoader, optimizer: Optimizer, epochs: number, o: TrainLoopOptions = {}): number {
  if (!(epochs >= 0)) throw new ArgumentError(`trainEpochs: epochs must be >= 0, got ${epochs}`);
  const evals = o.evalsPerEpoch ?? 1;
  if (!(Number.isInteger(evals) && evals >= 1)) throw new ArgumentError(`trainEpochs: evalsPerEpoch must be a positive integer, got ${evals}`);
  // with no batch to take, `while (step < total)` would never advance: a loader over no rows had hung the trial
  if (epochs > 0) requireBatches('trainEpochs: the loader', loader);
  // a model with BatchNorm leaves out a last batch of one row (see trainingBatches): an epoch is the batches it trains on
  const batches = trainingBatches(model.train(), loader);
  const perEpoch = batches.count;
  const total = Math.max(epochs > 0 ? 1 : 0, Math.round(epochs * perEpoch));
  const baseLr = optimizer.lr;
  const t0 = Date.now();
  const progress = (step: number) => Math.max(step / total, o.timeLimitMs ? (Date.now() - t0) / o.timeLimitMs : 0);
  let step = 0;
  // Report point k (k / evals epochs) is reached at the first step that has trained that much: ceil(k * perEpoch / evals).
  // With fewer batches an epoch than reports, several points fall on one step: it reports once, the last of them,
  // so a label never exceeds the epochs trained and every point is reported at or before the step that passes it.
  // (Rounded boundaries had let two points share a step and the loop had waited for the second one forever:
  // 2 batches an epoch and 3 reports reported only at 1/3 and at the end.)
  let reported = 0;
  while (step < total) {
    for (const [x, y] of batches) {
      if (o.cosine) optimizer.lr = (baseLr * (1 + Math.cos(Math.PI * Math.min(1, progress(step))))) / 2;
      const loss = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      step++;
      const timeUp = (o.deadline !== undefined && Date.now() >= o.deadline) || (o.timeLimitMs !== undefined && progress(step) >= 1);
      if (step === total || timeUp) {
        optimizer.lr = baseLr;
        const done = step === total ? epochs : step / perEpoch;
        o.onCheckpoint?.(done);
        return done;
      }
      const reached = Math.floor((step * evals) / perEpoch);
      if (reached > reported) {
        reported = reached;
        o.onCheckpoint?.(reached / evals);
        model.train();
      }
    }
  }
  optimizer.lr = baseLr;
  return epochs;
}
