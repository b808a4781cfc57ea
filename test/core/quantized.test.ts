import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DTypeError, Random, Tensor, ArgumentError, ShapeError } from '../../core/index.js';
import {
  affineQParams, dequantize, quantizePerChannel, quantizePerTensor, quantizedConv2d, quantizedLinear, symmetricScale,
} from '../../core/quantized.js';

function randInt8(n: number, rng: Random, lo = -128, hi = 127): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + rng.int(hi - lo + 1);
  return a;
}
function randF32(n: number, rng: Random, s = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-s, s);
  return a;
}
describe('quantize / dequantize', () => {
  it('per tensor: dequantize(quantize(x)) is within half a scale step for x inside the range', () => {
    fc.assert(fc.property(fc.double({ min: -50, max: 0, noNaN: true }), fc.double({ min: 0.01, max: 50, noNaN: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64 }), (lo, hi, us) => {
      const { scale, zeroPoint } = affineQParams(lo, hi);
      const x = new Tensor(Float32Array.from(us.map((u) => lo + u * (hi - lo))), [us.length]);
      const back = dequantize(quantizePerTensor(x, scale, zeroPoint), [scale], [zeroPoint]);
      for (let i = 0; i < x.size; i++) expect(Math.abs(back.data[i] - x.data[i])).toBeLessThanOrEqual(scale / 2 * (1 + 1e-5) + 1e-6);
    }));
  });

  it('zero is exactly representable (the zero point dequantizes to 0)', () => {
    const { scale, zeroPoint } = affineQParams(-0.37, 2.9);
    expect(dequantize(new Tensor(Int8Array.of(zeroPoint), [1]), [scale], [zeroPoint]).data[0]).toBe(0);
    expect(affineQParams(1, 3).zeroPoint).toBe(-128); // range widened to hold 0
  });

  it('per channel: each row gets its own symmetric scale and stays within half a step', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (rows, cols, seed) => {
      const rng = new Random(seed);
      const w = new Tensor(randF32(rows * cols, rng, 3), [rows, cols]);
      const { q, scale } = quantizePerChannel(w);
      const back = dequantize(q, scale);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) expect(Math.abs(back.data[r * cols + c] - w.data[r * cols + c])).toBeLessThanOrEqual(scale[r] / 2 * (1 + 1e-5));
      }
      expect(Math.max(...Array.from(q.data).map(Math.abs))).toBeLessThanOrEqual(127);
    }));
  });

  it('rejects bad ranges and dtypes clearly', () => {
    expect(() => affineQParams(2, 1)).toThrow(/affineQParams: range must be finite with lo <= hi, got \[2, 1\]/);
    expect(() => symmetricScale(NaN)).toThrow(ArgumentError);
    expect(() => quantizePerTensor(new Tensor(new Float32Array(2), [2]), 0)).toThrow(/scale must be > 0/);
    expect(() => dequantize(new Tensor(new Float32Array(2), [2]), [1])).toThrow(DTypeError);
  });
});

describe('quantizedLinear', () => {
  it('equals a float64 reference computed from the dequantized int8 values', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.boolean(), fc.integer(), (m, k, n, perChannel, relu, seed) => {
      const rng = new Random(seed);
      const xq = randInt8(m * k, rng), wq = randInt8(n * k, rng, -127, 127);
      const sa = Math.fround(rng.uniform(0.001, 0.1)), za = rng.int(256) - 128;
      const sb = Float32Array.from({ length: perChannel ? n : 1 }, () => rng.uniform(0.001, 0.05));
      const bias = randF32(n, rng);
      const y = quantizedLinear(new Tensor(xq, [m, k]), new Tensor(wq, [n, k]), { aScale: Float32Array.of(sa), aZeroPoint: Int32Array.of(za), bScale: sb, bias, relu });
      expect(y.shape).toEqual([m, n]);
      const ref = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (xq[i * k + p] - za) * sa * (wq[j * k + p] * sb[perChannel ? j : 0]);
        s += bias[j];
        ref[i * n + j] = relu && s < 0 ? 0 : s;
      }
      // The kernel sums integers exactly and scales once; the reference scales each term: allow a few ulps of the terms.
      for (let i = 0; i < ref.length; i++) expect(Math.abs(y.data[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -23 + k * 1e-12 + 1e-9);
    }), { numRuns: 60 });
  });

  it('keeps leading axes and refuses float operands or mismatched shapes', () => {
    const rng = new Random(1);
    const y = quantizedLinear(new Tensor(randInt8(2 * 3 * 4, rng), [2, 3, 4]), new Tensor(randInt8(5 * 4, rng), [5, 4]), { aScale: Float32Array.of(1), bScale: Float32Array.of(1) });
    expect(y.shape).toEqual([2, 3, 5]);
    expect(() => quantizedLinear(new Tensor(new Float32Array(4), [1, 4]), new Tensor(new Int8Array(4), [1, 4]), { aScale: Float32Array.of(1), bScale: Float32Array.of(1) }))
      .toThrow(/quantizedLinear: operands must be int8, got float32/);
    expect(() => quantizedLinear(new Tensor(new Int8Array(4), [1, 4]), new Tensor(new Int8Array(6), [2, 3]), { aScale: Float32Array.of(1), bScale: Float32Array.of(1) }))
      .toThrow(ShapeError);
  });
});

