// Quantization-aware training (Jacob et al. 2018): Linear/Conv2d see fake-quantized (quantize-dequantize) inputs
// and weights in the forward pass; the straight-through estimator passes gradients unchanged where a value's code
// lands in [qmin, qmax] and zero where it is clamped (PyTorch's mask). Observers track input ranges (moving
// average); convertQAT then builds the real int8 model from the trained weights and tracked ranges.
import { Conv2d, Linear, Module, Sequential, Tensor, customGrad, ops, type Random } from '../core/index.js';
import { affineQParams, inverseScale, quantizePerChannel, roundHalfEven } from '../core/quantized.js';
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

/** Wraps a float Linear or Conv2d (sharing its parameters) with fake quantization of input and weight. */
export class QATLayer extends Module {
  readonly _observer: Observer;
  constructor(readonly layer: Linear | Conv2d, observer: ObserverOptions = { kind: 'ema' }, readonly perChannel = true) {
    super();
    this._observer = new Observer(observer);
  }
  get observer(): Observer { return this._observer; }
  forward(x: Tensor): Tensor {
    if (this.training || this._observer.count === 0) this._observer.observe(x);
    const { scale, zeroPoint } = affineQParams(this._observer.min, this._observer.max);
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
  const layers = foldBatchNorm(flattenSequential(model, 'prepareQAT'), 'prepareQAT');
  const perChannel = (o.weights ?? 'per-channel') === 'per-channel';
  return new Sequential(...layers.map((l) => (l instanceof Linear || l instanceof Conv2d ? new QATLayer(l, o.observer ?? { kind: 'ema' }, perChannel) : l)));
}

/** The int8 model from a QAT model: trained weights, observed input ranges. */
export function convertQAT(qat: Sequential, o: QuantizeOptions = {}): QuantizedModel {
  const layers = qat.layers.map((l) => (l instanceof QATLayer ? l.layer : l));
  const perChannel = qat.layers.every((l) => !(l instanceof QATLayer) || l.perChannel);
  return buildQuantized(layers, (i) => (qat.layers[i] as QATLayer).observer.qparams(), { weights: perChannel ? 'per-channel' : 'per-tensor', ...o });
}
