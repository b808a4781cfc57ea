// Trained quantization by weight sharing, Deep Compression's second stage (Han, Mao & Dally 2016, section 3):
// the nonzero weights of each layer are clustered into 2^bits - 1 shared values (k-means, linear init), every
// weight becomes its centroid, and training then moves the centroids: the gradient of a centroid is the sum of
// the gradients of the weights that share it (their eq. 3). Pruned weights stay exactly zero and keep no index.
// After fine-tuning each layer takes at most 2^bits - 1 distinct nonzero values, so saveSparseModel's codebook
// encoding stores it without loss.
import { ArgumentError, type Module, type Optimizer, type Tensor } from '../core/index.js';
import { kmeansCodebook, nearestCodeword } from './sparse-format.js';
import { prunableParameters } from './prune.js';

export interface WeightSharingOptions {
  /** Bits per index: 2^bits - 1 shared values per layer plus the pruned zero (one number, or per layer name). */
  bits: number | Record<string, number>;
  /** Which parameters to share (default every prunable weight: Linear and Conv2d weights). */
  names?: readonly string[];
  /** Momentum of the centroid updates, in [0,1) (default 0.9). */
  momentum?: number;
}

interface SharedLayer {
  readonly param: Tensor;
  /** codebook[0] is the pruned zero; shared values from 1. */
  readonly codebook: Float64Array;
  /** Per weight: 0 for a pruned weight, else its centroid. */
  readonly index: Uint8Array;
  readonly velocity: Float64Array;
}

export class WeightSharing {
  private readonly layers = new Map<string, SharedLayer>();
  readonly momentum: number;

  constructor(model: Module, o: WeightSharingOptions) {
    this.momentum = o.momentum ?? 0.9;
    // NaN had been taken and made every centroid NaN at the first step
    if (!(typeof this.momentum === 'number' && this.momentum >= 0 && this.momentum < 1)) throw new ArgumentError(`WeightSharing: momentum must be in [0,1), got ${this.momentum}`);
    const names = o.names ?? prunableParameters(model).map(([k]) => k);
    if (names.length === 0) throw new ArgumentError('WeightSharing: the model has no weights to share');
    const all = new Map(model.namedParameters());
    for (const name of names) {
      const p = all.get(name);
      if (!p) throw new ArgumentError(`WeightSharing: no parameter named '${name}' (have ${[...all.keys()].join(', ')})`);
      const bits = typeof o.bits === 'number' ? o.bits : o.bits[name];
      if (bits === undefined) throw new ArgumentError(`WeightSharing: no bits given for '${name}'`);
      if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new ArgumentError(`WeightSharing: bits must be an integer in [1,8], got ${bits} for '${name}'`);
      const w = p.data as Float32Array;
      const codebook = Float64Array.from(kmeansCodebook(w, bits));
      const index = new Uint8Array(w.length);
      for (let i = 0; i < w.length; i++) if (w[i] !== 0) index[i] = nearestCodeword(codebook, w[i]);
      const layer = { param: p, codebook, index, velocity: new Float64Array(codebook.length) };
      this.layers.set(name, layer);
      writeBack(layer);
    }
  }

  /** The current shared values of each layer (entry 0 is the pruned zero). */
  codebooks(): Record<string, Float32Array> {
    return Object.fromEntries([...this.layers].map(([k, l]) => [k, Float32Array.from(l.codebook)]));
  }

  /**
   * Routes the optimizer's updates of the shared weights to their centroids: at each step the weight gradients are
   * summed per centroid, the centroids take an SGD-with-momentum step at the optimizer's lr, and the weights are set
   * back to their centroids. Other parameters get the optimizer's own update. Returns a detach function.
   */
  attach(optimizer: Optimizer): () => void {
    const original = optimizer.step;
    const self = this;
    const layers = [...this.layers.values()];
    optimizer.step = function step(this: Optimizer): void {
      const grads = layers.map((l) => {
        const g = l.param.grad;
        l.param.grad = null; // the optimizer leaves shared weights alone; the centroids move below
        return g;
      });
      original.call(this);
      layers.forEach((l, i) => { const g = grads[i]; if (g) self.stepCentroids(l, g.data as Float32Array, this.lr); l.param.grad = g; });
    };
    return () => { optimizer.step = original; };
  }

  private stepCentroids(l: SharedLayer, g: Float32Array, lr: number): void {
    const sum = new Float64Array(l.codebook.length);
    for (let i = 0; i < g.length; i++) if (l.index[i] !== 0) sum[l.index[i]] += g[i];
    for (let c = 1; c < l.codebook.length; c++) {
      l.velocity[c] = this.momentum * l.velocity[c] + sum[c];
      l.codebook[c] -= lr * l.velocity[c];
    }
    writeBack(l);
  }
}

function writeBack(l: SharedLayer): void {
  const w = l.param.data as Float32Array;
  for (let i = 0; i < w.length; i++) w[i] = l.index[i] === 0 ? 0 : l.codebook[l.index[i]];
}
