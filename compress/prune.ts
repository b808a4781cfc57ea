// Unstructured magnitude pruning (Han et al. 2015): binary masks over the weights of Linear and Conv2d layers,
// layer-wise or global thresholds, per-layer targets, and masks that survive training (grads zeroed before
// each step, weights re-zeroed after it). Schedules and retraining loops live in prune-schedule.ts.
import { ArgumentError, Conv2d, Linear, Tensor, type Module, type Optimizer } from '../core/index.js';

/** The weights magnitude pruning applies to: `<module>.weight` of every Linear and Conv2d. */
export function prunableParameters(model: Module): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Linear || m instanceof Conv2d) out.push([name ? `${name}.weight` : 'weight', m.weight]);
  }
  return out;
}

export type PruneScope = 'layer' | 'global';

export interface PruneOptions {
  /** Fraction of weights set to zero, in [0,1): per layer (scope 'layer') or over all pruned layers ('global'). */
  sparsity?: number;
  scope?: PruneScope;
  /** Per-layer targets by parameter name (or module name), e.g. { '1.weight': 0.92 }; these layers use their own target. */
  layers?: Record<string, number>;
}

export interface SparsityStats {
  size: number;
  nonzero: number;
  sparsity: number;
  layers: Record<string, { size: number; nonzero: number; sparsity: number }>;
}

export function checkSparsity(op: string, s: number, what = 'sparsity'): void {
  if (!(typeof s === 'number' && s >= 0 && s < 1)) throw new ArgumentError(`${op}: ${what} must be in [0,1), got ${s}`);
}

