// Structured pruning of Sequential models: whole neurons of a Linear or filters of a Conv2d are ranked (L1/L2 norm
// as Li et al. 2017, mean |activation|, or Taylor |a*g| as Molchanov et al. 2017 over calibration batches) and
// physically removed together with the matching inputs of the next Linear/Conv2d (BatchNorm channels in between,
// and H*W-column blocks after a Flatten, in the next layer and in a BatchNorm1d there), giving a smaller model of
// ordinary dense layers.
// Exactness: the shrunk model equals the masked one (rows, biases and in-between BatchNorm affine set to zero).
import {
  ArgumentError, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, GELU, Identity, LeakyReLU, Linear, MaxPool2d, Module,
  Random, ReLU, Sequential, Tanh, Tensor, crossEntropy, modelFromSpec, modelToSpec, noGrad, zeros,
} from '../core/index.js';
import { flattenSequential } from './quantize.js';

export type Importance = 'l1' | 'l2' | 'activation' | 'taylor';

/** Layers that map a zero channel to a zero channel, so a removed unit can be skipped through them. */
const ZERO_PRESERVING = [ReLU, LeakyReLU, Tanh, GELU, MaxPool2d, AvgPool2d, Dropout, Identity, Flatten] as const;

export interface PrunableUnit {
  /** Index of the Linear/Conv2d in the (flattened) Sequential; its name in the model is this index. */
  index: number;
  /** Index of the next Linear/Conv2d, whose inputs shrink with it. */
  next: number;
  /** The last layer before `next` that still has the channel axis (before any Flatten): where activations are read. */
  featureAt: number;
  units: number;
  /** The BatchNorms between the two, with the features each unit owns there: 1 before a Flatten, H*W after it. */
  norms: Array<{ index: number; block: number }>;
}

/** The Linear/Conv2d layers whose output units can be removed (all but the output layer, through zero-preserving layers and BN). */
export function prunableUnits(layers: readonly Module[]): PrunableUnit[] {
  const out: PrunableUnit[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (!(l instanceof Linear || l instanceof Conv2d)) continue;
    if (l instanceof Conv2d && l.groups !== 1) continue;
    const units = l.weight.shape[0];
    const norms: PrunableUnit['norms'] = [];
    let featureAt = i, flattened = false, ok = true, j = i + 1;
    for (; j < layers.length; j++) {
      const m = layers[j];
      if (m instanceof Linear || m instanceof Conv2d) break;
      if (m instanceof Flatten) flattened = true;
      else if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
        // after a Flatten a BatchNorm1d has one feature per (channel, position): a unit owns a block of them
        const block = flattened ? m.numFeatures / units : 1;
        if (!Number.isInteger(block) || block < 1) { ok = false; break; }
        norms.push({ index: j, block });
      } else if (!ZERO_PRESERVING.some((K) => m instanceof K)) { ok = false; break; }
      if (!flattened) featureAt = j;
    }
    const nx = layers[j];
    if (!ok || !(nx instanceof Linear || nx instanceof Conv2d) || (nx instanceof Conv2d && nx.groups !== 1)) continue;
    out.push({ index: i, next: j, featureAt, units, norms });
  }
  return out;
}

function batchesOf(c: Iterable<[Tensor, Tensor]> | undefined, op: string): Array<[Tensor, Tensor]> {
  const b = c ? [...c] : [];
  if (b.length === 0) throw new ArgumentError(`${op}: activation and taylor importance need calibration batches [x, y], got none`);
  return b;
}

/** Per-unit importance of every prunable layer (keyed by layer index as a string). */
export function unitImportance(model: Module, criterion: Importance, calibration?: Iterable<[Tensor, Tensor]>): Record<string, Float64Array> {
  const layers = flattenSequential(model, 'unitImportance');
  const units = prunableUnits(layers);
  const out: Record<string, Float64Array> = {};
  for (const u of units) out[String(u.index)] = new Float64Array(u.units);
  if (criterion === 'l1' || criterion === 'l2') {
    for (const u of units) {
      const w = (layers[u.index] as Linear | Conv2d).weight, per = w.size / u.units, imp = out[String(u.index)];
      for (let o = 0; o < u.units; o++) {
        let s = 0;
        for (let k = 0; k < per; k++) { const v = w.data[o * per + k]; s += criterion === 'l1' ? Math.abs(v) : v * v; }
        imp[o] = criterion === 'l1' ? s : Math.sqrt(s);
      }
    }
    return out;
  }
  if (criterion !== 'activation' && criterion !== 'taylor') throw new ArgumentError(`unitImportance: criterion must be one of l1, l2, activation, taylor, got ${String(criterion)}`);
  const seq = new Sequential(...layers);
  const wasTraining = model.training;
  seq.eval();
  let samples = 0;
  for (const [x, y] of batchesOf(calibration, 'unitImportance')) {
    const run = (): Tensor[] => seq.forwardAll(x);
    const outs = criterion === 'activation' ? noGrad(run) : run();
    if (criterion === 'taylor') {
      for (const u of units) outs[u.featureAt].retainGrad();
      seq.zeroGrad();
      crossEntropy(outs[outs.length - 1], y).backward();
    }
    for (const u of units) {
      const a = outs[u.featureAt], g = criterion === 'taylor' ? outs[u.featureAt].grad : null;
      const n = a.shape[0], c = u.units, sp = a.size / (n * c), imp = out[String(u.index)];
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          const base = (b * c + ch) * sp;
          for (let p = 0; p < sp; p++) s += g ? a.data[base + p] * g.data[base + p] : Math.abs(a.data[base + p]);
          // Taylor: |mean over positions of a*g| per sample (times the batch size, undoing the loss's mean).
          imp[ch] += g ? Math.abs(s / sp) * n : s / sp;
        }
      }
    }
    samples += x.shape[0];
  }
  seq.zeroGrad();
  model.train(wasTraining);
  for (const v of Object.values(out)) for (let i = 0; i < v.length; i++) v[i] /= samples;
  return out;
}

