// Adam (Kingma & Ba 2015) with L2 weight decay, and AdamW (Loshchilov & Hutter 2019) with decoupled decay.
import { Optimizer } from './optimizer.js';
import type { Tensor } from '../tensor.js';
import { ArgumentError, checkNumber, checkOptionsObject, fmtValue } from '../errors.js';
import { finiteNonNegative, unitInterval } from './check.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

export class Adam extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  protected decoupled = false;
  constructor(params: Iterable<Tensor>, o: AdamOptions = {}) {
    const name = new.target.name;
    checkOptionsObject(name, o, 'an object such as { lr: 1e-3 }');
    super(params, o.lr ?? 1e-3);
    const betas: unknown = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new ArgumentError(`${name}: betas must be a pair [beta1, beta2], got ${fmtValue(betas)}`);
    this.beta1 = checkNumber(name, 'betas[0]', betas[0], unitInterval, 'in [0, 1)');
    this.beta2 = checkNumber(name, 'betas[1]', betas[1], unitInterval, 'in [0, 1)');
    // eps 0 divides 0 by 0 for a weight whose gradients have all been zero
    this.eps = checkNumber(name, 'eps', o.eps ?? 1e-8, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
    this.weightDecay = checkNumber(name, 'weightDecay', o.weightDecay ?? 0, finiteNonNegative, 'a finite number >= 0');
  }
  protected update(w: Float32Array, g: Float32Array, s: Record<string, Float32Array>): void {
    const m = this.buffer(s, 'expAvg', w.length);
    const v = this.buffer(s, 'expAvgSq', w.length);
    const { beta1: b1, beta2: b2, eps, lr, weightDecay: wd } = this;
    const t = this.stepCount;
    const bc1 = 1 - Math.pow(b1, t);
    const bc2 = 1 - Math.pow(b2, t);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let i = 0; i < w.length; i++) {
      let gi = g[i];
      if (this.decoupled) w[i] -= lr * wd * w[i];
      else gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
    }
  }
}

export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, o: AdamOptions = {}) {
    checkOptionsObject('AdamW', o, 'an object such as { lr: 1e-3 }');
    // `?? 0.01` rather than a spread default, so { weightDecay: undefined } still gets the documented 0.01
    super(params, { ...o, weightDecay: o.weightDecay ?? 0.01 });
    this.decoupled = true;
  }
}
