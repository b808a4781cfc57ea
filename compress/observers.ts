// Range observers for activation quantization: they watch calibration batches and choose the [lo, hi] that an
// asymmetric int8 scale/zero point must cover. Min-max keeps everything; percentile clips outliers; MSE picks
// the clipping that minimizes the quantize-dequantize error on the values seen (sampled with a seeded RNG).
import { ArgumentError, Random, type Tensor } from '../core/index.js';
import { affineQParams, inverseScale, quantizeValue } from '../core/quantized.js';

export type ObserverKind = 'minmax' | 'percentile' | 'mse' | 'ema';

export interface ObserverOptions {
  kind?: ObserverKind;
  /** For 'percentile': the upper percentile kept (the lower is 100 - p), default 99.99. */
  percentile?: number;
  /** For 'ema': weight of each new batch's min/max (QAT's moving average), default 0.01. */
  momentum?: number;
  /** How many values the percentile/MSE observers keep (reservoir sample), default 200k. */
  sampleSize?: number;
  seed?: number;
}

export class Observer {
  readonly kind: ObserverKind;
  min = Infinity;
  max = -Infinity;
  private readonly sample: Float32Array;
  private seen = 0;
  private readonly rng: Random;
  constructor(readonly o: ObserverOptions = {}) {
    this.kind = o.kind ?? 'minmax';
    if (!['minmax', 'percentile', 'mse', 'ema'].includes(this.kind)) throw new ArgumentError(`Observer: kind must be one of minmax, percentile, mse, ema, got ${String(this.kind)}`);
    const p = o.percentile ?? 99.99;
    if (!(p > 50 && p <= 100)) throw new ArgumentError(`Observer: percentile must be in (50,100], got ${p}`);
    const keep = this.kind === 'percentile' || this.kind === 'mse';
    this.sample = new Float32Array(keep ? (o.sampleSize ?? 200_000) : 0);
    this.rng = new Random(o.seed ?? 0);
  }

  observe(x: Tensor): void {
    let lo = Infinity, hi = -Infinity;
    const d = x.data;
    for (let i = 0; i < d.length; i++) { const v = d[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    if (d.length === 0) return;
    if (this.kind === 'ema' && this.seen > 0) {
      const m = this.o.momentum ?? 0.01;
      this.min += m * (lo - this.min);
      this.max += m * (hi - this.max);
    } else {
      this.min = Math.min(this.min, lo);
      this.max = Math.max(this.max, hi);
    }
    const cap = this.sample.length;
    if (cap > 0) {
      // Reservoir sampling: every value seen so far is kept with the same probability.
      for (let i = 0; i < d.length; i++) {
        const n = this.seen + i;
        if (n < cap) this.sample[n] = d[i];
        else { const j = this.rng.int(n + 1); if (j < cap) this.sample[j] = d[i]; }
      }
    }
    this.seen += d.length;
  }

  get count(): number { return this.seen; }

  /** The range to quantize over. */
  range(): [number, number] {
    if (this.seen === 0) throw new ArgumentError('Observer: no values observed, run calibration batches first');
    if (this.kind === 'minmax' || this.kind === 'ema') return [this.min, this.max];
    const s = this.sample.slice(0, Math.min(this.seen, this.sample.length)).sort();
    if (this.kind === 'percentile') {
      const p = (this.o.percentile ?? 99.99) / 100;
      const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
      return [Math.min(at(1 - p), 0), Math.max(at(p), 0)];
    }
    return mseRange(s, this.min, this.max);
  }

  qparams(): { scale: number; zeroPoint: number } {
    const [lo, hi] = this.range();
    return affineQParams(lo, hi);
  }
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
    for (let i = 0; i < sample.length; i++) {
      const q = quantizeValue(sample[i], inv, zeroPoint, -128, 127);
      const e = (q - zeroPoint) * scale - sample[i];
      err += e * e;
    }
    if (err < bestErr) { bestErr = err; best = [lo, hi]; }
  }
  return best;
}
