import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor } from '../../core/index.js';
import { affineQParams, inverseScale, quantizeValue } from '../../core/quantized.js';
import { Observer } from '../../compress/observers.js';

/** The MSE observer's choice written plainly: every clipping's full error over the sorted sample, the first least one. */
function naiveMseRange(values: Float32Array, min: number, max: number): [number, number] {
  const s = values.slice().sort();
  let best: [number, number] = [min, max], bestErr = Infinity;
  for (let step = 0; step <= 40; step++) {
    const a = 1 - step * 0.02, lo = Math.min(0, min * a), hi = Math.max(0, max * a);
    const { scale, zeroPoint } = affineQParams(lo, hi);
    let err = 0;
    for (const v of s) { const e = (quantizeValue(v, inverseScale(scale), zeroPoint, -128, 127) - zeroPoint) * scale - v; err += e * e; }
    if (err < bestErr) { bestErr = err; best = [lo, hi]; }
  }
  return best;
}

const values = fc.array(fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 3000 }).map((a) => Float32Array.from(a));

describe('observers', () => {
  it('percentile and MSE clip a lone outlier that min-max keeps', () => {
    const vals = Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i));
    vals[5] = 100;
    const t = new Tensor(vals, [vals.length]);
    const mk = (kind: 'minmax' | 'percentile' | 'mse') => { const o = new Observer({ kind, percentile: 99.9 }); o.observe(t); return o.range(); };
    expect(mk('minmax')[1]).toBe(100);
    expect(mk('percentile')[1]).toBeLessThan(1.01);
    expect(mk('mse')[1]).toBeLessThan(100);
    expect(() => new Observer().range()).toThrow(/no values observed/);
  });

  it('percentile: the order statistics of the sorted sample (selected, not sorted), over fast-check samples and percentiles', () => {
    fc.assert(fc.property(values, fc.double({ min: 50.01, max: 100, noNaN: true }), (v, p) => {
      const o = new Observer({ kind: 'percentile', percentile: p });
      o.observe(new Tensor(v, [v.length]));
      const s = v.slice().sort(), at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
      expect(o.range()).toEqual([Math.min(at(1 - p / 100), 0), Math.max(at(p / 100), 0)]);
    }), { numRuns: 200 });
  });

  it('mse: the clipping a plain search over every candidate picks (the search leaves a candidate once it is past the best)', () => {
    fc.assert(fc.property(values, (v) => {
      const o = new Observer({ kind: 'mse' });
      o.observe(new Tensor(v, [v.length]));
      expect(o.range()).toEqual(naiveMseRange(v, o.min, o.max));
    }), { numRuns: 100 });
  });

  it('its state is its buffers: an observer loaded from another\'s state dict gives the same range and observes on alike', () => {
    for (const kind of ['minmax', 'ema', 'percentile', 'mse'] as const) {
      const a = new Observer({ kind, sampleSize: 64 });
      a.observe(tensor([-3, 1, 2, 0.5]));
      a.observe(tensor([-1, 4, 0.25]));
      const b = new Observer({ kind, sampleSize: 64 });
      expect(b.min).toBe(Infinity);
      expect(b.max).toBe(-Infinity);
      b.loadStateDict(a.stateDict());
      expect([b.count, b.min, b.max], kind).toEqual([7, a.min, a.max]);
      expect(b.range(), kind).toEqual(a.range());
      for (const o of [a, b]) o.forward(tensor([6, -2]));
      expect(b.range(), kind).toEqual(a.range());
    }
  });

  it('options are checked, naming the option and the value', () => {
    // sampleSize 0 had quantized over [NaN, NaN], -1 failed as a bare RangeError; momentum 3 overshot the batch's range
    expect(() => new Observer({ kind: 'percentile', sampleSize: 0 })).toThrow(/^Observer: sampleSize must be a positive integer, got 0$/);
    expect(() => new Observer({ kind: 'mse', sampleSize: -1 })).toThrow(/^Observer: sampleSize must be a positive integer, got -1$/);
    expect(() => new Observer({ kind: 'percentile', sampleSize: 2.5 })).toThrow(/^Observer: sampleSize must be a positive integer, got 2.5$/);
    expect(() => new Observer({ kind: 'ema', momentum: 3 })).toThrow(/^Observer: momentum must be in \(0,1\], got 3$/);
    expect(() => new Observer({ kind: 'ema', momentum: -1 })).toThrow(/^Observer: momentum must be in \(0,1\], got -1$/);
    expect(() => new Observer({ kind: 'ema', momentum: 0 })).toThrow(/^Observer: momentum must be in \(0,1\], got 0$/);
    expect(() => new Observer({ kind: 'percentile', percentile: 40 })).toThrow(/^Observer: percentile must be in \(50,100\], got 40$/);
    const ema = new Observer({ kind: 'ema', momentum: 1 });
    ema.observe(tensor([0, 1]));
    ema.observe(tensor([0, 2]));
    expect(ema.range()).toEqual([0, 2]);
  });
});
