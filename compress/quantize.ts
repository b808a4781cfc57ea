// Post-training int8 quantization of Sequential models: weights symmetric per channel (or per tensor), activations
// asymmetric per tensor from calibration batches; Linear/Conv2d become layers that quantize their input, run the
// int8 GEMM (int32 accumulation) and dequantize in its epilogue (bias and a following ReLU fused there).
// BatchNorm after a Linear/Conv2d is folded into it first. Quantized models save as safetensors (int8 weights,
// scales, zero points) with the layer list in the metadata, so a file alone rebuilds the model.
import {
  ArgumentError, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, FormatError, GELU, Identity, LeakyReLU, Linear,
  MaxPool2d, Module, Random, ReLU, Sequential, Sigmoid, Softmax, Tanh, Tensor, checkClassesMetadata, fmtValue, loadTensors, noGrad, refuseLargerThanFile, saveTensors,
  tensor, zeros,
} from '../core/index.js';
import { nodeBuiltin } from '../core/node-builtins.js';
import { foldActivationZeroPoint, quantizePerChannel, quantizePerTensor, quantizedConv2d, quantizedLinear, type Int8Epilogue } from '../core/quantized.js';
import { Observer, type ObserverOptions } from './observers.js';

type Pair = number | [number, number];

export type LayerSpec =
  | { type: 'QuantizedLinear'; inFeatures: number; outFeatures: number; bias: boolean; relu: boolean }
  | { type: 'QuantizedConv2d'; inChannels: number; outChannels: number; kernel: [number, number]; stride: Pair; padding: Pair; dilation: Pair; groups: number; bias: boolean; relu: boolean }
  | { type: 'ReLU' | 'Sigmoid' | 'Tanh' | 'GELU' | 'Identity' }
  | { type: 'LeakyReLU'; negativeSlope: number }
  | { type: 'Dropout'; p: number }
  | { type: 'Softmax'; axis: number }
  | { type: 'Flatten'; startDim: number; endDim: number }
  | { type: 'MaxPool2d' | 'AvgPool2d'; kernel: Pair; stride: Pair | null; padding: Pair };

abstract class QuantizedLayer extends Module {
  weightQ!: Tensor;
  weightScale!: Tensor;
  bias!: Tensor | null;
  inputScale!: Tensor;
  inputZeroPoint!: Tensor;
  constructor(wShape: number[], hasBias: boolean, readonly relu: boolean) {
    super();
    this.registerBuffer('weightQ', zeros(wShape, { dtype: 'int8' }));
    this.registerBuffer('weightScale', zeros([wShape[0]]));
    this.registerBuffer('bias', hasBias ? zeros([wShape[0]]) : null);
    this.registerBuffer('inputScale', tensor([1]));
    this.registerBuffer('inputZeroPoint', tensor([0], { dtype: 'int32' }));
  }
  private _epilogue: Int8Epilogue | null = null;
  /** Whether the input zero point may be folded into the bias: not when padding cells must hold it. */
  protected foldZeroPoint(): boolean { return true; }
  /** The epilogue, with the input zero point folded into the bias where it may be (cached; invalidate() after changing buffers). */
  protected epilogue(): Int8Epilogue {
    if (this._epilogue) return this._epilogue;
    const ep: Int8Epilogue = {
      aScale: this.inputScale.data as Float32Array,
      aZeroPoint: this.inputZeroPoint.data as Int32Array,
      bScale: this.weightScale.data as Float32Array,
      bias: this.bias ? (this.bias.data as Float32Array) : undefined,
      relu: this.relu,
    };
    this._epilogue = this.foldZeroPoint() ? foldActivationZeroPoint(this.weightQ, ep) : ep;
    return this._epilogue;
  }
  /** Drops cached values derived from the buffers (loadStateDict and setFrom call it). */
  invalidate(): void {
    this._epilogue = null;
  }
  protected quantizeInput(x: Tensor): Tensor {
    return x.dtype === 'int8' ? x : quantizePerTensor(x, this.inputScale.data[0], this.inputZeroPoint.data[0]);
  }
  /** Fills weights and input qparams; per-tensor weights use one scale for every channel. */
  setFrom(w: Tensor, b: Tensor | null, input: { scale: number; zeroPoint: number }, perChannel: boolean): this {
    // per tensor: the weight as one channel, its one scale repeated for every output
    const { q, scale } = quantizePerChannel(perChannel ? w : new Tensor(w.data, [1, w.size], 'float32'));
    this.weightQ.data.set(q.data);
    if (perChannel) this.weightScale.data.set(scale);
    else this.weightScale.data.fill(scale[0]);
    if (b && this.bias) this.bias.data.set(b.data);
    this.inputScale.data[0] = input.scale;
    this.inputZeroPoint.data[0] = input.zeroPoint;
    this.invalidate();
    return this;
  }
}

