// A model as JSON: the layer list of a Sequential with every size spelled out, so a file's metadata alone
// rebuilds its model (including models whose layers structured pruning or NAS resized).
import { Module } from './module.js';
import {
  Sequential, Linear, Conv2d, ReLU, Sigmoid, Tanh, LeakyReLU, GELU, Identity, Softmax, MaxPool2d, AvgPool2d,
  Flatten, Dropout, BatchNorm1d, BatchNorm2d,
} from './layers.js';
import { ArgumentError, FormatError, ShapeError } from '../errors.js';
import { Random } from '../random.js';

type Pair = number | [number, number];
export type LayerSpec =
  | { type: 'Linear'; in: number; out: number; bias?: boolean }
  | { type: 'Conv2d'; in: number; out: number; kernel: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number; bias?: boolean }
  | { type: 'ReLU' | 'Sigmoid' | 'Tanh' | 'GELU' | 'Identity' }
  | { type: 'LeakyReLU'; slope: number }
  | { type: 'Softmax'; axis: number }
  | { type: 'MaxPool2d' | 'AvgPool2d'; kernel: Pair; stride?: Pair; padding?: Pair }
  | { type: 'Flatten'; start?: number; end?: number }
  | { type: 'Dropout'; p: number }
  | { type: 'BatchNorm1d' | 'BatchNorm2d'; features: number; eps?: number; momentum?: number }
  | { type: 'Sequential'; layers: LayerSpec[] };

/** Describes a model built from the standard layers; throws for a layer it cannot describe. */
export function modelToSpec(m: Module): LayerSpec {
  if (m instanceof Sequential) return { type: 'Sequential', layers: m.layers.map(modelToSpec) };
  if (m instanceof Linear) return { type: 'Linear', in: m.inFeatures, out: m.outFeatures, bias: m.bias !== null };
  if (m instanceof Conv2d) return { type: 'Conv2d', in: m.inChannels, out: m.outChannels, kernel: m.kernelSize, stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups, bias: m.bias !== null };
  if (m instanceof LeakyReLU) return { type: 'LeakyReLU', slope: m.negativeSlope };
  if (m instanceof Softmax) return { type: 'Softmax', axis: m.axis };
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) return { type: m instanceof MaxPool2d ? 'MaxPool2d' : 'AvgPool2d', kernel: m.kernelSize, stride: m.stride, padding: m.padding };
  if (m instanceof Flatten) return { type: 'Flatten', start: m.startDim, end: m.endDim };
  if (m instanceof Dropout) return { type: 'Dropout', p: m.p };
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) return { type: m instanceof BatchNorm1d ? 'BatchNorm1d' : 'BatchNorm2d', features: m.numFeatures, eps: m.eps, momentum: m.momentum };
  for (const [type, ctor] of [['ReLU', ReLU], ['Sigmoid', Sigmoid], ['Tanh', Tanh], ['GELU', GELU], ['Identity', Identity]] as const) {
    if (m instanceof ctor) return { type };
  }
  throw new ArgumentError(`modelToSpec: cannot describe layer ${m.constructor.name}; only the standard nn layers are serializable`);
}

const isPair = (v: unknown): boolean => (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0));
const posInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** A layer of a spec that holds parameters: where it is (the path modelFromSpec's errors use), what it is, how many. */
export interface SpecLayerSize { path: string; layer: string; parameters: number }

/**
 * The trainable parameters of each layer a spec describes, read from the spec alone, before anything is allocated (so
 * a caller can refuse a model that cannot fit in memory). Fields that are not positive integers count as nothing:
 * modelFromSpec names them.
 */
export function specLayerSizes(spec: unknown, where = 'spec'): SpecLayerSize[] {
  const out: SpecLayerSize[] = [];
  const n = (v: unknown, fallback = 0): number => (posInt(v) ? (v as number) : fallback);
  const en = (v: number) => v.toLocaleString('en-US');
  const walk = (s: unknown, path: string): void => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return;
    const o = s as Record<string, unknown>;
    if (o.type === 'Sequential' && Array.isArray(o.layers)) o.layers.forEach((l, i) => walk(l, `${path}.layers[${i}]`));
    else if (o.type === 'Linear') {
      const [i, f] = [n(o.in), n(o.out)];
      out.push({ path, layer: `Linear ${en(i)} -> ${en(f)}`, parameters: i * f + (o.bias !== false ? f : 0) });
    } else if (o.type === 'Conv2d') {
      const [i, f, g] = [n(o.in), n(o.out), n(o.groups, 1)];
      const [kh, kw] = Array.isArray(o.kernel) ? [n(o.kernel[0]), n(o.kernel[1])] : [n(o.kernel), n(o.kernel)];
      out.push({ path, layer: `Conv2d ${en(i)} -> ${en(f)}, kernel ${kh}x${kw}`, parameters: f * Math.floor(i / g) * kh * kw + (o.bias !== false ? f : 0) });
    } else if (o.type === 'BatchNorm1d' || o.type === 'BatchNorm2d') {
      out.push({ path, layer: `${o.type} ${en(n(o.features))}`, parameters: 2 * n(o.features) });
    }
  };
  walk(spec, where);
  return out;
}

