// The wasm SIMD GEMMs against plain loops. f32: the kernel sums k in order in float32 (mul, then add),
// so a Math.fround loop must give the SAME BITS, which also proves the wasm path ran (the JS core sums in
// double). int8: exact against an int32 loop, including k = 4096 at the extremes.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GemmJob } from '../../../../kernels/cpu/gemm-core.js';
import { getGemmImpl, int8Matmul, matmul, setGemmImpl, setNumThreads, wasmGemmSupported } from '../../../../kernels/cpu/index.js';
import { runGemmJob, runInt8Job } from '../../../../kernels/cpu/pool.js';
import { WASM_I8_KC, WASM_KC, WASM_MC, WASM_NC, WASM_PACK_BYTES, wasmGemmRun, wasmInt8Run } from '../../../../kernels/cpu/wasm/wasm-run.js';
import { dimArb, randF32, randI8 } from '../../backend-suite.js';

/** C (+)= A x B for a job, summing k in order in float32: what the wasm kernel must reproduce bit for bit. */
function refF32(a: Float32Array, b: Float32Array, c: Float32Array, j: GemmJob): void {
  const fr = Math.fround;
  for (let bi = 0; bi < j.batch; bi++)
    for (let i = 0; i < j.m; i++)
      for (let q = 0; q < j.n; q++) {
        const o = j.cOff + bi * j.strideC + i * j.ldc + q;
        let s = j.accumulate ? c[o]! : 0;
        for (let p = 0; p < j.k; p++) {
          s = fr(s + fr(a[j.aOff + bi * j.strideA + i * j.aRs + p * j.aCs]! * b[j.bOff + bi * j.strideB + p * j.bRs + q * j.bCs]!));
        }
        c[o] = s;
      }
}

const sameBits = (x: Float32Array, y: Float32Array): boolean => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