/** Linear on int8: quantize the input per tensor, int8 GEMM against wq[out,in], dequantize (+bias, +ReLU). */
export class QuantizedLinear extends QuantizedLayer {
  constructor(readonly inFeatures: number, readonly outFeatures: number, hasBias = true, relu = false) {
    super([outFeatures, inFeatures], hasBias, relu);
  }
  forward(x: Tensor): Tensor {
    return quantizedLinear(this.quantizeInput(x), this.weightQ, this.epilogue());
  }
  spec(): LayerSpec {
    return { type: 'QuantizedLinear', inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null, relu: this.relu };
  }
  override describe(): string { return `QuantizedLinear(${this.inFeatures}, ${this.outFeatures}${this.relu ? ', relu' : ''})`; }
}

/** Conv2d on int8 via int8 im2col + GEMM. */
export class QuantizedConv2d extends QuantizedLayer {
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: [number, number],
    readonly opts: { stride: Pair; padding: Pair; dilation: Pair; groups: number }, hasBias = true, relu = false) {
    super([outChannels, inChannels / opts.groups, kernel[0], kernel[1]], hasBias, relu);
  }
  forward(x: Tensor): Tensor {
    return quantizedConv2d(this.quantizeInput(x), this.weightQ, this.epilogue(), this.opts);
  }
  /** A folded zero point would leave padding cells at q = 0, a real -zeroPoint*scale: padded convs keep it (pad = zero point). */
  protected override foldZeroPoint(): boolean {
    const pad = this.opts.padding;
    return typeof pad === 'number' ? pad === 0 : pad[0] === 0 && pad[1] === 0;
  }
  spec(): LayerSpec {
    return { type: 'QuantizedConv2d', inChannels: this.inChannels, outChannels: this.outChannels, kernel: this.kernel, ...this.opts, bias: this.bias !== null, relu: this.relu };
  }
  override describe(): string { return `QuantizedConv2d(${this.inChannels}, ${this.outChannels}, kernel=${JSON.stringify(this.kernel)}${this.relu ? ', relu' : ''})`; }
}

/** A Sequential of quantized and float (parameter-free) layers that knows how to describe itself for saving. */
export class QuantizedModel extends Sequential {
  override loadStateDict(sd: Record<string, Tensor>, strict = true): { missing: string[]; unexpected: string[] } {
    const r = super.loadStateDict(sd, strict);
    for (const [, m] of this.namedModules()) if (m instanceof QuantizedLayer) m.invalidate();
    return r;
  }
  specs(): LayerSpec[] {
    return this.layers.map((l, i) => specOf(l, i));
  }
}

const PASS_THROUGH = [ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity, Dropout, Softmax, Flatten, MaxPool2d, AvgPool2d] as const;
const SUPPORTED = 'Linear, Conv2d, BatchNorm after Linear/Conv2d, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity, Dropout, Softmax, Flatten, MaxPool2d, AvgPool2d';

