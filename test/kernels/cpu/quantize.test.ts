// float32 -> int8 quantization (wasm bulk + JS tail, or JS alone) against the JS expression it stands for,
// byte for byte: Math.round's half-up ties, clamping, NaN -> 0, infinities, lengths around the 16-float step.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { getGemmImpl, setGemmImpl } from '../../../kernels/cpu/index.js';
import { quantizeInt8 } from '../../../kernels/cpu/quantize.js';

const ref = (x: Float32Array, scale: number, zp: number, qmin: number, qmax: number): Int8Array =>
  Int8Array.from(x, (v) => Math.min(qmax, Math.max(qmin, Math.round(v * (1 / scale)) + zp)));

describe('quantizeInt8', () => {
  const impl = getGemmImpl();
  afterAll(() => setGemmImpl(impl));

  for (const cores of ['wasm', 'js'] as const) {
    it(`matches clamp(Math.round(x / scale) + zeroPoint) byte for byte (${cores})`, () => {
      setGemmImpl(cores);
      const special = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -0.5, 1.5, -2.5, 0.49999997, 1e30, -1e30);
      fc.assert(fc.property(
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 250, max: 700 })), fc.array(special, { maxLength: 8 }),
        fc.constantFrom(1, 0.5, 0.02, 0.013, 3), fc.integer({ min: -128, max: 127 }), fc.constantFrom([-128, 127], [-127, 127], [0, 100]), fc.integer(),
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