export interface StructuredOptions {
  /** Fraction of units removed from every prunable layer, or per layer by index/name ('0', '0.weight'). */
  amount: number | Record<string, number>;
  criterion?: Importance;
  /** [x, y] batches for 'activation' and 'taylor'. */
  calibration?: Iterable<[Tensor, Tensor]>;
}

function layerKey(name: string, units: PrunableUnit[]): string {
  const k = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : name;
  if (!units.some((u) => String(u.index) === k)) throw new ArgumentError(`structuredPrune: unknown or unprunable layer '${name}', prunable layers are [${units.map((u) => u.index).join(', ')}]`);
  return k;
}

/** Which units each prunable layer keeps (ascending indices), from importances and amounts. */
export function selectUnits(model: Module, o: StructuredOptions): Record<string, number[]> {
  const layers = flattenSequential(model, 'structuredPrune');
  const units = prunableUnits(layers);
  const amounts = new Map<string, number>();
  if (typeof o.amount === 'number') for (const u of units) amounts.set(String(u.index), o.amount);
  else for (const [k, v] of Object.entries(o.amount)) amounts.set(layerKey(k, units), v);
  for (const [k, a] of amounts) if (!(typeof a === 'number' && a >= 0 && a < 1)) throw new ArgumentError(`structuredPrune: amount of layer ${k} must be in [0,1), got ${a}`);
  const imp = unitImportance(model, o.criterion ?? 'l1', o.calibration);
  const keep: Record<string, number[]> = {};
  for (const [k, a] of amounts) {
    const v = imp[k], n = v.length;
    const kept = Math.max(1, n - Math.round(a * n));
    const order = [...v.keys()].sort((p, q) => v[q] - v[p] || p - q);
    keep[k] = order.slice(0, kept).sort((p, q) => p - q);
  }
  return keep;
}

/** Zeroes removed units in place (rows, biases, BatchNorm affine in between): the reference the shrunk model must equal. */
export function maskUnits(model: Module, keep: Record<string, number[]>): void {
  const layers = flattenSequential(model, 'maskUnits');
  for (const u of prunableUnits(layers)) {
    const k = keep[String(u.index)];
    if (!k) continue;
    const kept = new Set(k);
    const l = layers[u.index] as Linear | Conv2d, per = l.weight.size / u.units;
    for (let o = 0; o < u.units; o++) {
      if (kept.has(o)) continue;
      l.weight.data.fill(0, o * per, (o + 1) * per);
      if (l.bias) l.bias.data[o] = 0;
      for (const { index, block } of u.norms) {
        const bn = layers[index] as BatchNorm1d | BatchNorm2d;
        bn.weight.data.fill(0, o * block, (o + 1) * block);
        bn.bias.data.fill(0, o * block, (o + 1) * block);
      }
    }
  }
}

function take(t: Tensor, axis0: number[] | null, axis1: number[] | null): Tensor {
  const s = [...t.shape];
  const rows = axis0 ?? [...Array(s[0]).keys()];
  const cols = s.length > 1 ? axis1 ?? [...Array(s[1]).keys()] : [0];
  const inner = s.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float32Array(rows.length * cols.length * inner);
  let d = 0;
  for (const r of rows) for (const c of cols) {
    const src = s.length > 1 ? (r * s[1] + c) * inner : r;
    for (let p = 0; p < inner; p++) out[d++] = t.data[src + p];
  }
  return new Tensor(out, s.length > 1 ? [rows.length, cols.length, ...s.slice(2)] : [rows.length], 'float32');
}

/**
 * An independent copy of a layer shrinkModel does not resize: a BatchNorm outside the pruned units or a Dropout had
 * been the input model's own object, so training the pruned model moved the input's weights and running statistics.
 * A layer of the standard set is rebuilt from its spec with its tensors copied; one outside it is kept only when it
 * holds no tensors (nothing of it can train), else refused, as it cannot be copied safely.
 */