function specOf(l: Module, i: number): LayerSpec {
  if (l instanceof QuantizedLinear || l instanceof QuantizedConv2d) return l.spec();
  if (l instanceof ReLU) return { type: 'ReLU' };
  if (l instanceof Sigmoid) return { type: 'Sigmoid' };
  if (l instanceof Tanh) return { type: 'Tanh' };
  if (l instanceof GELU) return { type: 'GELU' };
  if (l instanceof Identity) return { type: 'Identity' };
  if (l instanceof LeakyReLU) return { type: 'LeakyReLU', negativeSlope: l.negativeSlope };
  if (l instanceof Dropout) return { type: 'Dropout', p: l.p };
  if (l instanceof Softmax) return { type: 'Softmax', axis: l.axis };
  if (l instanceof Flatten) return { type: 'Flatten', startDim: l.startDim, endDim: l.endDim };
  if (l instanceof MaxPool2d || l instanceof AvgPool2d) return { type: l instanceof MaxPool2d ? 'MaxPool2d' : 'AvgPool2d', kernel: l.kernelSize, stride: l.stride ?? null, padding: l.padding };
  throw new ArgumentError(`quantizeModel: cannot quantize layer ${i} (${l.constructor.name}), supported layers are ${SUPPORTED}`);
}

/**
 * The layer a saved spec describes, every field checked first: a damaged or hand-edited layer list is a FormatError
 * naming the file and the field (`layers[3].outChannels must be a positive integer, got null`), where it had been an
 * error from deep in a constructor or a kernel ('full: dimensions must be non-negative') that named neither.
 */
function fromSpec(raw: unknown, i: number, file: string): Module {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new FormatError(`quantized model: layers[${i}]${field ? `.${field}` : ''} must be ${want}, got ${fmtValue(got, 'items')}`, file, 'metadata.layers');
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('', 'a layer object', raw);
  const o = raw as Record<string, unknown>;
  const int = (k: string, min: number): number => (Number.isSafeInteger(o[k]) && (o[k] as number) >= min ? (o[k] as number) : bad(k, min === 0 ? 'an integer >= 0' : `an integer >= ${min}`, o[k]));
  const flag = (k: string): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : bad(k, 'true or false', o[k]));
  const num = (k: string, ok: (v: number) => boolean, want: string): number => (typeof o[k] === 'number' && ok(o[k] as number) ? (o[k] as number) : bad(k, want, o[k]));
  const isInt = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  const pair = (k: string, min: number, orNull = false): Pair | null => {
    const v = o[k];
    if (orNull && v === null) return null;
    if (isInt(v, min) || (Array.isArray(v) && v.length === 2 && v.every((x) => isInt(x, min)))) return v as Pair;
    return bad(k, `an integer >= ${min} or a pair of them${orNull ? ', or null' : ''}`, v);
  };
  switch (o.type) {
    case 'QuantizedLinear': return new QuantizedLinear(int('inFeatures', 1), int('outFeatures', 1), flag('bias'), flag('relu'));
    case 'QuantizedConv2d': {
      const [inC, outC] = [int('inChannels', 1), int('outChannels', 1)];
      const kernel = pair('kernel', 1);
      if (!Array.isArray(kernel)) return bad('kernel', 'a pair of integers >= 1', kernel);
      const groups = int('groups', 1);
      if (inC % groups !== 0 || outC % groups !== 0) bad('groups', `a divisor of inChannels ${inC} and outChannels ${outC}`, groups);
      return new QuantizedConv2d(inC, outC, kernel, { stride: pair('stride', 1)!, padding: pair('padding', 0)!, dilation: pair('dilation', 1)!, groups }, flag('bias'), flag('relu'));
    }
    case 'ReLU': return new ReLU();
    case 'Sigmoid': return new Sigmoid();
    case 'Tanh': return new Tanh();
    case 'GELU': return new GELU();
    case 'Identity': return new Identity();
    case 'LeakyReLU': return new LeakyReLU(num('negativeSlope', Number.isFinite, 'a finite number'));
    case 'Dropout': return new Dropout(num('p', (p) => p >= 0 && p < 1, 'a number in [0, 1)'));
    case 'Softmax': return new Softmax(num('axis', Number.isSafeInteger, 'an integer'));
    case 'Flatten': return new Flatten(num('startDim', Number.isSafeInteger, 'an integer'), num('endDim', Number.isSafeInteger, 'an integer'));
    case 'MaxPool2d':
    case 'AvgPool2d': {
      const C = o.type === 'MaxPool2d' ? MaxPool2d : AvgPool2d;
      return new C(pair('kernel', 1)!, pair('stride', 1, true) ?? undefined, pair('padding', 0)!);
    }
    default: return bad('type', 'a layer type this whittle saves', o.type);
  }
}

