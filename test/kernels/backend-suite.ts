// The kernel suite every backend runs: each kernel against a plain reference loop (below, in float64) on
// shapes drawn by fast-check, plus error messages. A GPU backend passes a looser float tolerance.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { outSize, type Backend, type Conv2dParams, type Int8Epilogue, type Pool2dParams } from '../../kernels/backend.js';
import { int8Conv2dViaGemm } from '../../kernels/common.js';

export interface SuiteOptions {
  /** Relative float tolerance: |got - ref| <= tol * (sum of |terms|) + 1e-30. */
  tol?: number;
  /** fast-check runs per property. */
  numRuns?: number;
}

// ---------- data ----------

export function randF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.uniform(lo, hi);
  return out;
}

export function randI8(n: number, seed: number): Int8Array {
  const r = new Random(seed);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.int(256) - 128;
  return out;
}

/** Sizes that stress blocking: 1, primes, and anything up to max. */
export const dimArb = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.constant(1), fc.constantFrom(2, 3, 5, 7, 13, 17, 31, 37, 67).filter((d) => d <= max), fc.integer({ min: 1, max }));

// ---------- reference loops (float64) ----------

/** Returns [C, bound] where bound[i] = sum of |terms| of C[i], for tolerance scaling. */
export function refMatmul(a: ArrayLike<number>, b: ArrayLike<number>, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, strideA: number, strideB: number): [Float64Array, Float64Array] {
  const c = new Float64Array(batch * m * n);
  const bound = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, t = 0;
        for (let p = 0; p < k; p++) {
          const av = a[bi * strideA + (transA ? p * m + i : i * k + p)]!;
          const bv = b[bi * strideB + (transB ? j * k + p : p * n + j)]!;
          s += av * bv;
          t += Math.abs(av * bv);
        }
        c[(bi * m + i) * n + j] = s;
        bound[(bi * m + i) * n + j] = t;
      }
    }
  }
  return [c, bound];
}

function refConv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams): [Float64Array, Float64Array] {
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
  const cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups;
  const y = new Float64Array(p.batch * p.outChannels * hOut * wOut);
  const bound = new Float64Array(y.length);
  for (let n = 0; n < p.batch; n++)
    for (let co = 0; co < p.outChannels; co++) {
      const g = Math.floor(co / coutG);
      for (let oh = 0; oh < hOut; oh++)
        for (let ow = 0; ow < wOut; ow++) {
          let s = bias ? bias[co]! : 0, t = Math.abs(s);
          for (let ci = 0; ci < cinG; ci++)
            for (let kh = 0; kh < p.kernelH; kh++)
              for (let kw = 0; kw < p.kernelW; kw++) {
                const ih = oh * p.strideH - p.padH + kh * p.dilationH;
                const iw = ow * p.strideW - p.padW + kw * p.dilationW;
                if (ih < 0 || ih >= p.inHeight || iw < 0 || iw >= p.inWidth) continue;
                const v = x[((n * p.inChannels + g * cinG + ci) * p.inHeight + ih) * p.inWidth + iw]! * w[((co * cinG + ci) * p.kernelH + kh) * p.kernelW + kw]!;
                s += v;
                t += Math.abs(v);
              }
          const o = ((n * p.outChannels + co) * hOut + oh) * wOut + ow;
          y[o] = s;
          bound[o] = t;
        }
    }
  return [y, bound];
}

