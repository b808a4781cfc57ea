// The worker pool: every pooled kernel must give bitwise the same result as one thread, and must really run
// pooled, with the wasm cores (workers instantiate the module over the shared memory) and with the JS cores.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend, getGemmImpl, getNumThreads, pooledGemmCount, setGemmImpl, setNumThreads, setPoolMinMacs, wasmGemmSupported, type GemmImpl } from '../../../kernels/cpu/index.js';
import { dimArb, randF32, randI8 } from '../backend-suite.js';

const impls: GemmImpl[] = wasmGemmSupported() ? ['wasm', 'js'] : ['js'];

describe.each(impls)('cpu worker pool (%s cores)', (impl) => {
  let oldThreads = 1;
  let oldMin = 0;
  let oldImpl: GemmImpl = 'wasm';
  beforeAll(() => {
    oldThreads = getNumThreads();
    oldMin = setPoolMinMacs(0);
    oldImpl = setGemmImpl(impl);
  });
  afterAll(() => {
    setNumThreads(oldThreads);
    setPoolMinMacs(oldMin);
    setGemmImpl(oldImpl);
  });

  it(`runs the ${impl} cores`, () => expect(getGemmImpl()).toBe(impl));

  /** Runs fn single-threaded and then on a 2-thread pool (every size pooled), returning both results. */
  const both = <T>(fn: () => T, mustPool = true): [T, T] => {
    setNumThreads(1);
    const one = fn();
    setNumThreads(2);
    const before = pooledGemmCount();
    const two = fn();
    if (mustPool) expect(pooledGemmCount(), 'the pool must have run').toBeGreaterThan(before);
    return [one, two];
  };

  it('gives bitwise the same matmul as one thread (row and column splits, trans, batch strides)', () => {
    const before = pooledGemmCount();
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), dimArb(90), fc.oneof(dimArb(40), fc.constant(300)), dimArb(90), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (batch, m, k, n, transA, transB, bcastB, seed) => {
      const a = randF32(batch * m * k, seed), b = randF32(bcastB ? k * n : batch * k * n, seed + 1);
      const [one, two] = both(() => cpuBackend.matmul(a, b, batch, m, k, n, { transA, transB, strideB: bcastB ? 0 : k * n }), false);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    }), { numRuns: 25 });
    // Tiny shapes stay on one thread (the explicit cases below must split); some drawn ones split too.
    expect(pooledGemmCount() - before).toBeGreaterThan(0);
  });

  it('splits by rows: transposed, batched, broadcast B, k across a KC block', () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const batch = 2, m = 37, k = 300, n = 29;
      const a = randF32(batch * m * k, 8), b = randF32(k * n, 9);
      const [one, two] = both(() => cpuBackend.matmul(a, b, batch, m, k, n, { transA, transB, strideB: 0 }));
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    }
  });

  it('splits by columns when C has few rows: a pooled 1 x 30 x 200 GEMM equals one thread', () => {
    const a = randF32(30, 1), b = randF32(6000, 2);
    const [one, two] = both(() => cpuBackend.matmul(a, b, 1, 1, 30, 200));
    expect(Array.from(two)).toEqual(Array.from(one));
  });

  it('gives bitwise the same conv2d (forward and both backwards) as one thread', () => {
    const p = { batch: 3, inChannels: 4, inHeight: 9, inWidth: 8, outChannels: 40, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 2 };
    const x = randF32(3 * 4 * 72, 3), w = randF32(40 * 2 * 9, 4), dy = randF32(3 * 40 * 72, 5);
    const [one, two] = both(() => [cpuBackend.conv2d(x, w, null, p), cpuBackend.conv2dBackwardInput(dy, w, p), cpuBackend.conv2dBackwardWeight(dy, x, p)]);
    for (let i = 0; i < 3; i++) expect(Buffer.from(two[i]!.buffer).equals(Buffer.from(one[i]!.buffer))).toBe(true);
  });

  it('gives the same int8 GEMM as one thread', () => {
    const m = 70, k = 700, n = 50;
    const a = randI8(m * k, 6), b = randI8(k * n, 7);
    const [one, two] = both(() => cpuBackend.int8Matmul(a, b, m, k, n, { transB: true }));
    expect(Array.from(two)).toEqual(Array.from(one));
  });
});
