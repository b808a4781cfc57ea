// Adam (Kingma & Ba 2015) with L2 weight decay, and AdamW (Loshchilov & Hutter 2019) with decoupled decay.
import { Optimizer } from './optimizer.js';
import type { Tensor } from '../tensor.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }

export class Adam extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  protected decoupled = false;
  constructor(params: Iterable<Tensor>, o: AdamOptions = {}) {
    super(params, o.lr ?? 1e-3);
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
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
    super(params, { weightDecay: 0.01, ...o });
    this.decoupled = true;
  }
}
