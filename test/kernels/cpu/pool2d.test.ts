// The unpadded maxPool2d paths (2x2 stride 2 unrolled, any other window) against the clipped loop's rules on
// values that test them: ties keep the first cell, NaN wins and stays, an all -Infinity window still has its argmax.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool2dParams } from '../../../kernels/backend.js';
import { maxPool2d } from '../../../kernels/cpu/index.js';

function refMax(x: Float32Array, p: Pool2dParams): { out: number[]; argmax: number[] } {
  const hOut = Math.floor((p.inHeight - p.kernelH) / p.strideH) + 1, wOut = Math.floor((p.inWidth - p.kernelW) / p.strideW) + 1;
  const out: number[] = [], argmax: number[] = [];
  for (let pl = 0; pl < p.batch * p.channels; pl++)
    for (let oh = 0; oh < hOut; oh++)
      for (let ow = 0; ow < wOut; ow++) {
        let best = NaN, at = -1;
        scan: for (let kh = 0; kh < p.kernelH; kh++)
          for (let kw = 0; kw < p.kernelW; kw++) {
            const i = (pl * p.inHeight + oh * p.strideH + kh) * p.inWidth + ow * p.strideW + kw, v = x[i]!;
            if (at < 0 || v > best || Number.isNaN(v)) { best = v; at = i; }
            if (Number.isNaN(v)) break scan;
          }
        out.push(best);
        argmax.push(at);
      }
  return { out, argmax };
}

describe('maxPool2d without padding', () => {
  it('keeps the first of ties, lets NaN win and stay, and handles -Infinity windows', () => {
    const cell = fc.constantFrom(NaN, -Infinity, Infinity, -1, 0, 1, 2);
    fc.assert(fc.property(
      fc.record({ batch: fc.integer({ min: 1, max: 2 }), channels: fc.integer({ min: 1, max: 3 }), inHeight: fc.integer({ min: 2, max: 7 }), inWidth: fc.integer({ min: 2, max: 7 }),
        kernelH: fc.integer({ min: 1, max: 3 }), kernelW: fc.integer({ min: 1, max: 3 }), strideH: fc.integer({ min: 1, max: 3 }), strideW: fc.integer({ min: 1, max: 3 }) }),
      fc.boolean(), fc.array(cell, { minLength: 7 * 7 * 6, maxLength: 7 * 7 * 6 }),
      (q, twoByTwo, cells) => {
        const p: Pool2dParams = twoByTwo ? { ...q, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 } : { ...q, padH: 0, padW: 0 };
        fc.pre(p.inHeight >= p.kernelH && p.inWidth >= p.kernelW);
        const x = Float32Array.from(cells.slice(0, p.batch * p.channels * p.inHeight * p.inWidth));
        const { out, argmax } = maxPool2d(x, p);
        const want = refMax(x, p);
        expect(Array.from(out)).toEqual(want.out);
        expect(Array.from(argmax)).toEqual(want.argmax);
      }), { numRuns: 300 });
  });
});
