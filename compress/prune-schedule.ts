// Pruning over time: Zhu & Gupta 2017 gradual pruning (polynomial schedule applied every dt steps while training)
// and Han et al. 2015 iterative prune -> retrain at a tenth of the learning rate, with optional lottery-ticket
// rewinding (Frankle & Carbin 2019) to the initial or an early snapshot of the weights.
import { ArgumentError, CosineAnnealingLR, DataLoader, SGD, evaluate, fit, fitSteps, runSteps, trainingBatches, type EpochStats, type LRScheduler, type Module, type Optimizer, type Tensor, type TensorDataset } from '../core/index.js';
import { PruningMasks, checkSparsity, rewindWeights, snapshotWeights, type PruneScope } from './prune.js';

export interface PolynomialSchedule {
  /** s_i, usually 0. */
  initialSparsity?: number;
  /** s_f. */
  finalSparsity: number;
  /** t0: the step of the first pruning. */
  beginStep?: number;
  /** n: how many pruning steps. */
  numSteps: number;
  /** dt: steps between prunings. */
  frequency?: number;
}

function checkSchedule(s: PolynomialSchedule, op = 'polynomialSparsity'): void {
  const si = s.initialSparsity ?? 0;
  checkSparsity(op, si, 'initialSparsity');
  checkSparsity(op, s.finalSparsity, 'finalSparsity');
  // masks only grow: a falling schedule had revived pruned weights, at zero, in the middle of training
  if (si > s.finalSparsity) throw new ArgumentError(`${op}: initialSparsity must not exceed finalSparsity, got ${si} and ${s.finalSparsity}`);
  if (!(Number.isInteger(s.numSteps) && s.numSteps >= 1)) throw new ArgumentError(`${op}: numSteps must be a positive integer, got ${s.numSteps}`);
  const dt = s.frequency ?? 1;
  if (!(Number.isInteger(dt) && dt >= 1)) throw new ArgumentError(`${op}: frequency must be a positive integer, got ${dt}`);
  // steps are counted in integers: beginStep 1.5 had been taken and then never pruned
  const t0 = s.beginStep ?? 0;
  if (!(Number.isSafeInteger(t0) && t0 >= 0)) throw new ArgumentError(`${op}: beginStep must be an integer >= 0, got ${t0}`);
}

/** Zhu & Gupta: s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3 for t0 <= t <= t0 + n dt; s_i before, s_f after. */
export function polynomialSparsity(t: number, s: PolynomialSchedule): number {
  checkSchedule(s);
  const si = s.initialSparsity ?? 0, sf = s.finalSparsity, t0 = s.beginStep ?? 0, span = s.numSteps * (s.frequency ?? 1);
  if (t <= t0) return si;
  const p = Math.min(1, (t - t0) / span);
  return sf + (si - sf) * (1 - p) ** 3;
}

export interface GradualPruneOptions extends PolynomialSchedule {
  scope?: PruneScope;
  /** Per-layer final sparsities; each layer follows the same schedule toward its own target (layers not named are not pruned). */
  layers?: Record<string, number>;
}

/**
 * Prunes on the polynomial schedule during training: call `step(t)` after every optimizer step (fit's onStep)
 * and `attach(optimizer)` once so pruned weights stay zero in between.
 */
export class GradualPruner {
  readonly masks: PruningMasks;
  readonly history: Array<{ step: number; sparsity: number }> = [];
  constructor(model: Module, readonly o: GradualPruneOptions) {
    checkSchedule(o, 'GradualPruner');
    this.masks = new PruningMasks(model);
    for (const [k, s] of Object.entries(o.layers ?? {})) checkSparsity('GradualPruner', s, `sparsity of '${k}'`);
  }

  attach(optimizer: Optimizer): () => void {
    return this.masks.attach(optimizer);
  }

  /** Whether step t is a pruning step: t = t0 + j dt for j = 0..n. */
  isPruningStep(t: number): boolean {
    const t0 = this.o.beginStep ?? 0, dt = this.o.frequency ?? 1;
    return t >= t0 && t <= t0 + this.o.numSteps * dt && (t - t0) % dt === 0;
  }

  /** Prunes to s_t if t is a pruning step; returns the target used (or null). */
  step(t: number): number | null {
    if (!this.isPruningStep(t)) return null;
    const s = polynomialSparsity(t, this.o);
    const sf = this.o.finalSparsity;
    // Per-layer targets follow the same curve, scaled to their own final value.
    const frac = sf > 0 ? s / sf : 1;
    const layers = this.o.layers ? Object.fromEntries(Object.entries(this.o.layers).map(([k, v]) => [k, Math.min(v * frac, v)])) : undefined;
    this.masks.prune(layers ? { scope: this.o.scope, layers } : { sparsity: s, scope: this.o.scope });
    this.history.push({ step: t, sparsity: s });
    return s;
  }
}