/** Indices of `keys` sorted ascending (ties by index, so the result is deterministic). */
function argsortAscending(keys: Float64Array): Uint32Array {
  const idx = new Uint32Array(keys.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Binary masks (1 keep, 0 pruned) for a model's prunable weights. */
export class PruningMasks {
  readonly params = new Map<string, Tensor>();
  readonly masks = new Map<string, Uint8Array>();

  /** `names`: which parameters to manage (default: every prunable one); module names stand for their weight. */
  constructor(readonly model: Module, names?: readonly string[]) {
    const all = prunableParameters(model);
    const chosen = names ? names.map((n) => this.resolve(n, all)) : all.map(([n]) => n);
    for (const n of chosen) {
      const t = all.find(([k]) => k === n)![1];
      this.params.set(n, t);
      this.masks.set(n, new Uint8Array(t.size).fill(1));
    }
  }

  private resolve(name: string, all: Array<[string, Tensor]> = [...this.params]): string {
    if (all.some(([k]) => k === name)) return name;
    const w = name ? `${name}.weight` : 'weight';
    if (all.some(([k]) => k === w)) return w;
    throw new ArgumentError(`prune: unknown layer '${name}', prunable layers are [${all.map(([k]) => k).join(', ')}]`);
  }

  /** Magnitude pruning to the asked sparsity (exactly round(s * n) zeros per layer, or over all layers for 'global'). */
  prune(o: PruneOptions): this {
    const scope = o.scope ?? 'layer';
    if (scope !== 'layer' && scope !== 'global') throw new ArgumentError(`prune: scope must be 'layer' or 'global', got ${String(scope)}`);
    if (o.sparsity === undefined && o.layers === undefined) throw new ArgumentError('prune: give a sparsity or per-layer targets, got neither');
    if (o.sparsity !== undefined) checkSparsity('prune', o.sparsity);
    const perLayer = new Map<string, number>();
    for (const [k, s] of Object.entries(o.layers ?? {})) {
      checkSparsity('prune', s, `sparsity of '${k}'`);
      perLayer.set(this.resolve(k), s);
    }
    const rest = [...this.params.keys()].filter((k) => !perLayer.has(k));
    for (const [k, s] of perLayer) this.pruneLayers([k], s);
    if (o.sparsity !== undefined && rest.length > 0) {
      if (scope === 'global') this.pruneLayers(rest, o.sparsity);
      else for (const k of rest) this.pruneLayers([k], o.sparsity);
    }
    this.apply();
    return this;
  }

  /** Ranks |w| over the given layers together (pruned weights first) and keeps all but the smallest round(s * n). */
  private pruneLayers(names: string[], s: number): void {
    const total = names.reduce((a, k) => a + this.params.get(k)!.size, 0);
    const keys = new Float64Array(total);
    let off = 0;
    for (const k of names) {
      const w = this.params.get(k)!.data, m = this.masks.get(k)!;
      for (let i = 0; i < w.length; i++) keys[off + i] = m[i] ? Math.abs(w[i]) : -1;
      off += w.length;
    }
    const order = argsortAscending(keys);
    const zeros = Math.round(s * total);
    const flat = new Uint8Array(total).fill(1);
    for (let r = 0; r < zeros; r++) flat[order[r]] = 0;
    off = 0;
    for (const k of names) {
      const m = this.masks.get(k)!;
      m.set(flat.subarray(off, off + m.length));
      off += m.length;
    }
  }

  /** Sets masked weights to exactly zero. */
  apply(): void {
    for (const [k, t] of this.params) {
      const m = this.masks.get(k)!, w = t.data;
      for (let i = 0; i < w.length; i++) if (!m[i]) w[i] = 0;
    }
  }

  /** Zeroes the gradients of masked weights, so momentum and weight decay never see them. */
  maskGrads(): void {
    for (const [k, t] of this.params) {
      if (!t.grad) continue;
      const m = this.masks.get(k)!, g = t.grad.data;
      for (let i = 0; i < g.length; i++) if (!m[i]) g[i] = 0;
    }
  }

  /**
   * Keeps an optimizer from reviving pruned weights: gradients are masked before each step and weights
   * re-zeroed after it (through onStep). Returns a function that detaches both.
   */
  attach(optimizer: Optimizer): () => void {
    const original = optimizer.step;
    const self = this;
    optimizer.step = function step(this: Optimizer): void {
      self.maskGrads();
      original.call(this);
    };
    const remove = optimizer.onStep(() => this.apply());
    return () => {
      optimizer.step = original;
      remove();
    };
  }

  /** Zeros counted from the masks (per layer and over all managed layers). */
  stats(): SparsityStats {
    const layers: SparsityStats['layers'] = {};
    let size = 0, nonzero = 0;
    for (const [k, m] of this.masks) {
      let nz = 0;
      for (let i = 0; i < m.length; i++) nz += m[i];
      layers[k] = { size: m.length, nonzero: nz, sparsity: m.length ? 1 - nz / m.length : 0 };
      size += m.length;
      nonzero += nz;
    }
    return { size, nonzero, sparsity: size ? 1 - nonzero / size : 0, layers };
  }

  /** Masks as uint8 tensors named `<param>.mask` (for saving next to a state dict). */
  toTensors(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, m] of this.masks) out[`${k}.mask`] = new Tensor(m.slice(), this.params.get(k)!.shape, 'uint8');
    return out;
  }

  /** Masks recovered from the zeros of the current weights (e.g. after loading a pruned model). */
  static fromWeights(model: Module, names?: readonly string[]): PruningMasks {
    const pm = new PruningMasks(model, names);
    for (const [k, t] of pm.params) {
      const m = pm.masks.get(k)!;
      for (let i = 0; i < m.length; i++) m[i] = t.data[i] === 0 ? 0 : 1;
    }
    return pm;
  }
}

/** One-shot magnitude pruning: returns the masks (already applied to the weights). */
export function magnitudePrune(model: Module, o: PruneOptions): PruningMasks {
  return new PruningMasks(model).prune(o);
}

/** Sparsity of every prunable weight, counted from its actual zeros. */
export function weightSparsity(model: Module): SparsityStats {
  return PruningMasks.fromWeights(model).stats();
}

/** A copy of every parameter and buffer (for lottery-ticket rewinding). */
export function snapshotWeights(model: Module): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = t.clone();
  return out;
}

/** Lottery-ticket rewinding (Frankle & Carbin 2019): surviving weights return to the snapshot's values, pruned ones stay zero. */
export function rewindWeights(model: Module, snapshot: Record<string, Tensor>, masks: PruningMasks): void {
  model.loadStateDict(snapshot);
  masks.apply();
}
