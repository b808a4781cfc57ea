// float32 -> int8 quantization (wasm bulk + JS tail, or JS alone) against the rule it stands for, byte for byte:
// the product with float32(1 / scale) rounded to float32, ties to even, clamping, NaN -> 0, infinities, lengths
// around the 16-float step. (test/compress/torch-quant-reference.test.ts holds PyTorch's own codes.)

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { getGemmImpl, setGemmImpl } from '../../../kernels/cpu/index.js';
import { quantizeInt8, roundHalfEven } from '../../../kernels/cpu/quantize.js';

/** float32 arithmetic through a Float32Array store, and nearbyint from floor: written apart from the code under test. */
const f32 = new Float32Array(1);
const toF32 = (v: number): number => ((f32[0] = v), f32[0]);
const nearbyint = (t: number): number => {
  const f = Math.floor(t), d = t - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
};
const ref = (x: Float32Array, scale: number, zp: number, qmin: number, qmax: number): Int8Array =>
  Int8Array.from(x, (v) => Math.min(qmax, Math.max(qmin, nearbyint(toF32(v * toF32(1 / toF32(scale)))) + zp)));

describe('roundHalfEven', () => {
  it('rounds to the nearest integer and a tie to the even one', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [-0.5, -0], [-1.5, -2], [-2.5, -2], [126.5, 126], [-127.5, -128], [0.49999997, 0], [2.5000002, 3], [-3.7, -4], [7, 7], [2 ** 52 + 1, 2 ** 52 + 1]];
    for (const [v, want] of cases) expect(roundHalfEven(v), String(v)).toBe(want);
    // halves and near-halves as often as any other value (+ 0 folds -0 into 0)
    const v = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -1000, max: 1000 }).map((k) => k + 0.5), fc.integer({ min: -1000, max: 1000 }).map((k) => Math.fround(k + 0.5) + (k % 3) * 2 ** -20));
    fc.assert(fc.property(v, (x) => {
      expect(roundHalfEven(x) + 0).toBe(nearbyint(x) + 0);
    }), { numRuns: 3000 });
  });
});

describe('quantizeInt8', () => {
  const impl = getGemmImpl();
  afterAll(() => setGemmImpl(impl));

  for (const cores of ['wasm', 'js'] as const) {
    it(`matches clamp(zeroPoint + nearbyint(float32(x * float32(1 / scale)))) byte for byte (${cores})`, () => {
      setGemmImpl(cores);
      const special = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -0.5, 1.5, -2.5, 0.49999997, 1e30, -1e30);
      fc.assert(fc.property(
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 250, max: 700 })), fc.array(special, { maxLength: 8 }),
        fc.constantFrom(1, 0.5, 0.02, 0.013, 3, 0.1, 0.3), fc.integer({ min: -128, max: 127 }), fc.constantFrom([-128, 127], [-127, 127], [0, 100]), fc.integer(),
        (len, specials, scale, zp, [qmin, qmax], seed) => {
          let s = seed | 0;
          const x = Float32Array.from({ length: len }, () => ((s = (s * 1103515245 + 12345) | 0) % 4000) / 16 * scale);
          specials.forEach((v, i) => { if (len > 0) x[(i * 97) % len] = v * (Number.isFinite(v) && Math.abs(v) < 10 ? scale : 1); });
          expect(Array.from(quantizeInt8(x, scale, zp, qmin!, qmax!))).toEqual(Array.from(ref(x, scale, zp, qmin!, qmax!)));
        }), { numRuns: 200 });
      setGemmImpl(impl);
    });
  }
});
