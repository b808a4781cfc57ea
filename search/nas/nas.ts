// nas(): the entry point. Runs a study over an architecture space (trials train on a training split
// and are scored on a validation split), takes the Pareto front over the asked objectives, picks the
// most accurate architecture within the constraints, and optionally retrains it on train+val for
// longer and scores it on the test set. Trials run in process, or on worker threads (workers > 1)
// through the module objective in objective.ts.

import { ArgumentError } from '../../core/errors.js';
import { mnistDataset, TensorDataset, trainValSplit } from '../../core/data/dataset.js';
import type { Sequential } from '../../core/nn/layers.js';
import { concat } from '../../core/ops.js';
import { paretoFront, type Direction } from '../pareto.js';
import type { ProgressReporter } from '../progress.js';
import type { Config, Space } from '../space.js';
import { optimize, searchWarning, type HistoryPoint, type TrialRecord } from '../study.js';
import { hyperband } from '../strategies/hyperband.js';
import { randomSearch } from '../strategies/random.js';
import { regularizedEvolution } from '../strategies/evolution.js';
import { tpe } from '../strategies/tpe.js';
import type { Strategy } from '../strategies/types.js';
import { buildModel, countMacs, countParameters, type NasArch } from './builder.js';
import { COMPRESSION_DEFAULTS, type CompressionOptions } from './compression.js';
import { LATENCY_DEFAULTS, measureLatency, type LatencyOptions } from './latency.js';
import { createTaskFolder, readTrialMetrics, removeTaskFolder, type DataSpec, type SplitData } from './objective.js';
import { retrainModel, type RetrainOptions, type RetrainedModel } from './retrain.js';
import { cnnSpace, mlpSpace } from './spaces.js';
import { checkTask, OBJECTIVE_DIRECTIONS, objectiveValues, runTrial, type NasObjective, type TrialMetrics, type TrialTask } from './trial.js';

export type StrategyName = 'random' | 'tpe' | 'evolution' | 'hyperband';

export interface NasOptions {
  /** 'mnist', one dataset (split into train/val), or explicit splits. */
  data: 'mnist' | TensorDataset | { train: TensorDataset; val?: TensorDataset; test?: TensorDataset };
  /** Default 'cnn'. A custom Space must produce configs the builder reads (see spaces.ts). */
  space?: 'mlp' | 'cnn' | Space;
  /** Default ['accuracy']. */
  objectives?: readonly NasObjective[];
  /** A strategy (a Hyperband strategy's resource is epochs), or a name; 'hyperband' runs ASHA with maxResource = epochsPerTrial, eta 3. Default 'random'. */
  strategy?: Strategy<Config> | StrategyName;
  trials?: number;
  /** Time budget of the search: no trial starts after it, and running ones stop at it (and count as pruned). */
  budgetSeconds?: number;
  /** Training epochs of a trial (fractions allowed); Hyperband's maximum resource. Default 1. */
  epochsPerTrial?: number;
  /** Validation reports per epoch (default 3 under a pruning strategy, else 1). */
  evalsPerEpoch?: number;
  seed?: number;
  /** Parallel trials on worker threads (default 1: in process). */
  workers?: number;
  journal?: string;
  onProgress?: boolean | ProgressReporter;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /** Validation share when no validation set is given (default 0.1). */
  valFraction?: number;
  /** MNIST sizes: images used by the search, by the retrain, and for the test (defaults: all). */
  mnist?: { search?: number; retrain?: number; test?: number };
  latency?: LatencyOptions;
  /** Compression-aware search: each trial is pruned and/or quantized before it is scored. */
  compression?: CompressionOptions;
  /** The chosen model must satisfy these: it is the most accurate complete trial that does. */
  constraints?: { maxParams?: number; maxLatencyMs?: number; maxMacs?: number };
  /** Retrain the chosen architecture (default false). */
  retrain?: boolean | RetrainOptions;
}

/** A trial with its architecture and everything it measured. */
export interface NasTrial extends TrialRecord<Config> {
  readonly arch: NasArch;
  readonly metrics?: TrialMetrics;
}

export interface NasResult {
  readonly objectives: readonly NasObjective[];
  readonly directions: readonly Direction[];
  /** The most accurate complete trial within the constraints. */
  readonly best?: NasTrial;
  /** Complete trials no other dominates over all objectives. */
  readonly paretoFront: readonly NasTrial[];
  readonly trials: readonly NasTrial[];
  /** Best-so-far per trial of what the study optimized (accuracy alone under a pruning strategy). */
  readonly history: readonly HistoryPoint[];
  /** Training epochs over all trials (pruned ones up to where they stopped, fine-tuning included). */
  readonly epochsSpent: number;
  readonly elapsedMs: number;
  /** The retrained best model, when retrain was asked for. */
  readonly model?: RetrainedModel;
}

