// Learning-rate schedules: call step() once per epoch (or per iteration, as you define the unit); they set opt.lr.
import type { Optimizer } from './optimizer.js';
import { ArgumentError, checkNumber, fmtValue } from '../errors.js';
import { finiteNonNegative, positiveInteger } from './check.js';

/** A multiplicative decay: 0 or less would zero or flip the sign of lr, which the optimizer's own check never sees. */
const positiveFinite = (x: number): boolean => Number.isFinite(x) && x > 0;

export abstract class LRScheduler {
  readonly baseLr: number;
  lastEpoch = 0;
  constructor(readonly optimizer: Optimizer) {
    if (typeof (optimizer as Partial<Optimizer> | null)?.lr !== 'number') throw new ArgumentError(`${new.target.name}: optimizer must be an Optimizer, got ${fmtValue(optimizer)}`);
    this.baseLr = optimizer.lr;
  }
  /** The learning rate at epoch t (t = 0 is the start). */
  abstract lrAt(t: number): number;
  step(): number {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
    return this.optimizer.lr;
  }
  stateDict(): { lastEpoch: number } { return { lastEpoch: this.lastEpoch }; }
  loadStateDict(s: { lastEpoch: number }): void {
    this.lastEpoch = s.lastEpoch;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }
}

/** lr * gamma^floor(t / stepSize). */
export class StepLR extends LRScheduler {
  constructor(opt: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super(opt);
    checkNumber('StepLR', 'stepSize', stepSize, positiveInteger, '>= 1, a whole number of epochs');
    checkNumber('StepLR', 'gamma', gamma, positiveFinite, 'a finite number > 0');
  }
  lrAt(t: number): number { return this.baseLr * Math.pow(this.gamma, Math.floor(t / this.stepSize)); }
}
/** lr * gamma^t. */
export class ExponentialLR extends LRScheduler {
  constructor(opt: Optimizer, readonly gamma: number) {
    super(opt);
    checkNumber('ExponentialLR', 'gamma', gamma, positiveFinite, 'a finite number > 0');
  }
  lrAt(t: number): number { return this.baseLr * Math.pow(this.gamma, t); }
}
/** etaMin + (lr - etaMin) (1 + cos(pi t / tMax)) / 2, held at etaMin after tMax. */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: Optimizer, readonly tMax: number, readonly etaMin = 0) {
    super(opt);
    // tMax 0 divides 0 by 0 at t = 0
    checkNumber('CosineAnnealingLR', 'tMax', tMax, positiveInteger, 'a positive integer');
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin, finiteNonNegative, 'a finite number >= 0');
  }
  lrAt(t: number): number {
    const tt = Math.min(t, this.tMax);
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * tt) / this.tMax))) / 2;
  }
}
/**
 * Caffe's "inv" policy, lr * (1 + gamma t)^-power, stepped per iteration: the schedule of Caffe's LeNet
 * solver (gamma 1e-4, power 0.75), which the pruning papers (Han et al. 2015) trained their baselines with.
 */
export class InvLR extends LRScheduler {
  constructor(opt: Optimizer, readonly gamma = 1e-4, readonly power = 0.75) {
    super(opt);
    if (!finiteNonNegative(gamma) || !finiteNonNegative(power)) throw new ArgumentError(`InvLR: gamma and power must be >= 0 and finite, got ${fmtValue(gamma)} and ${fmtValue(power)}`);
  }
  lrAt(t: number): number { return this.baseLr * Math.pow(1 + this.gamma * t, -this.power); }
}
/** Linear warmup from lr*startFactor to lr over warmupSteps, then hands over to `after` (or stays flat). */
export class LinearWarmup extends LRScheduler {
  constructor(opt: Optimizer, readonly warmupSteps: number, readonly after?: LRScheduler, readonly startFactor = 0.1) {
    super(opt);
    // 0 is allowed: no warmup, straight to `after`, as a warmup computed as a fraction of a short run may come out
    checkNumber('LinearWarmup', 'warmupSteps', warmupSteps, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    // as torch's LinearLR: a factor of 0 starts at lr 0 (a wasted step), one above 1 warms down, below 0 flips the sign
    checkNumber('LinearWarmup', 'startFactor', startFactor, (x) => x > 0 && x <= 1, 'in (0, 1]');
    if (after !== undefined && !(after instanceof LRScheduler)) throw new ArgumentError(`LinearWarmup: after must be a scheduler, got ${fmtValue(after)}`);
    opt.lr = this.lrAt(0);
  }
  lrAt(t: number): number {
    if (t < this.warmupSteps) return this.baseLr * (this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps);
    return this.after ? this.after.lrAt(t - this.warmupSteps) : this.baseLr;
  }
}
