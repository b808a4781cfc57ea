// SGD with momentum, Nesterov and L2 weight decay, following torch.optim.SGD's update exactly.
import { Optimizer } from './optimizer.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  constructor(params: Iterable<Tensor>, o: SGDOptions) {
    super(params, o.lr);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new ArgumentError('SGD: nesterov needs momentum > 0 and dampening 0');
  }
  protected update(w: Float32Array, g: Float32Array, s: Record<string, Float32Array>): void {
    const { lr, momentum: mu, dampening, nesterov, weightDecay: wd } = this;
    const first = s.momentum === undefined;
    const buf = mu !== 0 ? this.buffer(s, 'momentum', w.length) : null;
    for (let i = 0; i < w.length; i++) {
      let d = g[i] + wd * w[i];
      if (buf) {
        buf[i] = first ? d : mu * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + mu * buf[i] : buf[i];
      }
      w[i] -= lr * d;
    }
  }
}