export interface IterativePruneOptions {
  /** The sparsity reached after each round (increasing), e.g. [0.5, 0.75, 0.9]; or per-layer targets per round. */
  schedule: Array<number | Record<string, number>>;
  scope?: PruneScope;
  epochsPerRound: number;
  /** The learning rate the dense model was trained with. */
  lr: number;
  /** Retrain at lr * lrScale (Han et al.: 0.1); with rewinding the default is 1 (the original schedule). */
  lrScale?: number;
  momentum?: number;
  weightDecay?: number;
  /** Lottery ticket: rewind surviving weights to this snapshot (snapshotWeights(model) at init or early in training). */
  rewindTo?: Record<string, Tensor>;
  /** Custom optimizer (its lr is replaced by lr * lrScale each round). */
  makeOptimizer?: (params: Tensor[], lr: number) => Optimizer;
  /** A learning-rate schedule for each round's retraining, built on that round's optimizer (lr already lr * lrScale). */
  scheduler?: (opt: Optimizer, round: number) => LRScheduler;
  /** Step the scheduler per batch (e.g. Caffe's per-iteration InvLR) instead of per epoch. */
  schedulePerBatch?: boolean;
  loss?: (out: Tensor, y: Tensor, x: Tensor) => Tensor;
  val?: TensorDataset;
  log?: (line: string) => void;
  /**
   * Checked after every retraining batch (e.g. a Ctrl-C flag): once it returns true the round in progress stops
   * retraining there and no later round begins; the model keeps the masks and the sparsity reached so far.
   */
  shouldStop?: () => boolean;
}

export interface PruneRound {
  round: number;
  sparsity: number;
  /** Validation accuracy right after pruning (before retraining) and after retraining, when `val` is given. */
  prunedAccuracy?: number;
  accuracy?: number;
  epochs: EpochStats[];
}

function checkPositive(op: string, what: string, v: number): void {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new ArgumentError(`${op}: ${what} must be a positive finite number, got ${v}`);
}

/** Han et al. iterative pruning: for each round, prune by magnitude, (rewind,) retrain with masks held. */
export function iterativePrune(model: Module, train: DataLoader, o: IterativePruneOptions): { masks: PruningMasks; rounds: PruneRound[] } {
  return runSteps(iterativePruneSteps(model, train, o));
}

/** iterativePrune as a generator that yields after every retraining batch (runStepsAsync gives the event loop those turns). */
export function* iterativePruneSteps(model: Module, train: DataLoader, o: IterativePruneOptions): Generator<void, { masks: PruningMasks; rounds: PruneRound[] }> {
  if (o.schedule.length === 0) throw new ArgumentError('iterativePrune: schedule must list at least one sparsity, got []');
  if (!(Number.isInteger(o.epochsPerRound) && o.epochsPerRound >= 0)) throw new ArgumentError(`iterativePrune: epochsPerRound must be an integer >= 0, got ${o.epochsPerRound}`);
  // checked as given: lr -1 had been refused as the retraining rate SGD saw, 'lr must be a finite number >= 0, got -0.1'
  checkPositive('iterativePrune', 'lr', o.lr);
  if (o.lrScale !== undefined) checkPositive('iterativePrune', 'lrScale', o.lrScale);
  const masks = new PruningMasks(model);
  const lr = o.lr * (o.lrScale ?? (o.rewindTo ? 1 : 0.1));
  const rounds: PruneRound[] = [];
  for (const [r, target] of o.schedule.entries()) {
    if (o.shouldStop?.()) break;
    if (typeof target === 'number') masks.prune({ sparsity: target, scope: o.scope });
    else masks.prune({ layers: target, scope: o.scope });
    if (o.rewindTo) rewindWeights(model, o.rewindTo, masks);
    const round: PruneRound = { round: r + 1, sparsity: masks.stats().sparsity, epochs: [] };
    if (o.val) round.prunedAccuracy = evaluate(model, o.val).accuracy;
    const params = model.parameters();
    const opt = o.makeOptimizer ? o.makeOptimizer(params, lr) : new SGD(params, { lr, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 0 });
    opt.lr = lr;
    const detach = masks.attach(opt);
    try {
      if (o.epochsPerRound > 0) round.epochs = yield* fitSteps(model, train, {
        epochs: o.epochsPerRound, optimizer: opt, loss: o.loss, val: o.val, scheduler: o.scheduler?.(opt, r), schedulePerBatch: o.schedulePerBatch, shouldStop: o.shouldStop,
      });
    } finally {
      detach();
    }
    if (o.val) round.accuracy = evaluate(model, o.val).accuracy;
    o.log?.(`prune round ${r + 1}/${o.schedule.length}: sparsity ${(100 * round.sparsity).toFixed(2)}%` +
      (round.accuracy !== undefined ? `  acc ${(100 * round.prunedAccuracy!).toFixed(2)}% -> ${(100 * round.accuracy).toFixed(2)}%` : '') +
      (o.shouldStop?.() ? '  (stopped: no further rounds)' : ''));
    rounds.push(round);
  }
  return { masks, rounds };
}

