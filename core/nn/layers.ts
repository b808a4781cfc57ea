// The standard layers, built on core/ops; PyTorch's names, shapes ([out, in] weights, NCHW) and default inits.
import { Tensor, zeros, ones, full } from '../tensor.js';
import * as ops from '../ops.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { getRandom, type Random } from '../random.js';
import { noGrad } from '../autograd.js';
import { Module } from './module.js';
import { kaimingUniform, uniform, fans } from './init.js';

export interface LayerOptions { bias?: boolean; rng?: Random }

/**
 * The default bias init's bound, 1/sqrt(fanIn), and 0 for a layer with no inputs, as PyTorch's reset_parameters has it:
 * Linear(0, n) had drawn its biases from U(-Infinity, Infinity), NaN (an AutoML MLP on a table of no usable column).
 */
function biasBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: LayerOptions = {}) {
    super();
    const rng = o.rng ?? getRandom();
    // PyTorch's default: kaiming_uniform(a=sqrt(5)) -> U(-1/sqrt(fanIn), 1/sqrt(fanIn)), same bound for the bias.
    this.weight = kaimingUniform(zeros([outFeatures, inFeatures]), { a: Math.sqrt(5), rng }).requireGrad();
    const bound = biasBound(inFeatures);
    this.bias = o.bias === false ? null : uniform(zeros([outFeatures]), -bound, bound, rng).requireGrad();
  }
  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
  override describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'})`;
  }
}

export interface Conv2dLayerOptions extends LayerOptions { stride?: number | [number, number]; padding?: number | [number, number]; dilation?: number | [number, number]; groups?: number }