const MNIST_SHAPE = [1, 28, 28];

/** The share of the search's data held out to score each trial, unless `valFraction` says otherwise. */
export const NAS_VAL_FRACTION = 0.1;

export async function nas(o: NasOptions): Promise<NasResult> {
  const start = Date.now();
  const seed = o.seed ?? 0;
  const objectives = [...(o.objectives ?? ['accuracy'])];
  const directions = objectives.map((k) => OBJECTIVE_DIRECTIONS[k]);
  const epochsPerTrial = o.epochsPerTrial ?? 1;
  const strategy = resolveStrategy(o.strategy ?? 'random', epochsPerTrial, o.evalsPerEpoch);
  const pruning = strategy.pruner !== undefined;
  if (pruning && !objectives.includes('accuracy')) throw new ArgumentError(`nas: a pruning strategy needs 'accuracy' among the objectives, got [${objectives.join(', ')}]`);
  if (o.trials === undefined && o.budgetSeconds === undefined) throw new ArgumentError('nas: needs a budget, trials or budgetSeconds, got neither');
  if (o.budgetSeconds !== undefined && !(o.budgetSeconds > 0)) throw new ArgumentError(`nas: budgetSeconds must be > 0, got ${o.budgetSeconds}`);
  if (o.trials !== undefined && !(Number.isInteger(o.trials) && o.trials >= 1)) throw new ArgumentError(`nas: trials must be a positive integer, got ${o.trials}`);
  const studyObjectives: NasObjective[] = pruning ? ['accuracy'] : objectives;
  const { split, spec, test, inputShape, classes } = prepareData(o, seed);
  const deadline = o.budgetSeconds !== undefined ? start + o.budgetSeconds * 1000 : undefined;
  const task: TrialTask = {
    inputShape, classes, objectives, studyObjectives, epochs: epochsPerTrial,
    evalsPerEpoch: o.evalsPerEpoch ?? (pruning ? 3 : 1), latency: o.latency, compression: o.compression,
    ...(deadline !== undefined ? { deadline } : {}),
  };
  checkTask(task);
  const sp = o.space === undefined || o.space === 'cnn' ? cnnSpace() : o.space === 'mlp' ? mlpSpace() : o.space;
  const workers = o.workers ?? 1;
  const metrics = new Map<number, TrialMetrics>();
  let dir: string | null = null;
  try {
    // The study's clock starts when it is called, after the data is prepared (and written for workers): it gets what
    // is left of the budget then. Given the whole budget, it had started a trial 2,069 ms into a 2,000 ms search
    // (100,000 rows to split), and the trial had stopped after one batch as pruned.
    const secondsLeft = () => (deadline === undefined ? undefined : Math.max(0, (deadline - Date.now()) / 1000));
    const common = {
      space: sp, directions: studyObjectives.map((k) => OBJECTIVE_DIRECTIONS[k]), trials: o.trials, seed,
      journal: o.journal, progress: o.onProgress, onWarning: o.onWarning, signal: o.signal,
      ...(o.journal ? { journalTask: trialTaskText(o, objectives, task) } : {}),
    };
    let study;
    if (workers > 1) {
      // the workers read the task and data from a folder (Node only; a browser runs trials in process)
      dir = createTaskFolder(task, spec ?? split());
      study = await optimize({ ...common, seconds: secondsLeft(), workers, strategy: withTaskMeta(strategy, dir), objective: { module: objectiveModuleUrl(), exportName: 'nasObjective' } });
      for (const t of study.trials) {
        const m = readTrialMetrics(dir, t.index);
        if (m) metrics.set(t.index, m);
      }
    } else {
      const data = split();
      study = await optimize({
        ...common, seconds: secondsLeft(), workers: 1, strategy,
        objective: (config, trial) => {
          const m = runTrial(config, trial, task, data);
          metrics.set(trial.index, m);
          return objectiveValues(m, studyObjectives);
        },
      });
    }
    const trials: NasTrial[] = study.trials.map((t) => {
      const arch = { config: t.config, inputShape, classes };
      const m = metrics.get(t.index) ?? (t.state === 'complete' ? recoverMetrics(t, arch, task) : undefined);
      return { ...t, arch, ...(m ? { metrics: m } : {}) };
    });
    const complete = trials.filter((t) => t.state === 'complete' && t.metrics);
    const front = paretoFront(complete.map((t) => objectiveValues(t.metrics!, objectives)), directions).map((i) => complete[i]);
    const best = chooseBest(complete, o.constraints, o.onWarning);
    const epochsSpent = trials.reduce((a, t) => a + trialEpochs(t, epochsPerTrial), 0);
    let model: RetrainedModel | undefined;
    if (o.retrain && best) {
      const r = o.retrain === true ? {} : o.retrain;
      model = retrainModel(best, {
        ...r, seed, epochsPerTrial, compression: o.compression, latency: o.latency,
        data: () => retrainData(o, split, seed, r.includeVal ?? true),
        test,
      });
    }
    return { objectives, directions, best, paretoFront: front, trials, history: study.history, epochsSpent, elapsedMs: Date.now() - start, model };
  } finally {
    if (dir) removeTaskFolder(dir);
  }
}