describe('quantizedConv2d', () => {
  it('equals a float64 direct convolution of the dequantized values (padding is a real zero)', () => {
    fc.assert(fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 2 }), g: fc.integer({ min: 1, max: 2 }), cpg: fc.integer({ min: 1, max: 3 }), opg: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 3, max: 8 }), w: fc.integer({ min: 3, max: 8 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }),
        p: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 1, max: 2 }), relu: fc.boolean(), seed: fc.integer(),
      }),
      ({ n, g, cpg, opg, h, w, k, s, p, d, relu, seed }) => {
        const cin = g * cpg, cout = g * opg;
        const oh = Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1, ow = Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1;
        fc.pre(oh > 0 && ow > 0);
        const rng = new Random(seed);
        const xq = randInt8(n * cin * h * w, rng), wq = randInt8(cout * cpg * k * k, rng, -127, 127);
        const sa = Math.fround(rng.uniform(0.01, 0.1)), za = rng.int(256) - 128;
        const sb = Float32Array.from({ length: cout }, () => rng.uniform(0.001, 0.05));
        const bias = randF32(cout, rng);
        const y = quantizedConv2d(new Tensor(xq, [n, cin, h, w]), new Tensor(wq, [cout, cpg, k, k]),
          { aScale: Float32Array.of(sa), aZeroPoint: Int32Array.of(za), bScale: sb, bias, relu }, { stride: s, padding: p, dilation: d, groups: g });
        expect(y.shape).toEqual([n, cout, oh, ow]);
        const ref = new Float64Array(n * cout * oh * ow);
        for (let b = 0; b < n; b++) for (let o = 0; o < cout; o++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          const grp = Math.floor(o / opg);
          let acc = 0;
          for (let c = 0; c < cpg; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
            const iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            acc += (xq[((b * cin + grp * cpg + c) * h + iy) * w + ix] - za) * wq[((o * cpg + c) * k + ky) * k + kx];
          }
          const v = acc * sa * sb[o] + bias[o];
          ref[((b * cout + o) * oh + oy) * ow + ox] = relu && v < 0 ? 0 : v;
        }
        // Two float32 roundings: the GEMM's dequantized sum, then the sum plus the bias.
        for (let i = 0; i < ref.length; i++) {
          const o = Math.floor(i / (oh * ow)) % cout;
          const tol = (Math.abs(ref[i]) + Math.abs(ref[i] - bias[o])) * 2 ** -23 + 1e-12;
          if (!(Math.abs(y.data[i] - ref[i]) <= tol)) expect.fail(`element ${i}: got ${y.data[i]}, reference ${ref[i]}`);
        }
      }), { numRuns: 60 });
  });

  it('refuses a per-row activation scale and mismatched channels', () => {
    const x = new Tensor(new Int8Array(1 * 2 * 4 * 4), [1, 2, 4, 4]);
    expect(() => quantizedConv2d(x, new Tensor(new Int8Array(3 * 3 * 9), [3, 3, 3, 3]), { aScale: Float32Array.of(1), bScale: Float32Array.of(1) }))
      .toThrow(/quantizedConv2d: input must be \[N,C,H,W\] with C = weight's in-channels x groups/);
    expect(() => quantizedConv2d(x, new Tensor(new Int8Array(3 * 2 * 9), [3, 2, 3, 3]), { aScale: Float32Array.of(1, 2), bScale: Float32Array.of(1) }))
      .toThrow(/aScale must have length 1/);
  });
});