function copyLayer(l: Module, i: number): Module {
  if (l instanceof Dropout) return new Dropout(l.p); // draws from the global generator, as a Dropout made without one
  let spec: ReturnType<typeof modelToSpec>;
  try {
    spec = modelToSpec(l);
  } catch {
    if (Object.keys(l.stateDict()).length === 0) return l;
    throw new ArgumentError(`shrinkModel: cannot copy layer ${i} (${l.constructor.name}), which holds tensors; the pruned model would share them with the input model`);
  }
  const c = modelFromSpec(spec);
  c.loadStateDict(l.stateDict());
  return c.train(l.training);
}

/** A new, smaller Sequential without the removed units: every layer is a new object, so the input model is left as it is. */
export function shrinkModel(model: Module, keep: Record<string, number[]>): Sequential {
  const layers = flattenSequential(model, 'shrinkModel');
  const units = prunableUnits(layers);
  for (const k of Object.keys(keep)) layerKey(k, units);
  const outKeep = new Map<number, number[]>(); // layer index -> kept output units
  const inKeep = new Map<number, number[]>();  // layer index -> kept input columns
  const bnKeep = new Map<number, number[]>();
  for (const u of units) {
    const k = keep[String(u.index)];
    if (!k) continue;
    outKeep.set(u.index, k);
    const blocks = (block: number) => k.flatMap((c) => Array.from({ length: block }, (_, p) => c * block + p));
    for (const { index, block } of u.norms) bnKeep.set(index, blocks(block));
    const nx = layers[u.next] as Linear | Conv2d;
    const inputs = nx instanceof Linear ? nx.inFeatures : nx.inChannels;
    const block = inputs / u.units; // H*W per channel after a Flatten, else 1
    if (!Number.isInteger(block)) throw new ArgumentError(`shrinkModel: layer ${u.next} takes ${inputs} inputs, not a multiple of the ${u.units} units of layer ${u.index}`);
    inKeep.set(u.next, blocks(block));
  }
  const rng = new Random(0);
  const out = layers.map((l, i) => {
    const rows = outKeep.get(i) ?? null, cols = inKeep.get(i) ?? null;
    if (l instanceof Linear) {
      const w = take(l.weight, rows, cols);
      const n = new Linear(w.shape[1], w.shape[0], { bias: l.bias !== null, rng });
      n.weight.data.set(w.data);
      if (l.bias && n.bias) n.bias.data.set(take(l.bias, rows, null).data);
      return n;
    }
    if (l instanceof Conv2d) {
      const w = take(l.weight, rows, cols);
      // a grouped conv is never pruned nor fed by a pruned layer (prunableUnits): it keeps its groups
      const n = new Conv2d(w.shape[1] * l.groups, w.shape[0], l.kernelSize, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups, bias: l.bias !== null, rng });
      n.weight.data.set(w.data);
      if (l.bias && n.bias) n.bias.data.set(take(l.bias, rows, null).data);
      return n;
    }
    const bk = bnKeep.get(i);
    if (bk && (l instanceof BatchNorm1d || l instanceof BatchNorm2d)) {
      const n = l instanceof BatchNorm1d ? new BatchNorm1d(bk.length, l.eps, l.momentum) : new BatchNorm2d(bk.length, l.eps, l.momentum);
      n.weight.data.set(take(l.weight, bk, null).data);
      n.bias.data.set(take(l.bias, bk, null).data);
      n.runningMean.data.set(take(l.runningMean, bk, null).data);
      n.runningVar.data.set(take(l.runningVar, bk, null).data);
      n.numBatchesTracked.data[0] = l.numBatchesTracked.data[0];
      return n;
    }
    return copyLayer(l, i);
  });
  return new Sequential(...out).train(model.training);
}

/** Ranks, selects and removes units; returns the smaller model and what was kept. */
export function structuredPrune(model: Module, o: StructuredOptions): { model: Sequential; keep: Record<string, number[]> } {
  const keep = selectUnits(model, o);
  return { model: shrinkModel(model, keep), keep };
}

export interface FlopCount { total: number; conv: number; linear: number; layers: Array<{ index: number; type: string; macs: number }> }

/** Multiply-accumulates per sample of every Linear/Conv2d, from a forward pass on zeros of `inputShape` (without the batch axis). */
export function countFlops(model: Module, inputShape: readonly number[]): FlopCount {
  const layers = flattenSequential(model, 'countFlops');
  const res: FlopCount = { total: 0, conv: 0, linear: 0, layers: [] };
  let h = zeros([1, ...inputShape]);
  const wasTraining = model.training;
  model.eval();
  noGrad(() => {
    layers.forEach((l, i) => {
      const y = l.forward(h);
      if (l instanceof Linear || l instanceof Conv2d) {
        const macs = l instanceof Linear ? l.inFeatures * l.outFeatures : y.size * (l.weight.size / l.outChannels);
        res.layers.push({ index: i, type: l.constructor.name, macs });
        res.total += macs;
        if (l instanceof Conv2d) res.conv += macs; else res.linear += macs;
      }
      h = y;
    });
  });
  model.train(wasTraining);
  return res;
}
