// SGD with momentum, Nesterov and L2 weight decay, following torch.optim.SGD's update exactly.
import { Optimizer } from './optimizer.js';
import { ArgumentError, checkNumber, checkOptionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { finiteNonNegative, unitInterval } from './check.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }

export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** lr has no default, as in PyTorch before 2.2: a step size picked for the caller hides a missing one. */
  constructor(params: Iterable<Tensor>, o: SGDOptions) {
    checkOptionsObject('SGD', o, 'an object with lr, e.g. { lr: 0.01 }');
    if (o.lr === undefined) throw new ArgumentError('SGD: options must give lr, e.g. { lr: 0.01 }, got none');
    super(params, o.lr);
    this.momentum = checkNumber('SGD', 'momentum', o.momentum ?? 0, unitInterval, 'in [0, 1)');
    this.dampening = checkNumber('SGD', 'dampening', o.dampening ?? 0, (x) => x >= 0 && x <= 1, 'in [0, 1]');
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = checkNumber('SGD', 'weightDecay', o.weightDecay ?? 0, finiteNonNegative, 'a finite number >= 0');
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
