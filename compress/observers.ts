// Range observers for activation quantization: they watch calibration batches and choose the [lo, hi] that an
// asymmetric int8 scale/zero point must cover. Min-max keeps everything; percentile clips outliers; MSE picks
// the clipping that minimizes the quantize-dequantize error on the values seen (sampled with a seeded RNG).
// An observer is a Module whose forward observes and passes x on, as PyTorch's: what it has seen (min, max, the count
// and the sample) is its buffers, so a QAT model's state dict carries its activation ranges.
import { ArgumentError, Module, Random, full, zeros, type Tensor } from '../core/index.js';
import { affineQParams, inverseScale, quantizeValue } from '../core/quantized.js';

export type ObserverKind = 'minmax' | 'percentile' | 'mse' | 'ema';

export interface ObserverOptions {
  kind?: ObserverKind;
  /** For 'percentile': the upper percentile kept (the lower is 100 - p), default 99.99. */
  percentile?: number;
  /** For 'ema': weight of each new batch's min/max (QAT's moving average), in (0, 1], default 0.01. */
  momentum?: number;
  /**
   * How many values the percentile/MSE observers keep (reservoir sample), a positive integer, default 200k. In QAT
   * the range is chosen from it after every training batch (MSE: 41 passes over it) and a checkpoint stores it, 4
   * bytes a value: a smaller sample trains faster and saves smaller.
   */
  sampleSize?: number;
  seed?: number;
}

export class Observer extends Module {
  readonly kind: ObserverKind;
  /** The least and greatest values seen (ema: their moving averages); +Infinity and -Infinity before any, as PyTorch's min_val/max_val. */
  minVal!: Tensor;
  maxVal!: Tensor;
  /** How many values were seen (float64, exact to 2^53). */
  seen!: Tensor;
  /** The percentile/MSE observers' reservoir sample (its first min(seen, size) entries hold values); empty for the others. */
  sample!: Tensor;
  private readonly _rng: Random;
  private readonly _momentum: number;
  private readonly _percentile: number;
  constructor(readonly o: ObserverOptions = {}) {
    super();
    this.kind = o.kind ?? 'minmax';
    if (!['minmax', 'percentile', 'mse', 'ema'].includes(this.kind)) throw new ArgumentError(`Observer: kind must be one of minmax, percentile, mse, ema, got ${String(this.kind)}`);
    const p = this._percentile = o.percentile ?? 99.99;
    if (!(p > 50 && p <= 100)) throw new ArgumentError(`Observer: percentile must be in (50,100], got ${p}`);
    // a momentum past 1 overshot the batch's range (5 gave [0, 6] from batches of [0, 1] and [0, 2]), a negative one moved away from it
    const m = this._momentum = o.momentum ?? 0.01;
    if (!(typeof m === 'number' && m > 0 && m <= 1)) throw new ArgumentError(`Observer: momentum must be in (0,1], got ${m}`);
    const size = o.sampleSize ?? 200_000;
    // 0 had kept no values and quantized over [NaN, NaN]; -1 failed as a bare RangeError
    if (!(Number.isSafeInteger(size) && size >= 1)) throw new ArgumentError(`Observer: sampleSize must be a positive integer, got ${size}`);
    const keep = this.kind === 'percentile' || this.kind === 'mse';
    this.registerBuffer('minVal', full([], Infinity, { dtype: 'float64' }));
    this.registerBuffer('maxVal', full([], -Infinity, { dtype: 'float64' }));
    this.registerBuffer('seen', zeros([], { dtype: 'float64' }));
    this.registerBuffer('sample', zeros([keep ? size : 0]));
    this._rng = new Random(o.seed ?? 0);
  }

  get min(): number { return this.minVal.data[0]; }
  get max(): number { return this.maxVal.data[0]; }
  get count(): number { return this.seen.data[0]; }

  observe(x: Tensor): void {
    let lo = Infinity, hi = -Infinity;
    const d = x.data;
    for (let i = 0; i < d.length; i++) { const v = d[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    if (d.length === 0) return;
    const seen = this.count;
    if (this.kind === 'ema' && seen > 0) {
      this.minVal.data[0] += this._momentum * (lo - this.min);
      this.maxVal.data[0] += this._momentum * (hi - this.max);
    } else {
      this.minVal.data[0] = Math.min(this.min, lo);
      this.maxVal.data[0] = Math.max(this.max, hi);
    }
    const sample = this.sample.data, cap = sample.length;
    if (cap > 0) {
      // Reservoir sampling: every value seen so far is kept with the same probability.
      for (let i = 0; i < d.length; i++) {
        const n = seen + i;
        if (n < cap) sample[n] = d[i];
        else { const j = this._rng.int(n + 1); if (j < cap) sample[j] = d[i]; }
      }
    }
    this.seen.data[0] = seen + d.length;
  }

  /** Observes x and passes it on unchanged. */
  forward(x: Tensor): Tensor {
    this.observe(x);
    return x;
  }

  /** The range to quantize over. */
  range(): [number, number] {
    if (this.count === 0) throw new ArgumentError('Observer: no values observed, run calibration batches first');
    if (this.kind === 'minmax' || this.kind === 'ema') return [this.min, this.max];
    const s = (this.sample.data as Float32Array).slice(0, Math.min(this.count, this.sample.size));
    if (this.kind === 'percentile') {
      // the two order statistics by selection, not a sort: QAT asks for them after every training batch
      const p = this._percentile / 100;
      const rank = (q: number) => Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))));
      const hi = selectKth(s, rank(p), 0, s.length - 1);
      const lo = selectKth(s, rank(1 - p), 0, rank(p));
      return [Math.min(lo, 0), Math.max(hi, 0)];
    }
    return mseRange(s.sort(), this.min, this.max);
  }

  qparams(): { scale: number; zeroPoint: number } {
    const [lo, hi] = this.range();
    return affineQParams(lo, hi);
  }

  override describe(): string { return `Observer(${this.kind})`; }
}

/**
 * The k-th smallest of a[from..to] (Hoare's quickselect, middle pivot), partially reordering that range so that a[k]
 * holds it, everything before k is <= it and everything after is >= it: what a[k] of the sorted range would be.
 */
function selectKth(a: Float32Array, k: number, from: number, to: number): number {
  let l = from, r = to;
  while (l < r) {
    const pivot = a[(l + r) >> 1];
    let i = l, j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else break;
  }
  return a[k];
}

/** Shrinks [min, max] by factors in (0, 1] and keeps the one with the least quantization MSE on the sample. */
function mseRange(sample: Float32Array, min: number, max: number): [number, number] {
  let best: [number, number] = [min, max], bestErr = Infinity;
  for (let step = 0; step <= 40; step++) {
    const a = 1 - step * 0.02;
    const lo = Math.min(0, min * a), hi = Math.max(0, max * a);
    const { scale, zeroPoint } = affineQParams(lo, hi);
    const inv = inverseScale(scale);
    let err = 0;
    // the error only grows: a clipping already past the best is left (QAT runs this after every training batch)
    for (let from = 0; from < sample.length && err < bestErr; from += 4096) {
      for (let i = from, end = Math.min(sample.length, from + 4096); i < end; i++) {
        const q = quantizeValue(sample[i], inv, zeroPoint, -128, 127);
        const e = (q - zeroPoint) * scale - sample[i];
        err += e * e;
      }
    }
    if (err < bestErr) { bestErr = err; best = [lo, hi]; }
  }
  return best;
}
