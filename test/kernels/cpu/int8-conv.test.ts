// The CPU int8 conv (wasm: im2col8 + int8 GEMM + dequantConv; JS cores: int8Conv2dViaGemm) against a direct
// convolution loop with exact int32 sums and the documented epilogue, BIT for bit: padding holds the input's
// zero point, stride, dilation, groups, per-tensor/per-channel scales, zero points, bias, relu, image chunks.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { outSize, type Conv2dParams, type Int8Epilogue } from '../../../kernels/backend.js';
import {
  getGemmImpl, int8Conv2dDequant, int8ConvWasmCount, pooledGemmCount, setGemmImpl, setInt8ConvBudget, setNumThreads, setPoolMinMacs, wasmGemmSupported,
} from '../../../kernels/cpu/index.js';
import { randI8 } from '../backend-suite.js';

/**
 * y = f32(f32((I * sw[o]) * sa + 0) + bias[o]), relu on the double, where I is the exact integer
 *   sum (x - za)(w - zw) = sum x*w - za*sum w - zw*sum x + K*za*zw, padding cells being x = za.
 */
function refConv(x: Int8Array, w: Int8Array, ep: Int8Epilogue, p: Conv2dParams): Float32Array {
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH), wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
  const cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups, K = cinG * p.kernelH * p.kernelW;
  const pick = (a: ArrayLike<number> | undefined, i: number): number => (a ? a[a.length === 1 ? 0 : i]! : 0);
  const za = pick(ep.aZeroPoint, 0), sa = ep.aScale[0]!;
  const y = new Float32Array(p.batch * p.outChannels * hOut * wOut);
  let o = 0;
  for (let n = 0; n < p.batch; n++)
    for (let co = 0; co < p.outChannels; co++)
      for (let oh = 0; oh < hOut; oh++)
        for (let ow = 0; ow < wOut; ow++, o++) {
          const g = Math.floor(co / coutG), zw = pick(ep.bZeroPoint, co);
          let xw = 0, sw = 0, sx = 0;
          for (let c = 0; c < cinG; c++)
            for (let kh = 0; kh < p.kernelH; kh++)
              for (let kw = 0; kw < p.kernelW; kw++) {
                const ih = oh * p.strideH - p.padH + kh * p.dilationH, iw = ow * p.strideW - p.padW + kw * p.dilationW;
                const inside = ih >= 0 && ih < p.inHeight && iw >= 0 && iw < p.inWidth;
                const xv = inside ? x[((n * p.inChannels + g * cinG + c) * p.inHeight + ih) * p.inWidth + iw]! : za;
                const wv = w[((co * cinG + c) * p.kernelH + kh) * p.kernelW + kw]!;
                xw += xv * wv; sw += wv; sx += xv;
              }
          const I = xw - za * sw - zw * sx + K * za * zw;
          const v = Math.fround(I * pick(ep.bScale, co) * sa + 0) + pick(ep.bias, co);
          y[o] = ep.relu && v < 0 ? 0 : v;
        }
  return y;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), cinG: fc.integer({ min: 1, max: 4 }), coutG: fc.integer({ min: 1, max: 9 }),
  inHeight: fc.integer({ min: 1, max: 10 }), inWidth: fc.integer({ min: 1, max: 40 }), kernelH: fc.integer({ min: 1, max: 3 }), kernelW: fc.integer({ min: 1, max: 5 }),
  strideH: fc.integer({ min: 1, max: 2 }), strideW: fc.integer({ min: 1, max: 3 }), padH: fc.integer({ min: 0, max: 2 }), padW: fc.integer({ min: 0, max: 2 }),
  dilationH: fc.integer({ min: 1, max: 2 }), dilationW: fc.integer({ min: 1, max: 2 }),
  perChannel: fc.boolean(), zeroA: fc.boolean(), zeroW: fc.boolean(), bias: fc.constantFrom('none', 'one', 'all'), relu: fc.boolean(), seed: fc.integer(),
}).map(({ cinG, coutG, ...r }) => ({ ...r, inChannels: cinG * r.groups, outChannels: coutG * r.groups }))
  .filter((p) => outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH) >= 1 && outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW) >= 1);

type Case = Conv2dParams & { perChannel: boolean; zeroA: boolean; zeroW: boolean; bias: 'none' | 'one' | 'all'; relu: boolean; seed: number };