function resolveStrategy(s: Strategy<Config> | StrategyName, maxEpochs: number, evalsPerEpoch?: number): Strategy<Config> {
  if (typeof s !== 'string') return s;
  switch (s) {
    case 'random': return randomSearch();
    case 'tpe': return tpe();
    case 'evolution': return regularizedEvolution();
    case 'hyperband': {
      const step = 1 / (evalsPerEpoch ?? 3);
      return hyperband({ maxResource: maxEpochs, minResource: Math.min(maxEpochs, Math.max(step, maxEpochs / 9)), eta: 3 });
    }
    default: throw new ArgumentError(`nas: strategy must be random, tpe, evolution, hyperband or a Strategy, got '${String(s)}'`);
  }
}

/** The strategy with `meta.task` added to each suggestion: how a worker finds the task folder. */
function withTaskMeta(s: Strategy<Config>, dir: string): Strategy<Config> {
  return {
    name: s.name,
    ...(s.pruner ? { pruner: s.pruner } : {}),
    ask(ctx) {
      const q = s.ask(ctx);
      return q && { ...q, meta: { ...q.meta, task: dir } };
    },
  };
}

function objectiveModuleUrl(): string {
  const self = import.meta.url;
  // objective.ts beside nas.ts when run from source (tsx, vitest), objective.js in dist
  return new URL(`./objective${/\.[^./]*$/.exec(new URL(self).pathname)?.[0] ?? '.js'}`, self).href;
}

interface PreparedData {
  /** The search's train/validation split (built lazily: MNIST on workers loads there). */
  split: () => SplitData;
  /** For workers: how to load the split without shipping tensors. */
  spec?: DataSpec;
  test?: () => TensorDataset;
  inputShape: number[];
  classes: number;
}

function prepareData(o: NasOptions, seed: number): PreparedData {
  const valFraction = o.valFraction ?? NAS_VAL_FRACTION;
  if (o.data === 'mnist') {
    const spec: DataSpec = { kind: 'mnist', limit: o.mnist?.search, valFraction, seed };
    let cached: SplitData | undefined;
    const split = () => (cached ??= trainValSplit(mnistDataset('train', { limit: spec.limit }), valFraction, { seed, stratify: true }));
    return { split, spec, test: () => mnistDataset('test', { limit: o.mnist?.test }), inputShape: MNIST_SHAPE, classes: 10 };
  }
  const given = o.data instanceof TensorDataset ? { train: o.data } : o.data;
  if (!given || !(given.train instanceof TensorDataset)) throw new ArgumentError("nas: data must be 'mnist', a TensorDataset or { train, val?, test? }");
  const s: SplitData = given.val ? { train: given.train, val: given.val } : trainValSplit(given.train, valFraction, { seed, stratify: given.train.y.dtype === 'int32' });
  // a loop, not Math.max(...labels): spreading 150,000 labels into a call had overflowed the stack
  let maxLabel = -Infinity;
  for (const { data } of [s.train.y, s.val.y]) for (let i = 0; i < data.length; i++) if ((data[i] as number) > maxLabel) maxLabel = data[i] as number;
  const classes = maxLabel + 1;
  const test = given.test;
  return { split: () => s, test: test ? () => test : undefined, inputShape: s.train.x.shape.slice(1), classes };
}

/**
 * What a NAS trial measures beyond its architecture, for the journal's header: the data (MNIST and how many images,
 * or the given sets' sizes and a fingerprint of their bytes), the objectives, the training a trial gets, its
 * compression and how its latency is timed. A journal resumed on other images had mixed their trials into one
 * Pareto front without a word.
 */
function trialTaskText(o: NasOptions, objectives: readonly NasObjective[], task: TrialTask): string {
  const sets = o.data === 'mnist' ? undefined : o.data instanceof TensorDataset ? { train: o.data } : o.data;
  const data = sets
    ? Object.entries(sets)
        .filter(([, d]) => d instanceof TensorDataset)
        .map(([name, d]) => `${name} ${d!.length} x [${d!.x.shape.slice(1).join(',')}] #${fingerprint([d!.x.data, d!.y.data])}`)
        .join(', ')
    : `mnist, ${o.mnist?.search ?? 'all'} search images`;
  const training = `${task.epochs} epochs a trial, ${task.evalsPerEpoch} evaluations an epoch; validation share ${o.valFraction ?? NAS_VAL_FRACTION}`;
  const latency = objectives.includes('latency') ? latencyText(task.latency) : '';
  return `data ${data}; objectives ${objectives.join(',')}; ${training}${task.compression ? `; compression ${compressionText(task.compression)}` : ''}${latency ? `; latency ${latency}` : ''}`;
}