describe.skipIf(!wasmGemmSupported())('wasm GEMM cores', () => {
  let oldThreads = 1;
  beforeAll(() => {
    oldThreads = setNumThreads(1);
    setGemmImpl('wasm');
  });
  afterAll(() => setNumThreads(oldThreads));

  it('are the active implementation by default', () => expect(getGemmImpl()).toBe('wasm'));

  it('keep their block sizes in the self-contained drivers (shipped to workers as source)', () => {
    expect(wasmGemmRun.toString()).toContain(`KC = ${WASM_KC}, MC = ${WASM_MC}, NC = ${WASM_NC}`);
    expect(wasmInt8Run.toString()).toContain(`KC = ${WASM_I8_KC}, MC = ${WASM_MC}, NC = ${WASM_NC}`);
    // int8 packs i16 pairs: the same bytes as f32 when its k block is twice as long.
    expect(WASM_I8_KC).toBe(2 * WASM_KC);
    expect(WASM_PACK_BYTES).toBeGreaterThanOrEqual(WASM_MC * WASM_KC * 4 + WASM_KC * WASM_NC * 4 + 128);
  });

  const jobArb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }), m: dimArb(70), k: fc.oneof(dimArb(70), fc.constantFrom(255, 256, 257, 600)), n: dimArb(70),
    transA: fc.boolean(), transB: fc.boolean(), bcastA: fc.boolean(), bcastB: fc.boolean(), accumulate: fc.boolean(),
    aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }), cOff: fc.integer({ min: 0, max: 5 }),
    ldcPad: fc.integer({ min: 0, max: 3 }), cGap: fc.integer({ min: 0, max: 9 }), seed: fc.integer(),
  });

  it('match a float32 loop bit for bit: transposes, batches, broadcast, offsets, ldc, gaps in C, accumulate', () => {
    fc.assert(fc.property(jobArb, (t) => {
      const { batch, m, k, n } = t;
      const ldc = n + t.ldcPad;
      const job: GemmJob = {
        batch, m, k, n,
        aOff: t.aOff, aRs: t.transA ? 1 : k, aCs: t.transA ? m : 1, strideA: t.bcastA ? 0 : m * k,
        bOff: t.bOff, bRs: t.transB ? 1 : n, bCs: t.transB ? k : 1, strideB: t.bcastB ? 0 : k * n,
        cOff: t.cOff, ldc, strideC: m * ldc + t.cGap,
        accumulate: t.accumulate ? 1 : 0, rowFrom: 0, rowTo: batch * m, colFrom: 0, colTo: n,
      };
      const a = randF32(t.aOff + (t.bcastA ? 1 : batch) * m * k + 3, t.seed);
      const b = randF32(t.bOff + (t.bcastB ? 1 : batch) * k * n + 3, t.seed + 1);
      const c = randF32(t.cOff + batch * job.strideC + 3, t.seed + 2);
      const want = c.slice();
      refF32(a, b, want, job);
      expect(runGemmJob(a, b, c, job)).toBe(true);
      // Elements outside the job (offsets, ldc padding, gaps between batches) must be untouched too.
      expect(sameBits(c, want)).toBe(true);
    }), { numRuns: 150 });
  });

  it('match on large shapes crossing every block (k > KC, m > MC, n > NC)', () => {
    for (const [m, k, n, transA, transB] of [[300, 700, 45, false, false], [9, 300, 2100, true, true], [131, 513, 67, false, true]] as const) {
      const job: GemmJob = {
        batch: 1, m, k, n, aOff: 0, aRs: transA ? 1 : k, aCs: transA ? m : 1, strideA: m * k,
        bOff: 0, bRs: transB ? 1 : n, bCs: transB ? k : 1, strideB: k * n, cOff: 0, ldc: n, strideC: m * n,
        accumulate: 0, rowFrom: 0, rowTo: m, colFrom: 0, colTo: n,
      };
      const a = randF32(m * k, m), b = randF32(k * n, n), c = new Float32Array(m * n), want = new Float32Array(m * n);
      refF32(a, b, want, job);
      expect(runGemmJob(a, b, c, job)).toBe(true);
      expect(sameBits(c, want)).toBe(true);
    }
  });

  it('tiny GEMMs (the plain-loop path) sum like the kernel, so the size-based path choice never changes bits', () => {
    for (const [m, k, n] of [[3, 7, 5], [1, 300, 2], [2, 2, 2]] as const) {
      const a = randF32(m * k, 1), b = randF32(k * n, 2);
      const want = new Float32Array(m * n);
      refF32(a, b, want, {
        batch: 1, m, k, n, aOff: 0, aRs: k, aCs: 1, strideA: 0, bOff: 0, bRs: n, bCs: 1, strideB: 0,
        cOff: 0, ldc: n, strideC: 0, accumulate: 0, rowFrom: 0, rowTo: m, colFrom: 0, colTo: n,
      });
      expect(sameBits(matmul(a, b, 1, m, k, n), want)).toBe(true);
    }
  });

  const refInt8 = (a: Int8Array, b: Int8Array, m: number, k: number, n: number, transB: boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p]! * b[transB ? j * k + p : p * n + j]!;
        out.push(s);
      }
    return out;
  };

  it('int8 is exact for random shapes (odd k, k across blocks, transB)', () => {
    fc.assert(fc.property(dimArb(70), fc.oneof(dimArb(70), fc.constantFrom(511, 512, 513, 1025)), dimArb(70), fc.boolean(), fc.integer(), (m, k, n, transB, seed) => {
      const a = randI8(m * k, seed), b = randI8(k * n, seed + 1);
      const c = new Int32Array(m * n);
      const job = { batch: 1, m, k, n, bRs: transB ? 1 : n, bCs: transB ? k : 1, accumulate: 0, rowFrom: 0, rowTo: m, colFrom: 0, colTo: n };
      expect(runInt8Job(a, b, c, job)).toBe(true);
      expect(Array.from(c)).toEqual(refInt8(a, b, m, k, n, transB));
    }), { numRuns: 100 });
  });

  it('int8 is exact at k = 4096 with every product at its extreme (-128*-128, -128*127, 127*127)', () => {
    const m = 9, k = 4096, n = 21;
    for (const [av, bv] of [[-128, -128], [-128, 127], [127, 127], [127, -128]] as const) {
      for (const transB of [false, true]) {
        const got = int8Matmul(new Int8Array(m * k).fill(av), new Int8Array(k * n).fill(bv), m, k, n, { transB });
        expect(Array.from(got)).toEqual(new Array(m * n).fill(k * av * bv));
      }
    }
    // Mixed signs at the extremes, every k pair different.
    const a = Int8Array.from({ length: m * k }, (_, i) => ((i * 7) % 3 === 0 ? -128 : 127));
    const b = Int8Array.from({ length: k * n }, (_, i) => ((i * 5) % 4 === 0 ? 127 : -128));
    expect(Array.from(int8Matmul(a, b, m, k, n))).toEqual(refInt8(a, b, m, k, n, false));
  });
});

describe('GEMM implementation switch', () => {
  it('falls back to the JS cores when asked (the wasm runner declines), and back to wasm', () => {
    const old = setGemmImpl('js');
    expect(getGemmImpl()).toBe('js');
    const c = new Float32Array(4);
    expect(runGemmJob(new Float32Array(4), new Float32Array(4), c, {
      batch: 1, m: 2, k: 2, n: 2, aOff: 0, aRs: 2, aCs: 1, strideA: 4, bOff: 0, bRs: 2, bCs: 1, strideB: 4,
      cOff: 0, ldc: 2, strideC: 4, accumulate: 0, rowFrom: 0, rowTo: 2, colFrom: 0, colTo: 2,
    })).toBe(false);
    setGemmImpl('wasm');
    expect(getGemmImpl()).toBe(wasmGemmSupported() ? 'wasm' : 'js');
    setGemmImpl(old);
  });
});
