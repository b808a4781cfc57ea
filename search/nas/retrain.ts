// Retraining the chosen architecture: a fresh model on the full training data (train + validation)
// for more epochs than a trial had, with a cosine schedule that follows a time limit when one is given,
// then pruned and fine-tuned as the search's trials were, and scored on the test set.

import { ArgumentError } from '../../core/errors.js';
import { DataLoader, type TensorDataset } from '../../core/data/dataset.js';
import type { Sequential } from '../../core/nn/layers.js';
import { Adam } from '../../core/optim/adam.js';
import { evaluate } from '../../core/train.js';
import type { TrialRecord } from '../strategies/types.js';
import type { Config } from '../space.js';
import { buildModel, countParameters, readConfig, type NasArch } from './builder.js';
import { compressAndScore, type CompressionOptions } from './compression.js';
import { measureLatency, type LatencyOptions } from './latency.js';
import { trainEpochs } from './train-loop.js';

export interface RetrainOptions {
  /** Default 3 x epochsPerTrial. */
  epochs?: number;
  /** Time limit of the training (data loading included); the cosine schedule follows the clock when it binds. */
  seconds?: number;
  /** Train on train + validation (default true). */
  includeVal?: boolean;
  /** Called after each epoch (and at the end) with the epochs done. */
  onEpoch?: (epochs: number) => void;
}

export interface RetrainedModel {
  readonly model: Sequential;
  readonly arch: NasArch;
  readonly params: number;
  /** Parameters that are not pruned zeros. */
  readonly nonzeroParams: number;
  readonly sparsity?: number;
  readonly epochs: number;
  readonly seconds: number;
  readonly testAccuracy?: number;
  readonly latencyMs: number;
}

export function retrainModel(
  best: TrialRecord<Config> & { arch: NasArch },
  o: RetrainOptions & { seed: number; epochsPerTrial: number; compression?: CompressionOptions; latency?: LatencyOptions; data: () => TensorDataset; test?: () => TensorDataset },
): RetrainedModel {
  const t0 = performance.now();
  const arch = best.arch;
  const c = readConfig(arch.config);
  const epochs = o.epochs ?? 3 * o.epochsPerTrial;
  if (!(epochs > 0)) throw new ArgumentError(`nas: retrain epochs must be > 0, got ${epochs}`);
  const train = o.data();
  const model = buildModel(arch, { seed: o.seed });
  const loader = new DataLoader(train, { batchSize: c.batchSize, shuffle: true, seed: o.seed });
  const optimizer = new Adam(model.parameters(), { lr: c.lr });
  const seconds0 = (performance.now() - t0) / 1000;
  const timeLimitMs = o.seconds !== undefined ? Math.max(1, (o.seconds - seconds0) * 1000) : undefined;
  let done = trainEpochs(model, loader, optimizer, epochs, { cosine: true, timeLimitMs, onCheckpoint: o.onEpoch });
  const test = o.test?.();
  const params = countParameters(arch);
  let nonzeroParams = params;
  let sparsity: number | undefined;
  if (o.compression?.sparsity) {
    const s = compressAndScore(model, { train, val: test ?? train.slice(0, Math.min(1000, train.length)) }, { sparsity: o.compression.sparsity, fineTuneEpochs: o.compression.fineTuneEpochs, fineTuneLrScale: o.compression.fineTuneLrScale, lr: c.lr, batchSize: c.batchSize, seed: o.seed, accuracyBefore: NaN });
    nonzeroParams = s.nonzeroParams;
    sparsity = s.sparsity;
    done += s.fineTuneEpochs;
  }
  const seconds = (performance.now() - t0) / 1000;
  const testAccuracy = test ? evaluate(model, test).accuracy : undefined;
  model.eval();
  const latencyMs = measureLatency(model, arch.inputShape, o.latency);
  return { model, arch, params, nonzeroParams, ...(sparsity !== undefined ? { sparsity } : {}), epochs: done, seconds, ...(testAccuracy !== undefined ? { testAccuracy } : {}), latencyMs };
}