/**
 * A compression's settings with their defaults filled in, so that { sparsity: 0.9 } and the same with
 * fineTuneEpochs: 0.5 read alike. A journal of uncompressed trials had resumed under sparsity 0.9 and put dense
 * and pruned trials on one front.
 */
function compressionText(c: CompressionOptions): string {
  const d = COMPRESSION_DEFAULTS;
  const parts: string[] = [];
  if (c.sparsity !== undefined) {
    const fineTune = c.sparsity > 0 ? (c.fineTuneEpochs ?? d.fineTuneEpochs) : 0;
    parts.push(`sparsity ${c.sparsity}, fine-tuned ${fineTune} epochs${fineTune > 0 ? ` at ${c.fineTuneLrScale ?? d.fineTuneLrScale} of the learning rate` : ''}`);
  }
  if (c.quantize) parts.push(`${c.quantize} calibrated on ${c.calibrationBatches ?? d.calibrationBatches} batches`);
  return parts.join(', ');
}

/** How latency is timed, where it differs from the defaults (a journal written before latency was recorded resumes on them). */
function latencyText(l: LatencyOptions | undefined): string {
  const d = LATENCY_DEFAULTS;
  const r = { batch: l?.batch ?? d.batch, warmup: l?.warmup ?? d.warmup, repeats: l?.repeats ?? d.repeats, maxMs: l?.maxMs ?? d.maxMs };
  if (r.batch === d.batch && r.warmup === d.warmup && r.repeats === d.repeats && r.maxMs === d.maxMs) return '';
  return `batches of ${r.batch}, ${r.warmup} warm-up and ${r.repeats} timed passes within ${r.maxMs} ms`;
}

/** FNV-1a over the bytes of typed arrays, as 8 hex digits: the same data gives the same text. */
function fingerprint(arrays: readonly ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function retrainData(o: NasOptions, split: () => SplitData, seed: number, includeVal: boolean): TensorDataset {
  if (o.data === 'mnist' && o.mnist?.retrain !== o.mnist?.search) return mnistDataset('train', { limit: o.mnist?.retrain });
  const s = split();
  return includeVal ? new TensorDataset(concat([s.train.x, s.val.x], 0), concat([s.train.y, s.val.y], 0)) : s.train;
}

/** The most accurate complete trial inside the constraints (fewer parameters break ties). */
function chooseBest(complete: readonly NasTrial[], c: NasOptions['constraints'], warn?: (m: string) => void): NasTrial | undefined {
  const fits = (t: NasTrial) => (c?.maxParams === undefined || t.metrics!.nonzeroParams <= c.maxParams) && (c?.maxLatencyMs === undefined || (t.metrics!.latencyMs ?? 0) <= c.maxLatencyMs) && (c?.maxMacs === undefined || t.metrics!.macs <= c.maxMacs);
  const byAccuracy = (a: NasTrial, b: NasTrial) => b.metrics!.accuracy - a.metrics!.accuracy || a.metrics!.nonzeroParams - b.metrics!.nonzeroParams || a.index - b.index;
  const feasible = complete.filter(fits).sort(byAccuracy);
  if (feasible.length === 0 && complete.length > 0) {
    (warn ?? searchWarning)('nas: no complete trial meets the constraints; choosing the most accurate one');
    return [...complete].sort(byAccuracy)[0];
  }
  return feasible[0];
}

/** Metrics of a trial that ran in an earlier session (resumed from a journal). */
function recoverMetrics(t: TrialRecord<Config>, arch: NasArch, task: TrialTask): TrialMetrics {
  const params = countParameters(arch);
  const studied = task.studyObjectives ?? task.objectives;
  const value = (k: NasObjective) => (studied.includes(k) ? t.values[studied.indexOf(k)] : undefined);
  const m: TrialMetrics = { accuracy: value('accuracy') ?? NaN, params, macs: countMacs(arch), nonzeroParams: value('params') ?? params, epochs: t.reports.at(-1)?.[0] ?? task.epochs };
  if (task.objectives.includes('latency')) m.latencyMs = value('latency') ?? measureLatency(buildModel(arch), arch.inputShape, task.latency);
  return m;
}

function trialEpochs(t: NasTrial, epochsPerTrial: number): number {
  if (t.metrics) return t.metrics.epochs;
  const last = t.reports.at(-1);
  return last ? last[0] : t.state === 'complete' ? epochsPerTrial : 0;
}
