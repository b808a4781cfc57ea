// Quantization-aware training (Jacob et al. 2018): Linear/Conv2d see fake-quantized (quantize-dequantize) inputs
// and weights in the forward pass; the straight-through estimator passes gradients unchanged where a value's code
// lands in [qmin, qmax] and zero where it is clamped (PyTorch's mask). Observers track input ranges (moving average
// by default) and set the scale and zero point each layer fake-quantizes with; both are buffers of the model, so a
// checkpoint keeps them, and convertQAT builds the real int8 model from the trained weights and those very qparams.
import { ArgumentError, Conv2d, Linear, Module, Sequential, Tensor, customGrad, ops, tensor, type Random } from '../core/index.js';
import { inverseScale, quantizePerChannel, roundHalfEven } from '../core/quantized.js';
import { Observer, type ObserverOptions } from './observers.js';
import { buildQuantized, flattenSequential, foldBatchNorm, type QuantizeOptions, type QuantizedModel } from './quantize.js';

/**
 * (q - z) * s for q the int8 code the quantized model gives x (quantizePerTensor: the float32 product, ties to even),
 * so training sees what inference computes; PyTorch's fake_quantize_per_tensor_affine bit for bit, its gradient too:
 * straight through where the code before clamping lies in [qmin, qmax], 0 where it is clamped. (The mask had been
 * x in [(qmin - z)s, (qmax - z)s] in float64, which gave 0 within half a step outside and even at the float32 lower
 * bound itself, where PyTorch gives 1.)
 */
export function fakeQuantize(x: Tensor, scale: number, zeroPoint: number, qmin = -128, qmax = 127): Tensor {
  const s = Math.fround(scale);
  const inv = inverseScale(s);
  let inside = new Uint8Array(0);
  return customGrad([x], (t) => {
    const out = new Float32Array(t.size);
    inside = new Uint8Array(t.size);
    for (let i = 0; i < out.length; i++) {
      const q = roundHalfEven(Math.fround(t.data[i] * inv)) + zeroPoint;
      inside[i] = q >= qmin && q <= qmax ? 1 : 0;
      out[i] = ((q < qmin ? qmin : q > qmax ? qmax : q) - zeroPoint) * s;
    }
    return new Tensor(out, t.shape, 'float32');
  }, (g, t) => {
    const d = new Float32Array(t.size);
    for (let i = 0; i < d.length; i++) d[i] = inside[i] ? g.data[i] : 0;
    return [new Tensor(d, t.shape, 'float32')];
  }, 'fakeQuantize');
}

/** Symmetric per-channel (axis 0) fake quantization of a weight; the range is the weight's own max, so the STE is the identity. */
export function fakeQuantizeWeight(w: Tensor, perChannel = true, qmax = 127): Tensor {
  return customGrad([w], (t) => {
    // the codes and scales the quantized model holds (quantizePerChannel; per tensor: one channel of every weight)
    const c = perChannel ? t.shape[0] : 1, per = c > 0 ? t.size / c : 0;
    const { q, scale } = quantizePerChannel(new Tensor(t.data, [c, per], 'float32'), qmax);
    return new Tensor(Float32Array.from(q.data, (v, i) => v * scale[Math.floor(i / per)]), t.shape, 'float32');
  }, (g) => [g], 'fakeQuantizeWeight');
}

/**
 * Wraps a float Linear or Conv2d (sharing its parameters) with fake quantization of input and weight. In training
 * every batch is observed and the input's scale and zero point set from the observer's qparams() (the clipped range of
 * a percentile or MSE observer, as convertQAT quantizes with); in eval they stay as trained (a layer that has observed
 * nothing yet calibrates on its first batch). The qparams and the observer's state are buffers: a saved QAT model
 * reloads and converts as it was.
 */
export class QATLayer extends Module {
  readonly observer: Observer;
  inputScale!: Tensor;
  inputZeroPoint!: Tensor;
  constructor(readonly layer: Linear | Conv2d, observer: ObserverOptions = { kind: 'ema' }, readonly perChannel = true) {
    super();
    this.observer = new Observer(observer);
    this.registerBuffer('inputScale', tensor([1]));
    this.registerBuffer('inputZeroPoint', tensor([0], { dtype: 'int32' }));
  }
  /** The scale and zero point the input is fake-quantized with, and the int8 model will quantize it with. */
  get inputQParams(): { scale: number; zeroPoint: number } {
    return { scale: this.inputScale.data[0], zeroPoint: this.inputZeroPoint.data[0] };
  }
  forward(x: Tensor): Tensor {
    if (this.training || this.observer.count === 0) {
      this.observer.observe(x);
      const { scale, zeroPoint } = this.observer.qparams();
      this.inputScale.data[0] = scale;
      this.inputZeroPoint.data[0] = zeroPoint;
    }
    const { scale, zeroPoint } = this.inputQParams;
    const xq = fakeQuantize(x, scale, zeroPoint);
    const wq = fakeQuantizeWeight(this.layer.weight, this.perChannel);
    const l = this.layer;
    return l instanceof Linear ? ops.linear(xq, wq, l.bias)
      : ops.conv2d(xq, wq, l.bias, { stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups });
  }
  override describe(): string { return `QAT(${this.layer.describe()})`; }
}

export interface QATOptions {
  observer?: ObserverOptions;
  weights?: 'per-channel' | 'per-tensor';
  rng?: Random;
}

/** A trainable copy of a float Sequential (BatchNorm folded) whose Linear/Conv2d layers are fake-quantized. */
export function prepareQAT(model: Module, o: QATOptions = {}): Sequential {
  // 'per-tnsor' had trained per tensor without a word (quantizeModel refuses it)
  if (o.weights !== undefined && o.weights !== 'per-channel' && o.weights !== 'per-tensor') throw new ArgumentError(`prepareQAT: weights must be 'per-channel' or 'per-tensor', got ${String(o.weights)}`);
  const perChannel = (o.weights ?? 'per-channel') === 'per-channel';
  const observer = o.observer ?? { kind: 'ema' };
  new Observer(observer); // its options checked before BatchNorm is folded
  const layers = foldBatchNorm(flattenSequential(model, 'prepareQAT'), 'prepareQAT');
  return new Sequential(...layers.map((l) => (l instanceof Linear || l instanceof Conv2d ? new QATLayer(l, observer, perChannel) : l)));
}

/** The int8 model from a QAT model: trained weights, and the input qparams each layer trained and evaluates with. */
export function convertQAT(qat: Sequential, o: QuantizeOptions = {}): QuantizedModel {
  qat.layers.forEach((l, i) => {
    if (l instanceof QATLayer && l.observer.count === 0) throw new ArgumentError(`convertQAT: layer ${i} (${l.describe()}) has observed no inputs: run training or calibration batches through the QAT model first`);
  });
  const layers = qat.layers.map((l) => (l instanceof QATLayer ? l.layer : l));
  const perChannel = qat.layers.every((l) => !(l instanceof QATLayer) || l.perChannel);
  return buildQuantized(layers, (i) => (qat.layers[i] as QATLayer).inputQParams, { weights: perChannel ? 'per-channel' : 'per-tensor', ...o });
}