/** The weights (int8 values) a saved spec's quantized layer declares, before it is built; 0 where a field is not a count. */
function declaredWeights(raw: unknown): number {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const n = (v: unknown) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : 0);
  if (o.type === 'QuantizedLinear') return n(o.inFeatures) * n(o.outFeatures);
  if (o.type === 'QuantizedConv2d') {
    const k = Array.isArray(o.kernel) ? n(o.kernel[0]) * n(o.kernel[1]) : 0;
    return n(o.outChannels) * Math.floor(n(o.inChannels) / Math.max(1, n(o.groups))) * k;
  }
  return 0;
}

/** The layers of a Sequential with nested Sequentials inlined. */
export function flattenSequential(model: Module, op = 'quantizeModel'): Module[] {
  if (!(model instanceof Sequential)) throw new ArgumentError(`${op}: model must be a Sequential, got ${model.constructor.name}`);
  return model.layers.flatMap((l) => (l instanceof Sequential ? flattenSequential(l, op) : [l]));
}

/**
 * Folds every BatchNorm that follows a Linear/Conv2d into that layer (eval statistics), returning float copies of
 * the layers. Throws on a layer this pipeline cannot quantize (anything with parameters that is not Linear/Conv2d).
 */
export function foldBatchNorm(layers: readonly Module[], op = 'quantizeModel'): Module[] {
  const out: Module[] = [];
  layers.forEach((l, i) => {
    if (l instanceof BatchNorm1d || l instanceof BatchNorm2d) {
      const prev = out[out.length - 1];
      if (!(prev instanceof Linear || prev instanceof Conv2d)) throw new ArgumentError(`${op}: cannot quantize layer ${i} (${l.constructor.name}) unless it follows a Linear or Conv2d, supported layers are ${SUPPORTED}`);
      const c = l.numFeatures, per = prev.weight.size / c;
      if (prev.weight.shape[0] !== c) throw new ArgumentError(`${op}: BatchNorm at layer ${i} has ${c} features, the layer before it ${prev.weight.shape[0]}`);
      if (!prev.bias) prev.bias = zeros([c]).requireGrad();
      for (let o = 0; o < c; o++) {
        const g = l.weight.data[o] / Math.sqrt(l.runningVar.data[o] + l.eps);
        for (let j = 0; j < per; j++) prev.weight.data[o * per + j] *= g;
        prev.bias.data[o] = (prev.bias.data[o] - l.runningMean.data[o]) * g + l.bias.data[o];
      }
      return;
    }
    if (l instanceof Linear) {
      const c = new Linear(l.inFeatures, l.outFeatures, { bias: l.bias !== null, rng: new Random(0) });
      c.loadStateDict(l.stateDict());
      out.push(c);
    } else if (l instanceof Conv2d) {
      const c = new Conv2d(l.inChannels, l.outChannels, l.kernelSize, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups, bias: l.bias !== null, rng: new Random(0) });
      c.loadStateDict(l.stateDict());
      out.push(c);
    } else {
      if (!PASS_THROUGH.some((K) => l instanceof K)) throw new ArgumentError(`${op}: cannot quantize layer ${i} (${l.constructor.name}), supported layers are ${SUPPORTED}`);
      out.push(l);
    }
  });
  return out;
}

export interface QuantizeOptions {
  /** 'per-channel' (default) or 'per-tensor' weight scales. */
  weights?: 'per-channel' | 'per-tensor';
  /** How activation ranges are chosen from calibration batches. */
  observer?: ObserverOptions;
  /** Fuse a ReLU that follows a Linear/Conv2d into its epilogue (default true). */
  fuseRelu?: boolean;
}

/** Calibration data: input batches, [x, y] batches (a DataLoader), or one tensor. */
export type Calibration = Iterable<Tensor | [Tensor, Tensor]> | Tensor;

function* batchesOf(c: Calibration): Generator<Tensor> {
  if (c instanceof Tensor) { yield c; return; }
  for (const b of c) yield Array.isArray(b) ? b[0] : b;
}

