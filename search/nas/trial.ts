// One NAS trial: build the configuration's model, train it on the training split for the trial's
// budget (reporting validation accuracy at checkpoints so Hyperband can stop it), optionally
// compress it, then measure what the study asked for: accuracy, parameters, latency.

import { ArgumentError } from '../../core/errors.js';
import { DataLoader, type TensorDataset } from '../../core/data/dataset.js';
import type { Module } from '../../core/nn/module.js';
import { Adam } from '../../core/optim/adam.js';
import { evaluate } from '../../core/train.js';
import type { Config } from '../space.js';
import type { Trial } from '../workers.js';
import { buildModel, countMacs, countParameters, readConfig, type NasArch } from './builder.js';
import { checkCompression, compressAndScore, type CompressionOptions } from './compression.js';
import { measureLatency, type LatencyOptions } from './latency.js';
import { trainEpochs } from './train-loop.js';

export type NasObjective = 'accuracy' | 'params' | 'latency';
export const OBJECTIVE_DIRECTIONS = { accuracy: 'maximize', params: 'minimize', latency: 'minimize' } as const;

/** How every trial of a study is run: plain JSON, so it can travel to worker threads. */
export interface TrialTask {
  readonly inputShape: readonly number[];
  readonly classes: number;
  /** What the trial measures; the Pareto front is taken over these. */
  readonly objectives: readonly NasObjective[];
  /** What the objective returns to the study, in order (default `objectives`; accuracy alone under a pruner). */
  readonly studyObjectives?: readonly NasObjective[];
  /** Epochs when the strategy sets no budget (Hyperband sets `trial.budget`). */
  readonly epochs: number;
  /** Validation checkpoints (reports) per epoch (default 1). */
  readonly evalsPerEpoch?: number;
  readonly latency?: LatencyOptions;
  readonly compression?: CompressionOptions;
  /** Date.now() after which a trial stops training and counts as pruned (the study's time budget). */
  readonly deadline?: number;
}

/** Everything a trial measured (more than the objectives it returns). */
export interface TrialMetrics {
  /** Validation accuracy of the scored model (after compression when compressing). */
  accuracy: number;
  /** Trainable parameters of the architecture. */
  params: number;
  /** Multiply-accumulates of one forward pass of one sample. */
  macs: number;
  /** Parameters left non-zero after pruning (equal to params without pruning). */
  nonzeroParams: number;
  /** Milliseconds per sample of the scored model on our kernels. */
  latencyMs?: number;
  /** Training epochs spent, fine-tuning included. */
  epochs: number;
  /** Compression: accuracy before, and the measured sparsity of prunable weights. */
  accuracyBeforeCompression?: number;
  sparsity?: number;
}

export function checkTask(task: TrialTask): void {
  if (task.objectives.length === 0) throw new ArgumentError('nas: objectives must name at least one of accuracy, params, latency, got none');
  for (const o of task.objectives) if (!(o in OBJECTIVE_DIRECTIONS)) throw new ArgumentError(`nas: objectives must be accuracy, params or latency, got '${o}'`);
  if (!(task.epochs > 0)) throw new ArgumentError(`nas: epochsPerTrial must be > 0, got ${task.epochs}`);
  if (task.compression) checkCompression(task.compression);
}

/** Trains and scores one configuration; reports validation accuracy at each checkpoint. */
export function runTrial(config: Config, trial: Trial, task: TrialTask, data: { train: TensorDataset; val: TensorDataset }): TrialMetrics {
  const arch: NasArch = { config, inputShape: task.inputShape, classes: task.classes };
  const c = readConfig(config);
  const params = countParameters(arch);
  const needsTraining = task.objectives.includes('accuracy');
  const model = buildModel(arch, { seed: trial.seed });
  let epochs = 0;
  let accuracy = NaN;
  if (needsTraining) {
    const loader = new DataLoader(data.train, { batchSize: c.batchSize, shuffle: true, seed: trial.seed });
    const optimizer = new Adam(model.parameters(), { lr: c.lr });
    const target = trial.budget ?? task.epochs;
    epochs = trainEpochs(model, loader, optimizer, target, {
      cosine: true,
      deadline: task.deadline,
      evalsPerEpoch: task.evalsPerEpoch ?? 1,
      onCheckpoint: (done) => {
        accuracy = evaluate(model, data.val).accuracy;
        trial.report(done, accuracy);
        if (trial.shouldPrune()) trial.prune();
      },
    });
    // Out of study time: the partial result is not comparable with finished trials.
    if (epochs < target) trial.prune();
  }
  const metrics: TrialMetrics = { accuracy, params, macs: countMacs(arch), nonzeroParams: params, epochs };
  let scored: Module = model;
  if (task.compression && needsTraining) {
    const s = compressAndScore(model, data, { ...task.compression, lr: c.lr, batchSize: c.batchSize, seed: trial.seed, accuracyBefore: accuracy });
    scored = s.model;
    Object.assign(metrics, { accuracy: s.accuracy, accuracyBeforeCompression: s.accuracyBefore, sparsity: s.sparsity, nonzeroParams: s.nonzeroParams, epochs: epochs + s.fineTuneEpochs });
  }
  if (task.objectives.includes('latency')) metrics.latencyMs = measureLatency(scored, task.inputShape, task.latency);
  return metrics;
}

/** The objective values of `metrics` in the task's order; `params` counts the non-zero ones when the trial prunes. */
export function objectiveValues(metrics: TrialMetrics, objectives: readonly NasObjective[]): number[] {
  return objectives.map((o) => (o === 'accuracy' ? metrics.accuracy : o === 'params' ? metrics.nonzeroParams : metrics.latencyMs ?? NaN));
}
