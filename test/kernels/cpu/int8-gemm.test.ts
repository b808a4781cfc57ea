// int8MatmulDequant on the CPU (wasm: GEMM + the `dequant` epilogue in the wasm memory; JS cores: dequantEpilogue)
// against plain loops, BIT for bit: exact int32 sums, then the documented epilogue in double, rounded once.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import type { Int8Epilogue } from '../../../kernels/backend.js';
import { getGemmImpl, int8MatmulDequant, setGemmImpl } from '../../../kernels/cpu/index.js';
import { dimArb, randI8 } from '../backend-suite.js';

/** real = (acc - za*colSumB - zb*rowSumA + k*za*zb) * sa * sb + bias, relu on the double, then float32. */
function refDequant(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, transB: boolean): Float32Array {
  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? arr[arr.length === 1 ? 0 : i]! : 0);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0, rowSum = 0, colSum = 0;
      for (let p = 0; p < k; p++) {
        const bv = b[transB ? j * k + p : p * n + j]!;
        acc += a[i * k + p]! * bv; rowSum += a[i * k + p]!; colSum += bv;
      }
      const za = pick(ep.aZeroPoint, i), zb = pick(ep.bZeroPoint, j);
      const v = (acc - za * colSum - zb * rowSum + k * za * zb) * pick(ep.aScale, i) * pick(ep.bScale, j) + pick(ep.bias, j);
      out[i * n + j] = ep.relu && v < 0 ? 0 : v;
    }
  return out;
}

describe('cpu int8MatmulDequant', () => {
  const impl = getGemmImpl();
  afterAll(() => setGemmImpl(impl));

  for (const cores of ['wasm', 'js'] as const) {
    it(`equals int32 loops and the epilogue bit for bit (${cores} cores; zero points per tensor, per row/column, none)`, () => {
      setGemmImpl(cores);
      const zp = fc.constantFrom('none', 'tensor', 'each', 'zeros');
      fc.assert(fc.property(dimArb(40), fc.oneof(dimArb(70), fc.constantFrom(511, 512, 513, 800)), dimArb(40), zp, zp, fc.boolean(), fc.boolean(), fc.constantFrom('none', 'one', 'all'), fc.boolean(), fc.boolean(), fc.integer(),
        (m, k, n, zA, zB, perRow, perCol, bias, relu, transB, seed) => {
          const r = new Random(seed);
          const a = randI8(m * k, seed), b = randI8(k * n, seed + 1);
          const zeros = (kind: string, len: number, span: number): Int32Array | undefined =>
            kind === 'none' ? undefined : Int32Array.from({ length: kind === 'tensor' ? 1 : len }, () => (kind === 'zeros' ? 0 : r.int(2 * span + 1) - span));
          const ep: Int8Epilogue = {
            aScale: Float32Array.from({ length: perRow ? m : 1 }, () => r.uniform(0.001, 0.1)),
            bScale: Float32Array.from({ length: perCol ? n : 1 }, () => r.uniform(0.001, 0.1)),
            aZeroPoint: zeros(zA, m, 128), bZeroPoint: zeros(zB, n, 10),
            bias: bias === 'none' ? undefined : Float32Array.from({ length: bias === 'one' ? 1 : n }, () => r.uniform(-1, 1)),
            relu,
          };
          const got = int8MatmulDequant(a, b, m, k, n, ep, { transB });
          const want = refDequant(a, b, m, k, n, ep, transB);
          expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
        }), { numRuns: 150 });
      setGemmImpl(impl);
    });
  }
});
