// Compression-aware scoring: a trial prunes (magnitude, per layer) and fine-tunes its trained model
// with the masks held, and/or quantizes it to int8 (post-training, calibrated on training batches),
// then is scored on what it became. Pruning and quantization are compress/'s; only the plumbing is here.

import { ArgumentError } from '../../core/errors.js';
import { DataLoader, type TensorDataset } from '../../core/data/dataset.js';
import type { Sequential } from '../../core/nn/layers.js';
import type { Module } from '../../core/nn/module.js';
import type { Tensor } from '../../core/tensor.js';
import { Adam } from '../../core/optim/adam.js';
import { evaluate } from '../../core/train.js';
import { magnitudePrune, weightSparsity } from '../../compress/prune.js';
import { quantizeModel } from '../../compress/quantize.js';
import { trainEpochs } from './train-loop.js';

export interface CompressionOptions {
  /** Fraction of Linear/Conv2d weights set to zero per layer, in [0,1) (e.g. 0.8). */
  sparsity?: number;
  /** Fine-tuning after pruning, in epochs of the training split (fractions allowed; default 0.5). */
  fineTuneEpochs?: number;
  /** Learning rate of the fine-tune as a fraction of the trial's (default 0.3). */
  fineTuneLrScale?: number;
  /** Post-training int8 quantization after pruning. */
  quantize?: 'int8';
  /** Training batches used to calibrate activation ranges (default 8). */
  calibrationBatches?: number;
}

/** What compressAndScore does where an option is not given. */
export const COMPRESSION_DEFAULTS = { fineTuneEpochs: 0.5, fineTuneLrScale: 0.3, calibrationBatches: 8 } as const;

export interface CompressedScore {
  /** The model that is scored: the pruned float model, or its int8 version. */
  model: Module;
  /** Validation accuracy before compression. */
  accuracyBefore: number;
  /** Validation accuracy of the compressed model. */
  accuracy: number;
  /** Zeros among prunable weights, counted from the weights. */
  sparsity: number;
  /** Parameters that are not pruned zeros. */
  nonzeroParams: number;
  /** Epochs spent fine-tuning. */
  fineTuneEpochs: number;
}

export function checkCompression(c: CompressionOptions): void {
  if (c.sparsity !== undefined && !(c.sparsity >= 0 && c.sparsity < 1)) throw new ArgumentError(`compression: sparsity must be in [0,1), got ${c.sparsity}`);
  if (c.fineTuneEpochs !== undefined && !(c.fineTuneEpochs >= 0)) throw new ArgumentError(`compression: fineTuneEpochs must be >= 0, got ${c.fineTuneEpochs}`);
  if (c.quantize !== undefined && c.quantize !== 'int8') throw new ArgumentError(`compression: quantize must be 'int8', got ${String(c.quantize)}`);
  if (c.sparsity === undefined && c.quantize === undefined) throw new ArgumentError('compression: give a sparsity or quantize, got neither');
}

/** Prunes and fine-tunes `model` in place (and/or quantizes a copy of it) and scores the result on `val`. */
export function compressAndScore(
  model: Sequential,
  data: { train: TensorDataset; val: TensorDataset },
  o: CompressionOptions & { lr: number; batchSize: number; seed: number; accuracyBefore: number },
): CompressedScore {
  checkCompression(o);
  let fineTuneEpochs = 0;
  if (o.sparsity !== undefined && o.sparsity > 0) {
    const masks = magnitudePrune(model, { sparsity: o.sparsity });
    fineTuneEpochs = o.fineTuneEpochs ?? COMPRESSION_DEFAULTS.fineTuneEpochs;
    if (fineTuneEpochs > 0) {
      const optimizer = new Adam(model.parameters(), { lr: o.lr * (o.fineTuneLrScale ?? COMPRESSION_DEFAULTS.fineTuneLrScale) });
      const detach = masks.attach(optimizer);
      const loader = new DataLoader(data.train, { batchSize: o.batchSize, shuffle: true, seed: o.seed ^ 0x5eed });
      trainEpochs(model, loader, optimizer, fineTuneEpochs, { cosine: true });
      detach();
      masks.apply();
    }
  }
  const stats = weightSparsity(model);
  const prunedZeros = stats.size - stats.nonzero;
  const nonzeroParams = model.numParameters() - prunedZeros;
  let scored: Module = model;
  if (o.quantize === 'int8') {
    const calib = new DataLoader(data.train, { batchSize: 64 });
    scored = quantizeModel(model, firstBatches(calib, o.calibrationBatches ?? COMPRESSION_DEFAULTS.calibrationBatches));
  }
  const accuracy = evaluate(scored, data.val).accuracy;
  return { model: scored, accuracyBefore: o.accuracyBefore, accuracy, sparsity: stats.sparsity, nonzeroParams, fineTuneEpochs };
}

function firstBatches(loader: DataLoader, n: number): Array<[Tensor, Tensor]> {
  const out: Array<[Tensor, Tensor]> = [];
  for (const b of loader) {
    if (out.length >= n) break;
    out.push(b);
  }
  return out;
}