/** Builds an int8 model from a float Sequential: fold BN, calibrate activation ranges, quantize weights. */
export function quantizeModel(model: Module, calibration: Calibration, o: QuantizeOptions = {}): QuantizedModel {
  const layers = foldBatchNorm(flattenSequential(model));
  const observers = layers.map((l) => (l instanceof Linear || l instanceof Conv2d ? new Observer(o.observer) : null));
  const float = new Sequential(...layers);
  const wasTraining = model.training;
  float.eval();
  let batches = 0;
  noGrad(() => {
    for (const x of batchesOf(calibration)) {
      let h = x;
      layers.forEach((l, i) => { observers[i]?.observe(h); h = l.forward(h); });
      batches++;
    }
  });
  model.train(wasTraining);
  if (batches === 0) throw new ArgumentError('quantizeModel: calibration must hold at least one batch, got none');
  return buildQuantized(layers, (i) => observers[i]!.qparams(), o);
}

/** Assembles the quantized model given float layers and each Linear/Conv2d's input qparams. */
export function buildQuantized(layers: readonly Module[], inputQ: (i: number) => { scale: number; zeroPoint: number }, o: QuantizeOptions = {}): QuantizedModel {
  const perChannel = (o.weights ?? 'per-channel') === 'per-channel';
  if (o.weights !== undefined && o.weights !== 'per-channel' && o.weights !== 'per-tensor') throw new ArgumentError(`quantizeModel: weights must be 'per-channel' or 'per-tensor', got ${String(o.weights)}`);
  const fuse = o.fuseRelu ?? true;
  const out: Module[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const relu = fuse && layers[i + 1] instanceof ReLU;
    if (l instanceof Linear) out.push(new QuantizedLinear(l.inFeatures, l.outFeatures, l.bias !== null, relu).setFrom(l.weight, l.bias, inputQ(i), perChannel));
    else if (l instanceof Conv2d) {
      const k: [number, number] = typeof l.kernelSize === 'number' ? [l.kernelSize, l.kernelSize] : l.kernelSize;
      out.push(new QuantizedConv2d(l.inChannels, l.outChannels, k, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups }, l.bias !== null, relu)
        .setFrom(l.weight, l.bias, inputQ(i), perChannel));
    } else { out.push(fromSpec(specOf(l, i), i, '<model>')); continue; } // a fresh instance: the float model keeps its own
    if (relu) { out.push(new Identity()); i++; }
  }
  return new QuantizedModel(...out).eval();
}

/**
 * Saves int8 weights, scales, zero points and the layer list; returns the file's size in bytes. `metadata` is
 * carried along (e.g. what the model reads: a table's classes and preprocessing), so the file alone predicts.
 */
export function saveQuantizedModel(path: string, model: QuantizedModel, metadata: Record<string, string> = {}): number {
  saveTensors(path, model.stateDict(), { ...metadata, format: 'whittle-quantized', layers: JSON.stringify(model.specs()) });
  return nodeBuiltin('fs', 'saveQuantizedModel').statSync(path).size;
}

/** Rebuilds a quantized model from its file alone. */
export function loadQuantizedModel(path: string): QuantizedModel {
  const { tensors, metadata } = loadTensors(path);
  if (metadata.format !== 'whittle-quantized' || metadata.layers === undefined) throw new FormatError(`quantized model: metadata format must be 'whittle-quantized', got ${String(metadata.format)}`, path, 'header');
  return quantizedModelFromTensors(tensors, metadata, path);
}

/** The quantized model `metadata.layers` describes, with these tensors; shared with the sparse format's int8 files. */
export function quantizedModelFromTensors(tensors: Record<string, Tensor>, metadata: Record<string, string>, path: string): QuantizedModel {
  let specs: unknown;
  try { specs = JSON.parse(metadata.layers); } catch { throw new FormatError('quantized model: metadata.layers must be JSON', path, 'header'); }
  if (!Array.isArray(specs)) throw new FormatError('quantized model: metadata.layers must be a JSON array', path, 'header');
  refuseLargerThanFile(specs.reduce((a: number, s) => a + declaredWeights(s), 0), tensors, path, 'metadata.layers');
  const model = new QuantizedModel(...specs.map((s, i) => fromSpec(s, i, path)));
  try { model.loadStateDict(tensors); } catch (e) { throw new FormatError((e as Error).message, path); }
  checkClassesMetadata(model, metadata, path);
  return model.eval();
}