export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];
  readonly dilation: number | [number, number];
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number | [number, number], o: Conv2dLayerOptions = {}) {
    super();
    const rng = o.rng ?? getRandom();
    this.groups = o.groups ?? 1;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ArgumentError(`Conv2d: channels must divide by groups, got in=${inChannels} out=${outChannels} groups=${this.groups}`);
    }
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    this.weight = kaimingUniform(zeros([outChannels, inChannels / this.groups, kh, kw]), { a: Math.sqrt(5), rng }).requireGrad();
    const bound = biasBound(fans(this.weight.shape).fanIn);
    this.bias = o.bias === false ? null : uniform(zeros([outChannels]), -bound, bound, rng).requireGrad();
  }
  forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  override describe(): string {
    const dilated = JSON.stringify(this.dilation) !== '1' && JSON.stringify(this.dilation) !== '[1,1]';
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernel=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.stride)}, padding=${JSON.stringify(this.padding)}${dilated ? `, dilation=${JSON.stringify(this.dilation)}` : ''}${this.groups > 1 ? `, groups=${this.groups}` : ''})`;
  }
}

/** Activation layers; each is a composite of primitives. */
export class ReLU extends Module { forward(x: Tensor): Tensor { return ops.relu(x); } }
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return ops.sigmoid(x); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return ops.tanh(x); } }
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  // max(x, slope x) is leaky relu for a slope up to 1 only; past 1 it is the min (LeakyReLU(2) had given -1 for -1,
  // PyTorch -2). NaN passes through either, as in PyTorch.
  forward(x: Tensor): Tensor {
    const scaled = ops.mul(x, this.negativeSlope);
    return this.negativeSlope <= 1 ? ops.maximum(x, scaled) : ops.minimum(x, scaled);
  }
  override describe(): string { return `LeakyReLU(${this.negativeSlope})`; }
}
/** GELU, tanh approximation (Hendrycks & Gimpel). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    const inner = ops.mul(ops.add(x, ops.mul(ops.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return ops.mul(ops.mul(x, 0.5), ops.add(ops.tanh(inner), 1));
  }
}
export class Identity extends Module { forward(x: Tensor): Tensor { return x; } }
export class Softmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return ops.softmax(x, this.axis); }
}

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number | [number, number], readonly stride?: number | [number, number], readonly padding: number | [number, number] = 0) { super(); }
  forward(x: Tensor): Tensor { return ops.maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
  override describe(): string { return poolText('MaxPool2d', this.kernelSize, this.stride, this.padding); }
}
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number | [number, number], readonly stride?: number | [number, number], readonly padding: number | [number, number] = 0) { super(); }
  forward(x: Tensor): Tensor { return ops.avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
  override describe(): string { return poolText('AvgPool2d', this.kernelSize, this.stride, this.padding); }
}

/** 'MaxPool2d(2)', with the stride and padding when they are not the defaults (stride = kernel, padding 0). */
function poolText(name: string, kernel: number | [number, number], stride: number | [number, number] | undefined, padding: number | [number, number]): string {
  const k = JSON.stringify(kernel);
  const s = stride === undefined ? k : JSON.stringify(stride);
  const p = JSON.stringify(padding);
  return `${name}(${k}${s !== k ? `, stride=${s}` : ''}${p !== '0' && p !== '[0,0]' ? `, padding=${p}` : ''})`;
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return ops.flatten(x, this.startDim, this.endDim); }
}

/** Inverted dropout: scales kept units by 1/(1-p) in training, identity in eval. */
export class Dropout extends Module {
  private readonly _rng: Random;
  constructor(readonly p = 0.5, rng?: Random) {
    super();
    if (!(p >= 0 && p < 1)) throw new ArgumentError(`Dropout: p must be in [0,1), got ${p}`);
    this._rng = rng ?? getRandom();
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const mask = zeros(x.shape, { dtype: x.dtype });
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < mask.size; i++) mask.data[i] = this._rng.next() < this.p ? 0 : keep;
    return ops.mul(x, mask);
  }
  override describe(): string { return `Dropout(p=${this.p})`; }
}

/**
 * Batch normalization over the channel axis 1 ([N,C] or [N,C,L] for 1d, [N,C,H,W] for 2d). Training uses batch
 * statistics and updates running ones (momentum 0.1, unbiased variance, as PyTorch); eval uses the running ones.
 * Training on one value per channel ([1,C], [1,C,1], [1,C,1,1]) throws a ShapeError, as PyTorch's ValueError: its
 * batch statistics would normalize every value to 0. fit() and the other training loops leave out a last batch of
 * one row for models that hold a BatchNorm (see trainingBatches in core/train.ts).
 */
abstract class BatchNormBase extends Module {
  weight: Tensor;
  bias: Tensor;
  runningMean!: Tensor;
  runningVar!: Tensor;
  numBatchesTracked!: Tensor;
  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = ones([numFeatures]).requireGrad();
    this.bias = zeros([numFeatures]).requireGrad();
    this.registerBuffer('runningMean', zeros([numFeatures]));
    this.registerBuffer('runningVar', ones([numFeatures]));
    this.registerBuffer('numBatchesTracked', full([], 0, { dtype: 'int32' }));
  }
  protected abstract checkInput(x: Tensor): void;
  protected override stateKey(field: string): string {
    return ({ runningMean: 'running_mean', runningVar: 'running_var', numBatchesTracked: 'num_batches_tracked' } as Record<string, string>)[field] ?? field;
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    // one value per channel has variance 0, so x - mean is 0 and the layer would output its bias alone, silently
    // (PyTorch raises here too); eval mode normalizes with the running statistics and takes a batch of one
    if (this.training && x.size === this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}: training needs more than one value per channel, got input ${fmtShape(x.shape)}; train on batches of more than one row, or call eval() to normalize with the running statistics`);
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
    let mean: Tensor, varr: Tensor;
    if (this.training) {
      mean = ops.mean(x, axes, true);
      varr = ops.variance(x, axes, true);
      const n = x.size / this.numFeatures;
      noGrad(() => {
        const m = this.momentum;
        for (let c = 0; c < this.numFeatures; c++) {
          this.runningMean.data[c] = (1 - m) * this.runningMean.data[c] + m * mean.data[c];
          this.runningVar.data[c] = (1 - m) * this.runningVar.data[c] + m * varr.data[c] * (n > 1 ? n / (n - 1) : 1);
        }
        this.numBatchesTracked.data[0] += 1;
      });
    } else {
      mean = this.runningMean.reshape(bshape);
      varr = this.runningVar.reshape(bshape);
    }
    const xhat = ops.div(ops.sub(x, mean), ops.sqrt(ops.add(varr, this.eps)));
    return ops.add(ops.mul(xhat, this.weight.reshape(bshape)), this.bias.reshape(bshape));
  }
  override describe(): string { return `${this.constructor.name}(${this.numFeatures})`; }
}
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[1] !== this.numFeatures) throw new ShapeError(`BatchNorm1d: input must be [N,${this.numFeatures}] or [N,${this.numFeatures},L], got ${fmtShape(x.shape)}`);
  }
}
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[1] !== this.numFeatures) throw new ShapeError(`BatchNorm2d: input must be [N,${this.numFeatures},H,W], got ${fmtShape(x.shape)}`);
  }
}

/** The BatchNorms of `model` in training mode: those that normalize with batch statistics and so cannot train on one row. */
export function batchStatisticsLayers(model: Module): Module[] {
  return model.namedModules().map(([, m]) => m).filter((m) => m instanceof BatchNormBase && m.training);
}

/** Whether `model` holds a BatchNorm in training mode (batchStatisticsLayers). */
export function usesBatchStatistics(model: Module): boolean {
  return batchStatisticsLayers(model).length > 0;
}

/** Runs its layers in order; stateDict names them 0, 1, ... as torch.nn.Sequential does. */
export class Sequential extends Module {
  layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }
  override namedChildren(): Array<[string, Module]> {
    return this.layers.map((m, i) => [`${i}`, m]);
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }
  /** Runs the layers and returns every intermediate output (for hint losses and activation statistics). */
  forwardAll(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = x;
    for (const l of this.layers) { h = l.forward(h); outs.push(h); }
    return outs;
  }
}