export interface GradualPruneRunOptions {
  /** One sparsity for every prunable weight (or the global one with scope 'global'), or per-layer targets. */
  sparsity: number | Record<string, number>;
  scope?: PruneScope;
  /** Epochs over which sparsity rises from 0 to the target on Zhu & Gupta's cubic curve. */
  rampEpochs: number;
  /** Epochs of fine-tuning at the final sparsity, the lr annealed to 0 on a cosine. */
  fineTuneEpochs: number;
  /** Steps between prunings during the ramp (default 50). */
  frequency?: number;
  lr: number;
  momentum?: number;
  weightDecay?: number;
  val?: TensorDataset;
  log?: (line: string) => void;
}

/**
 * Zhu & Gupta 2017 as one call: train at `lr` while the sparsity rises on the cubic schedule over rampEpochs
 * (pruning every `frequency` steps), then fine-tune with masks held and a cosine lr to 0.
 */
export function gradualPrune(model: Module, train: DataLoader, o: GradualPruneRunOptions): { masks: PruningMasks; ramp: EpochStats[]; fineTune: EpochStats[] } {
  if (!(Number.isInteger(o.rampEpochs) && o.rampEpochs >= 1)) throw new ArgumentError(`gradualPrune: rampEpochs must be an integer >= 1, got ${o.rampEpochs}`);
  if (!(Number.isInteger(o.fineTuneEpochs) && o.fineTuneEpochs >= 0)) throw new ArgumentError(`gradualPrune: fineTuneEpochs must be an integer >= 0, got ${o.fineTuneEpochs}`);
  const perLayer = typeof o.sparsity === 'number' ? undefined : o.sparsity;
  const values = perLayer ? Object.values(perLayer) : [o.sparsity as number];
  for (const v of values) checkSparsity('gradualPrune', v);
  const frequency = o.frequency ?? 50;
  // 0 had failed as 'numSteps must be a positive integer, got Infinity'; -5 and 0.5 had run
  if (!(Number.isSafeInteger(frequency) && frequency >= 1)) throw new ArgumentError(`gradualPrune: frequency must be an integer >= 1, got ${frequency}`);
  checkPositive('gradualPrune', 'lr', o.lr);
  // the steps fit will take: a model with BatchNorm leaves out a last batch of one row (trainingBatches)
  const perEpoch = trainingBatches(model.train(), train).count;
  const steps = o.rampEpochs * perEpoch;
  const numSteps = Math.max(1, Math.floor(steps / frequency));
  const finalSparsity = Math.max(...values);
  const pruner = new GradualPruner(model, { finalSparsity, numSteps, frequency: Math.max(1, Math.floor(steps / numSteps)), scope: o.scope, ...(perLayer ? { layers: perLayer } : {}) });
  const opt = new SGD(model.parameters(), { lr: o.lr, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 0 });
  const detach = pruner.attach(opt);
  let t = 0;
  const log = (phase: string) => (l: string) => o.log?.(`${phase} ${l}`);
  const ramp = fit(model, train, { epochs: o.rampEpochs, optimizer: opt, onStep: () => pruner.step(++t), val: o.val, log: log('ramp') });
  // The last pruning step lands at the ramp's end only if the steps divide evenly; make the target exact.
  pruner.masks.prune(perLayer ? { scope: o.scope, layers: perLayer } : { sparsity: finalSparsity, scope: o.scope });
  const fineTune = o.fineTuneEpochs > 0
    ? fit(model, train, { epochs: o.fineTuneEpochs, optimizer: opt, scheduler: new CosineAnnealingLR(opt, o.fineTuneEpochs * perEpoch), schedulePerBatch: true, val: o.val, log: log('fine-tune') })
    : [];
  detach();
  return { masks: pruner.masks, ramp, fineTune };
}

/** Sparsities for `rounds` rounds that remove the same fraction of the survivors each time, ending at `final`. */
export function geometricSchedule(final: number, rounds: number): number[] {
  checkSparsity('geometricSchedule', final);
  // 2.5 had given two rounds ending at 0.84 for 0.9; 0 and -1 had given no rounds at all
  if (!(Number.isSafeInteger(rounds) && rounds >= 1)) throw new ArgumentError(`geometricSchedule: rounds must be an integer >= 1, got ${rounds}`);
  return Array.from({ length: rounds }, (_, r) => 1 - (1 - final) ** ((r + 1) / rounds));
}

export { snapshotWeights };