/** Both conv2d gradients by the chain rule on the reference loop: dx and dw, with |term| bounds. */
function refConv2dBackward(dy: Float32Array, x: Float32Array, w: Float32Array, p: Conv2dParams) {
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
  const cinG = p.inChannels / p.groups, coutG = p.outChannels / p.groups;
  const dx = new Float64Array(x.length), dxB = new Float64Array(x.length);
  const dw = new Float64Array(w.length), dwB = new Float64Array(w.length);
  for (let n = 0; n < p.batch; n++)
    for (let co = 0; co < p.outChannels; co++) {
      const g = Math.floor(co / coutG);
      for (let oh = 0; oh < hOut; oh++)
        for (let ow = 0; ow < wOut; ow++) {
          const d = dy[((n * p.outChannels + co) * hOut + oh) * wOut + ow]!;
          for (let ci = 0; ci < cinG; ci++)
            for (let kh = 0; kh < p.kernelH; kh++)
              for (let kw = 0; kw < p.kernelW; kw++) {
                const ih = oh * p.strideH - p.padH + kh * p.dilationH;
                const iw = ow * p.strideW - p.padW + kw * p.dilationW;
                if (ih < 0 || ih >= p.inHeight || iw < 0 || iw >= p.inWidth) continue;
                const xi = ((n * p.inChannels + g * cinG + ci) * p.inHeight + ih) * p.inWidth + iw;
                const wi = ((co * cinG + ci) * p.kernelH + kh) * p.kernelW + kw;
                dx[xi] += w[wi]! * d;
                dxB[xi] += Math.abs(w[wi]! * d);
                dw[wi] += x[xi]! * d;
                dwB[wi] += Math.abs(x[xi]! * d);
              }
        }
    }
  return { dx, dxB, dw, dwB };
}

function refPool(x: Float32Array, p: Pool2dParams, kind: 'max' | 'avg') {
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW);
  const out = new Float64Array(p.batch * p.channels * hOut * wOut);
  const arg = new Int32Array(out.length);
  let o = 0;
  for (let pl = 0; pl < p.batch * p.channels; pl++)
    for (let oh = 0; oh < hOut; oh++)
      for (let ow = 0; ow < wOut; ow++, o++) {
        let best = -Infinity, at = -1, sum = 0;
        for (let kh = 0; kh < p.kernelH; kh++)
          for (let kw = 0; kw < p.kernelW; kw++) {
            const ih = oh * p.strideH - p.padH + kh, iw = ow * p.strideW - p.padW + kw;
            if (ih < 0 || ih >= p.inHeight || iw < 0 || iw >= p.inWidth) continue;
            const i = (pl * p.inHeight + ih) * p.inWidth + iw;
            sum += x[i]!;
            if (at < 0 || x[i]! > best) [best, at] = [x[i]!, i];
          }
        out[o] = kind === 'max' ? best : sum / (p.kernelH * p.kernelW);
        arg[o] = at;
      }
  return { out, arg, hOut, wOut };
}

/** Asserts |got - ref| <= tol * bound + tiny, reporting the first bad index. */
export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, bound: ArrayLike<number> | null, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const lim = tol * (bound ? bound[i]! : Math.abs(ref[i]!)) + 1e-30;
    if (!(Math.abs(got[i]! - ref[i]!) <= lim)) {
      expect.fail(`${what}: element ${i} is ${got[i]}, reference ${ref[i]} (allowed error ${lim})`);
    }
  }
}

// ---------- the suite ----------