/** Builds a fresh (randomly initialized, seeded) model from a spec, validating every field. */
export function modelFromSpec(spec: unknown, seed = 0, where = 'spec'): Module {
  const rng = new Random(seed);
  // a layer's own check (Conv2d's groups, Dropout's p) names the layer but not where it sits in the spec: add the path
  const build = (s: unknown, path: string): Module => {
    try {
      return buildLayer(s, path);
    } catch (e) {
      if (e instanceof ArgumentError || e instanceof ShapeError) throw new FormatError(`model spec at ${path}: ${e.message}`);
      throw e;
    }
  };
  const buildLayer = (s: unknown, path: string): Module => {
    const bad = (msg: string): never => { throw new FormatError(`model spec at ${path}: ${msg}`); };
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return bad('a layer must be an object');
    const o = s as Record<string, unknown>;
    switch (o.type) {
      case 'Sequential':
        if (!Array.isArray(o.layers)) return bad('Sequential needs a layers array');
        return new Sequential(...o.layers.map((l, i) => build(l, `${path}.layers[${i}]`)));
      case 'Linear':
        if (!posInt(o.in) || !posInt(o.out)) return bad('Linear needs positive integer in and out');
        return new Linear(o.in as number, o.out as number, { bias: o.bias !== false, rng });
      case 'Conv2d':
        if (!posInt(o.in) || !posInt(o.out) || !isPair(o.kernel)) return bad('Conv2d needs positive integer in, out and a kernel');
        for (const k of ['stride', 'padding', 'dilation'] as const) if (o[k] !== undefined && !isPair(o[k])) bad(`Conv2d ${k} must be an integer or a pair`);
        return new Conv2d(o.in as number, o.out as number, o.kernel as Pair, { stride: o.stride as Pair | undefined, padding: o.padding as Pair | undefined, dilation: o.dilation as Pair | undefined, groups: (o.groups as number | undefined) ?? 1, bias: o.bias !== false, rng });
      case 'ReLU': return new ReLU();
      case 'Sigmoid': return new Sigmoid();
      case 'Tanh': return new Tanh();
      case 'GELU': return new GELU();
      case 'Identity': return new Identity();
      case 'LeakyReLU': return new LeakyReLU(typeof o.slope === 'number' ? o.slope : 0.01);
      case 'Softmax': return new Softmax(typeof o.axis === 'number' ? o.axis : -1);
      case 'MaxPool2d':
      case 'AvgPool2d': {
        if (!isPair(o.kernel)) return bad(`${o.type} needs a kernel`);
        const C = o.type === 'MaxPool2d' ? MaxPool2d : AvgPool2d;
        return new C(o.kernel as Pair, (o.stride ?? undefined) as Pair | undefined, (o.padding ?? 0) as Pair);
      }
      case 'Flatten': return new Flatten(typeof o.start === 'number' ? o.start : 1, typeof o.end === 'number' ? o.end : -1);
      case 'Dropout': return new Dropout(typeof o.p === 'number' ? o.p : 0.5, rng);
      case 'BatchNorm1d':
      case 'BatchNorm2d': {
        if (!posInt(o.features)) return bad(`${o.type} needs positive integer features`);
        const C = o.type === 'BatchNorm1d' ? BatchNorm1d : BatchNorm2d;
        return new C(o.features as number, typeof o.eps === 'number' ? o.eps : 1e-5, typeof o.momentum === 'number' ? o.momentum : 0.1);
      }
      default:
        return bad(`unknown layer type ${JSON.stringify(o.type)}`);
    }
  };
  return build(spec, where);
}