function inputs(t: Case): { x: Int8Array; w: Int8Array; ep: Int8Epilogue } {
  const r = new Random(t.seed);
  const x = randI8(t.batch * t.inChannels * t.inHeight * t.inWidth, t.seed);
  const w = Int8Array.from(randI8(t.outChannels * (t.inChannels / t.groups) * t.kernelH * t.kernelW, t.seed + 1), (v) => Math.max(-127, v));
  const ep: Int8Epilogue = {
    aScale: Float32Array.of(r.uniform(0.001, 0.1)),
    aZeroPoint: t.zeroA ? Int32Array.of(r.int(256) - 128) : undefined,
    bScale: Float32Array.from({ length: t.perChannel ? t.outChannels : 1 }, () => r.uniform(0.001, 0.05)),
    bZeroPoint: t.zeroW ? Int32Array.from({ length: t.perChannel ? t.outChannels : 1 }, () => r.int(9) - 4) : undefined,
    bias: t.bias === 'none' ? undefined : Float32Array.from({ length: t.bias === 'one' ? 1 : t.outChannels }, () => r.uniform(-1, 1)),
    relu: t.relu,
  };
  return { x, w, ep };
}

describe('cpu int8Conv2dDequant', () => {
  const impl = getGemmImpl();
  afterAll(() => { setGemmImpl(impl); setInt8ConvBudget(1 << 23); });

  for (const cores of ['wasm', 'js'] as const) {
    it(`equals a direct int32 convolution and the epilogue bit for bit (${cores} cores, image chunks)`, () => {
      setGemmImpl(cores);
      const runs = int8ConvWasmCount();
      fc.assert(fc.property(caseArb, fc.constantFrom(1, 300, 1 << 23), (t, budget) => {
        setInt8ConvBudget(budget);
        const { x, w, ep } = inputs(t);
        expect(sameBits(int8Conv2dDequant(x, w, ep, t), refConv(x, w, ep, t))).toBe(true);
      }), { numRuns: 120 });
      // The wasm path declines only weight zero points (about half the cases); the JS cores never take it.
      if (cores === 'js' || !wasmGemmSupported()) expect(int8ConvWasmCount()).toBe(runs);
      else expect(int8ConvWasmCount() - runs).toBeGreaterThan(30);
      setGemmImpl(impl);
    });
  }

  it('gives the same bits on the worker pool (row and column splits of the GEMM)', () => {
    setInt8ConvBudget(1 << 23);
    const oldMin = setPoolMinMacs(0), oldThreads = setNumThreads(3), pooled = pooledGemmCount();
    try {
      // LeNet's convolutions: 20 filters over 24x24 pixels (columns split), 50 over 8x8 (rows split).
      for (const [cin, cout, h] of [[1, 20, 28], [20, 50, 12]] as const) {
        const p: Conv2dParams = { batch: 3, inChannels: cin, inHeight: h, inWidth: h, outChannels: cout, kernelH: 5, kernelW: 5, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 };
        const { x, w, ep } = inputs({ ...p, perChannel: true, zeroA: true, zeroW: false, bias: 'all', relu: true, seed: cout });
        expect(sameBits(int8Conv2dDequant(x, w, ep, p), refConv(x, w, ep, p))).toBe(true);
      }
      if (wasmGemmSupported()) expect(pooledGemmCount() - pooled).toBe(2);
    } finally {
      setPoolMinMacs(oldMin);
      setNumThreads(oldThreads);
    }
  });

  it('checks its epilogue like its sizes', () => {
    const p: Conv2dParams = { batch: 1, inChannels: 2, inHeight: 3, inWidth: 3, outChannels: 4, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 };
    const x = new Int8Array(18), w = new Int8Array(8);
    expect(() => int8Conv2dDequant(x, w, { aScale: Float32Array.of(1, 1), bScale: Float32Array.of(1) }, p)).toThrow(/^int8Conv2dDequant: activations are quantized per tensor, aScale must have length 1, got 2$/);
    expect(() => int8Conv2dDequant(x, w, { aScale: Float32Array.of(1), bScale: Float32Array.of(1, 2) }, p)).toThrow(/^int8Conv2dDequant: bScale must have length 1 or outChannels=4, got 2$/);
    expect(() => int8Conv2dDequant(new Int8Array(17), w, { aScale: Float32Array.of(1), bScale: Float32Array.of(1) }, p)).toThrow(/^int8Conv2dDequant: x must hold \[1,2,3,3\] = 18 elements, got 17$/);
  });
});