export function runBackendSuite(name: string, getBackend: () => Promise<Backend | null>, opts: SuiteOptions = {}): void {
  const tol = opts.tol ?? 1e-5;
  const numRuns = opts.numRuns ?? 40;
  let be: Backend | null = null;

  describe(`backend ${name}`, () => {
    beforeAll(async () => {
      be = await getBackend();
      if (!be) console.warn(`backend suite: skipping "${name}": backend not available here`);
    });
    /** it() that skips (with the reason printed once above) when the backend is unavailable. */
    const bit = (title: string, fn: (b: Backend) => void) =>
      it(title, (ctx) => {
        if (!be) return ctx.skip();
        fn(be);
      });

    describe('matmul f32', () => {
      const caseArb = fc.record({
        batch: fc.integer({ min: 1, max: 3 }), m: dimArb(70), k: fc.oneof(dimArb(70), fc.constantFrom(0, 256, 257, 513)), n: dimArb(70),
        transA: fc.boolean(), transB: fc.boolean(), bcastA: fc.boolean(), bcastB: fc.boolean(), seed: fc.integer(),
      });
      bit('matches the reference for random shapes, trans flags and batch strides (incl. 0)', (b) => {
        fc.assert(fc.property(caseArb, (c) => {
          const sA = c.bcastA ? 0 : c.m * c.k, sB = c.bcastB ? 0 : c.k * c.n;
          const a = randF32(c.bcastA ? c.m * c.k : c.batch * c.m * c.k, c.seed);
          const bm = randF32(c.bcastB ? c.k * c.n : c.batch * c.k * c.n, c.seed + 1);
          const got = b.matmul(a, bm, c.batch, c.m, c.k, c.n, { transA: c.transA, transB: c.transB, strideA: sA, strideB: sB });
          const [ref, bound] = refMatmul(a, bm, c.batch, c.m, c.k, c.n, c.transA, c.transB, sA, sB);
          expectClose(got, ref, bound, tol, `matmul ${JSON.stringify(c)}`);
        }), { numRuns });
      });

      bit('crosses every cache block (k > 512, m > 64, n > 2048) in all trans combinations', (b) => {
        for (const [m, k, n] of [[70, 600, 9], [5, 3, 2100], [131, 257, 67]] as const) {
          for (const transA of [false, true]) for (const transB of [false, true]) {
            const a = randF32(m * k, m + k), bm = randF32(k * n, k + n);
            const [ref, bound] = refMatmul(a, bm, 1, m, k, n, transA, transB, m * k, k * n);
            expectClose(b.matmul(a, bm, 1, m, k, n, { transA, transB }), ref, bound, tol, `matmul ${m}x${k}x${n} tA=${transA} tB=${transB}`);
          }
        }
      });

      bit('gives zeros for k = 0 and empty results for m, n or batch = 0', (b) => {
        expect(Array.from(b.matmul(new Float32Array(0), new Float32Array(0), 2, 3, 0, 2))).toEqual(new Array(12).fill(0));
        expect(b.matmul(new Float32Array(0), new Float32Array(8), 1, 0, 4, 2).length).toBe(0);
        expect(b.matmul(new Float32Array(0), new Float32Array(0), 0, 3, 4, 2).length).toBe(0);
      });

      bit('throws ShapeError naming the op and sizes', (b) => {
        expect(() => b.matmul(new Float32Array(5), new Float32Array(6), 1, 2, 3, 2)).toThrow(ShapeError);
        expect(() => b.matmul(new Float32Array(5), new Float32Array(6), 1, 2, 3, 2)).toThrow(/^matmul: A must hold 6 elements .*\[2,3\].*got 5$/);
        expect(() => b.matmul(new Float32Array(6), new Float32Array(7), 1, 2, 3, 2)).toThrow(/^matmul: B must hold 6 elements .*\[3,2\].*got 7$/);
        expect(() => b.matmul(new Float32Array(6), new Float32Array(6), 1, 2, 3, 2, { strideA: 4 })).toThrow(/^matmul: strideA must be 0 or at least m\*k=6, got 4$/);
        expect(() => b.matmul(new Float32Array(6), new Float32Array(6), 1, 2.5, 3, 2)).toThrow(/^matmul: m must be a non-negative integer, got 2.5$/);
      });
    });

    describe('int8 matmul', () => {
      const refInt8 = (a: Int8Array, bm: Int8Array, m: number, k: number, n: number, transB: boolean) =>
        refMatmul(a, bm, 1, m, k, n, false, transB, m * k, k * n)[0];

      bit('is exact on the full int8 range for random shapes, with and without transB', (b) => {
        fc.assert(fc.property(dimArb(40), fc.oneof(dimArb(70), fc.integer({ min: 500, max: 4096 })), dimArb(40), fc.boolean(), fc.integer(), (m, k, n, transB, seed) => {
          const a = randI8(m * k, seed), bm = randI8(k * n, seed + 7);
          const got = b.int8Matmul(a, bm, m, k, n, { transB });
          expect(got).toBeInstanceOf(Int32Array);
          expect(Array.from(got)).toEqual(Array.from(refInt8(a, bm, m, k, n, transB)));
        }), { numRuns });
      });

      bit('is exact at the extremes: all -128 (and -128 x 127) at k = 4096', (b) => {
        const m = 5, k = 4096, n = 19;
        const a = new Int8Array(m * k).fill(-128);
        expect(Array.from(b.int8Matmul(a, new Int8Array(k * n).fill(-128), m, k, n))).toEqual(new Array(m * n).fill(4096 * 16384));
        expect(Array.from(b.int8Matmul(a, new Int8Array(k * n).fill(127), m, k, n, { transB: true }))).toEqual(new Array(m * n).fill(-4096 * 128 * 127));
      });

      bit('dequantizes with per-tensor / per-row / per-column scales, zero points, bias and relu', (b) => {
        fc.assert(fc.property(dimArb(20), dimArb(300), dimArb(20), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (m, k, n, perRow, perCol, zeroB, relu, transB, seed) => {
          const r = new Random(seed);
          const a = randI8(m * k, seed), bm = randI8(k * n, seed + 3);
          const ep: Int8Epilogue = {
            aScale: Float32Array.from({ length: perRow ? m : 1 }, () => r.uniform(0.001, 0.1)),
            bScale: Float32Array.from({ length: perCol ? n : 1 }, () => r.uniform(0.001, 0.1)),
            aZeroPoint: Int32Array.from({ length: perRow ? m : 1 }, () => r.int(256) - 128),
            bias: Float32Array.from({ length: n }, () => r.uniform(-1, 1)),
            relu,
          };
          if (zeroB) ep.bZeroPoint = Int32Array.from({ length: perCol ? n : 1 }, () => r.int(21) - 10);
          const got = b.int8MatmulDequant(a, bm, m, k, n, ep, { transB });
          const pick = (arr: ArrayLike<number> | undefined, i: number) => (arr ? arr[arr.length === 1 ? 0 : i]! : 0);
          const ref = new Float64Array(m * n), bound = new Float64Array(m * n);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0, t = 0;
              for (let p = 0; p < k; p++) {
                const v = (a[i * k + p]! - pick(ep.aZeroPoint, i)) * (bm[transB ? j * k + p : p * n + j]! - pick(ep.bZeroPoint, j));
                s += v;
                t += Math.abs(v);
              }
              const sc = pick(ep.aScale, i) * pick(ep.bScale, j);
              const v = s * sc + pick(ep.bias, j);
              ref[i * n + j] = relu ? Math.max(0, v) : v;
              bound[i * n + j] = t * sc + Math.abs(pick(ep.bias, j));
            }
          expectClose(got, ref, bound, Math.max(tol, 1e-6), 'int8MatmulDequant');
        }), { numRuns });
      });

      bit('throws ShapeError for wrong sizes and epilogue lengths', (b) => {
        expect(() => b.int8Matmul(new Int8Array(5), new Int8Array(6), 2, 3, 2)).toThrow(/^int8Matmul: A must hold 6 elements .*got 5$/);
        const ep: Int8Epilogue = { aScale: new Float32Array(3), bScale: new Float32Array(1) };
        expect(() => b.int8MatmulDequant(new Int8Array(6), new Int8Array(6), 2, 3, 2, ep)).toThrow(/^int8MatmulDequant: aScale must have length 1 or m=2, got 3$/);
      });
    });

    bit('int8Conv2dDequant, where a backend has it, gives the bits of int8Conv2dViaGemm over its int8MatmulDequant', (b) => {
      if (!b.int8Conv2dDequant) return;
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.integer(), (pad, stride, groups, relu, seed) => {
        const r = new Random(seed);
        const p: Conv2dParams = { batch: 2, inChannels: 2 * groups, inHeight: 7, inWidth: 9, outChannels: 3 * groups, kernelH: 3, kernelW: 3, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: 1, dilationW: 1, groups };
        const x = randI8(2 * p.inChannels * 63, seed), w = randI8(p.outChannels * 2 * 9, seed + 1);
        const ep: Int8Epilogue = {
          aScale: Float32Array.of(r.uniform(0.01, 0.1)), aZeroPoint: Int32Array.of(r.int(256) - 128),
          bScale: Float32Array.from({ length: p.outChannels }, () => r.uniform(0.001, 0.05)), bias: Float32Array.from({ length: p.outChannels }, () => r.uniform(-1, 1)), relu,
        };
        const want = int8Conv2dViaGemm((...args) => b.int8MatmulDequant(...args), x, w, ep, p);
        expect(Array.from(b.int8Conv2dDequant!(x, w, ep, p))).toEqual(Array.from(want));
      }), { numRuns });
    });

    describe('conv2d', () => {
      const convArb = fc
        .record({
          batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), cinG: fc.integer({ min: 1, max: 3 }), coutG: fc.integer({ min: 1, max: 4 }),
          inHeight: fc.integer({ min: 1, max: 9 }), inWidth: fc.integer({ min: 1, max: 9 }), kernelH: fc.integer({ min: 1, max: 3 }), kernelW: fc.integer({ min: 1, max: 3 }),
          strideH: fc.integer({ min: 1, max: 3 }), strideW: fc.integer({ min: 1, max: 3 }), padH: fc.integer({ min: 0, max: 2 }), padW: fc.integer({ min: 0, max: 2 }),
          dilationH: fc.integer({ min: 1, max: 2 }), dilationW: fc.integer({ min: 1, max: 2 }), withBias: fc.boolean(), seed: fc.integer(),
        })
        .map(({ cinG, coutG, ...r }) => ({ ...r, inChannels: cinG * r.groups, outChannels: coutG * r.groups }))
        .filter((p) => outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH) >= 1 && outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW) >= 1);
      const inputs = (p: Conv2dParams & { seed: number }) => {
        const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH), wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
        return {
          x: randF32(p.batch * p.inChannels * p.inHeight * p.inWidth, p.seed),
          w: randF32(p.outChannels * (p.inChannels / p.groups) * p.kernelH * p.kernelW, p.seed + 1),
          dy: randF32(p.batch * p.outChannels * hOut * wOut, p.seed + 2),
        };
      };

      bit('forward matches the reference loop (groups, stride, padding, dilation, bias)', (b) => {
        fc.assert(fc.property(convArb, (p) => {
          const { x, w } = inputs(p);
          const bias = p.withBias ? randF32(p.outChannels, p.seed + 3) : null;
          const [ref, bound] = refConv2d(x, w, bias, p);
          expectClose(b.conv2d(x, w, bias, p), ref, bound, tol, `conv2d ${JSON.stringify(p)}`);
        }), { numRuns: numRuns * 2 });
      });

      bit('backward input and weight match the reference loop', (b) => {
        fc.assert(fc.property(convArb, (p) => {
          const { x, w, dy } = inputs(p);
          const ref = refConv2dBackward(dy, x, w, p);
          expectClose(b.conv2dBackwardInput(dy, w, p), ref.dx, ref.dxB, tol, `conv2dBackwardInput ${JSON.stringify(p)}`);
          expectClose(b.conv2dBackwardWeight(dy, x, p), ref.dw, ref.dwB, tol, `conv2dBackwardWeight ${JSON.stringify(p)}`);
        }), { numRuns: numRuns * 2 });
      });

      bit('a larger conv (GEMM blocks crossed) matches forward and backward', (b) => {
        const p = { batch: 2, inChannels: 12, inHeight: 11, inWidth: 10, outChannels: 70, kernelH: 3, kernelW: 3, strideH: 1, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 2, seed: 5 };
        const { x, w, dy } = inputs(p);
        const [ref, bound] = refConv2d(x, w, null, p);
        expectClose(b.conv2d(x, w, null, p), ref, bound, tol, 'conv2d large');
        const g = refConv2dBackward(dy, x, w, p);
        expectClose(b.conv2dBackwardInput(dy, w, p), g.dx, g.dxB, tol, 'conv2dBackwardInput large');
        expectClose(b.conv2dBackwardWeight(dy, x, p), g.dw, g.dwB, tol, 'conv2dBackwardWeight large');
      });

      bit('throws ShapeError for bad sizes', (b) => {
        const p: Conv2dParams = { batch: 1, inChannels: 4, inHeight: 5, inWidth: 5, outChannels: 6, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 2 };
        expect(() => b.conv2d(new Float32Array(99), new Float32Array(6 * 2 * 9), null, p)).toThrow(/^conv2d: x must hold \[1,4,5,5\] = 100 elements, got 99$/);
        expect(() => b.conv2d(new Float32Array(100), new Float32Array(6 * 4 * 9), null, p)).toThrow(/^conv2d: w must hold \[6,2,3,3\] = 108 elements, got 216$/);
        expect(() => b.conv2d(new Float32Array(100), new Float32Array(108), null, { ...p, groups: 3 })).toThrow(/^conv2d: groups must divide/);
        expect(() => b.conv2d(new Float32Array(100), new Float32Array(108), null, { ...p, kernelH: 7 })).toThrow(ShapeError);
        expect(() => b.conv2dBackwardInput(new Float32Array(5), new Float32Array(108), p)).toThrow(/^conv2dBackwardInput: dy must hold \[1,6,3,3\] = 54 elements, got 5$/);
      });
    });

    describe('known answers from tfjs-backend-cpu (test/fixtures/kernels/conv-pool.json)', () => {
      interface Fixture {
        name: string;
        op: 'conv2d' | 'maxPool2d' | 'avgPool2d';
        params: Conv2dParams & Pool2dParams;
        x: number[];
        y: number[];
        w?: number[];
        bias?: number[] | null;
        dy?: number[];
        dx?: number[];
        dw?: number[];
      }
      const fixtures = (JSON.parse(readFileSync(new URL('../fixtures/kernels/conv-pool.json', import.meta.url), 'utf8')) as { cases: Fixture[] }).cases;
      const ftol = Math.max(tol, 1e-5);
      const near = (got: ArrayLike<number>, want: number[], what: string) =>
        expectClose(got, want, want.map((v) => Math.abs(v) + 1), ftol, what);
      it('has fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(8));
      for (const f of fixtures) {
        bit(f.name, (b) => {
          const x = Float32Array.from(f.x);
          if (f.op === 'conv2d') {
            const w = Float32Array.from(f.w!);
            near(b.conv2d(x, w, f.bias ? Float32Array.from(f.bias) : null, f.params), f.y, `${f.name}: y`);
            if (f.dy) {
              const dy = Float32Array.from(f.dy);
              near(b.conv2dBackwardInput(dy, w, f.params), f.dx!, `${f.name}: dx`);
              near(b.conv2dBackwardWeight(dy, x, f.params), f.dw!, `${f.name}: dw`);
            }
          } else if (f.op === 'maxPool2d') {
            near(b.maxPool2d(x, f.params).out, f.y, `${f.name}: y`);
          } else {
            near(b.avgPool2d(x, f.params), f.y, `${f.name}: y`);
          }
        });
      }
    });

    describe('pool2d', () => {
      const poolArb = fc
        .record({
          batch: fc.integer({ min: 1, max: 2 }), channels: fc.integer({ min: 1, max: 3 }), inHeight: fc.integer({ min: 1, max: 9 }), inWidth: fc.integer({ min: 1, max: 9 }),
          kernelH: fc.integer({ min: 1, max: 4 }), kernelW: fc.integer({ min: 1, max: 4 }), strideH: fc.integer({ min: 1, max: 3 }), strideW: fc.integer({ min: 1, max: 3 }),
          padH: fc.integer({ min: 0, max: 2 }), padW: fc.integer({ min: 0, max: 2 }), seed: fc.integer(),
        })
        .filter((p) => outSize(p.inHeight, p.kernelH, p.strideH, p.padH) >= 1 && outSize(p.inWidth, p.kernelW, p.strideW, p.padW) >= 1);

      bit('maxPool2d and its backward match the reference (argmax, padding never wins)', (b) => {
        fc.assert(fc.property(poolArb, (p) => {
          // Negative inputs make sure a padded zero would be noticed if it won.
          const x = randF32(p.batch * p.channels * p.inHeight * p.inWidth, p.seed, -2, -1);
          const ref = refPool(x, p, 'max');
          const { out, argmax } = b.maxPool2d(x, p);
          expect(Array.from(out)).toEqual(Array.from(ref.out, (v) => Math.fround(v)));
          expect(Array.from(argmax)).toEqual(Array.from(ref.arg));
          const dy = randF32(out.length, p.seed + 1);
          const dx = new Float64Array(x.length), dxB = new Float64Array(x.length);
          ref.arg.forEach((i, o) => { if (i >= 0) { dx[i] += dy[o]!; dxB[i] += Math.abs(dy[o]!); } });
          expectClose(b.maxPool2dBackward(dy, argmax, x.length), dx, dxB, Math.max(tol, 1e-6), 'maxPool2dBackward');
        }), { numRuns: numRuns * 2 });
      });

      bit('avgPool2d and its backward match the reference (padding counts in the divisor)', (b) => {
        fc.assert(fc.property(poolArb, (p) => {
          const x = randF32(p.batch * p.channels * p.inHeight * p.inWidth, p.seed);
          const ref = refPool(x, p, 'avg');
          const bound = refPool(x.map(Math.abs), p, 'avg').out;
          expectClose(b.avgPool2d(x, p), ref.out, bound, tol, 'avgPool2d');
          // The backward is the transpose of the forward: <avg(x), dy> = <x, avgBackward(dy)>.
          const dy = randF32(ref.out.length, p.seed + 1);
          const dx = b.avgPool2dBackward(dy, p);
          let lhs = 0, rhs = 0, mag = 0;
          ref.out.forEach((v, o) => { lhs += v * dy[o]!; mag += Math.abs(v * dy[o]!); });
          x.forEach((v, i) => { rhs += v * dx[i]!; });
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-5 * (mag + 1));
        }), { numRuns: numRuns * 2 });
      });

      bit('maxPool2d marks an all-padding window with argmax -1', (b) => {
        const p: Pool2dParams = { batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 1, padW: 1 };
        const { out, argmax } = b.maxPool2d(new Float32Array([3]), p);
        expect(Array.from(argmax)).toEqual([-1, -1, -1, -1, 0, -1, -1, -1, -1]);
        expect(out[4]).toBe(3);
        expect(out[0]).toBe(-Infinity);
      });

      bit('throws ShapeError for bad sizes', (b) => {
        const p: Pool2dParams = { batch: 1, channels: 2, inHeight: 4, inWidth: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 };
        expect(() => b.maxPool2d(new Float32Array(31), p)).toThrow(/^maxPool2d: x must hold \[1,2,4,4\] = 32 elements, got 31$/);
        expect(() => b.avgPool2dBackward(new Float32Array(7), p)).toThrow(/^avgPool2dBackward: dy must hold \[1,2,2,2\] = 8 elements, got 7$/);
        expect(() => b.maxPool2dBackward(new Float32Array(3), new Int32Array(4), 10)).toThrow(ShapeError);
      });
    });
  });
}
