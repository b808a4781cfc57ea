// The gpu.js backend: the shared kernel suite on every gpu.js mode that starts here (a mode that cannot
// start is skipped with its exact error printed), int8 bit-identical to the CPU int8 GEMM across chunk
// boundaries, and the kernel cache / dispose contract. headlessgl needs `gl` built and an X display:
// `xvfb-run -a npx vitest run test/kernels/gpu` after ci/gpu-setup.sh.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import type { Backend } from '../../../kernels/backend.js';
import { cpuBackend } from '../../../kernels/cpu/index.js';
import { createGpuBackend, GpuUnavailableError, INT8_CHUNK_MAX, int8Plan, type GpuBackend, type GpuMode } from '../../../kernels/gpu/index.js';
import { randF32, randI8, runBackendSuite } from '../backend-suite.js';

/** f32 tolerance for every gpu.js mode: |got - ref| <= 1e-4 * sum|terms| (float32 sums in one order over k). */
const F32_TOL = 1e-4;
/** gpu.js compiles one kernel per shape (a GL shader link is ~50 ms on llvmpipe): few fast-check runs. */
const NUM_RUNS = 20;
/** Modes tried in Node; 'gpu' is gpu.js's auto choice and is checked separately (it repeats one of these). */
const MODES: GpuMode[] = ['headlessgl', 'webasm', 'cpu', 'webgl2', 'webgl', 'webgpu'];

const backends = new Map<GpuMode, Promise<GpuBackend | null>>();
/** One backend per mode for the whole file; null (with the exact reason printed) when it cannot start. */
function backendFor(mode: GpuMode): Promise<GpuBackend | null> {
  let b = backends.get(mode);
  if (!b) {
    b = createGpuBackend({ mode, cpu: cpuBackend }).catch((e: unknown) => {
      console.warn(`gpu backend tests: skipping mode '${mode}': ${(e as Error).message}`);
      return null;
    });
    backends.set(mode, b);
  }
  return b;
}

afterAll(async () => {
  for (const b of backends.values()) await (await b)?.dispose();
});

for (const mode of MODES) {
  runBackendSuite(`gpu.js ${mode}`, () => backendFor(mode), { tol: F32_TOL, numRuns: NUM_RUNS });
}

describe.each(MODES)('gpu.js %s: int8 against the CPU int8 GEMM', (mode) => {
  let be: GpuBackend | null = null;
  beforeAll(async () => {
    be = await backendFor(mode);
  });
  const bit = (title: string, fn: (b: Backend) => void) =>
    it(title, (ctx) => {
      if (!be) return ctx.skip();
      fn(be);
    });

  bit('int8Matmul is bit-identical around every chunk boundary (k = 1023 .. 3073)', (b) => {
    for (const k of [1, INT8_CHUNK_MAX - 1, INT8_CHUNK_MAX, INT8_CHUNK_MAX + 1, 2 * INT8_CHUNK_MAX + 1, 3 * INT8_CHUNK_MAX + 1]) {
      for (const transB of [false, true]) {
        const m = 3, n = 5, a = randI8(m * k, k), bm = randI8(k * n, k + 1);
        expect(b.int8Matmul(a, bm, m, k, n, { transB }), `k=${k} transB=${transB}`).toEqual(cpuBackend.int8Matmul(a, bm, m, k, n, { transB }));
      }
    }
  });

  bit('int8MatmulDequant is bit-identical to the CPU backend', (b) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 2100 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer(), (m, k, n, transB, seed) => {
        const a = randI8(m * k, seed), bm = randI8(k * n, seed + 1);
        const ep = { aScale: randF32(m, seed + 2, 0.001, 0.1), bScale: randF32(1, seed + 3, 0.001, 0.1), aZeroPoint: Int32Array.of(-3), bZeroPoint: Int32Array.of(5), bias: randF32(n, seed + 4), relu: true };
        expect(b.int8MatmulDequant(a, bm, m, k, n, ep, { transB })).toEqual(cpuBackend.int8MatmulDequant(a, bm, m, k, n, ep, { transB }));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('int8Plan', () => {
  it('cuts k into balanced chunks of at most 1024 products whose padding is below the chunk count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 20 }), (k) => {
        const { chunks, chunkK } = int8Plan(k);
        expect(chunkK).toBeLessThanOrEqual(INT8_CHUNK_MAX);
        expect(chunks * chunkK).toBeGreaterThanOrEqual(k);
        expect(chunks * chunkK - k).toBeLessThan(chunks);
        // the largest partial sum stays exact in float32
        expect(chunkK * 128 * 128).toBeLessThanOrEqual(2 ** 24);
      }),
    );
  });
});

describe('gpu backend lifecycle (gpu.js cpu mode: always available)', () => {
  it("mode 'gpu' reports the kernel type gpu.js actually chose", async () => {
    const b = await createGpuBackend({ mode: 'gpu' });
    try {
      expect(['headlessgl', 'webgl2', 'webgl', 'webasm']).toContain(b.kernelType);
      expect(b.name).toBe(`gpu.js:${b.kernelType}`);
    } finally {
      await b.dispose();
    }
  });

  it('compiles once per shape, evicts beyond maxKernels and stays correct after eviction', async () => {
    const b = await createGpuBackend({ mode: 'cpu', maxKernels: 2 });
    const a = randF32(6, 1), bm = randF32(6, 2);
    const want = cpuBackend.matmul(a, bm, 1, 2, 3, 2);
    const close = (got: Float32Array) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    close(b.matmul(a, bm, 1, 2, 3, 2));
    close(b.matmul(a, bm, 1, 2, 3, 2));
    expect(b.stats()).toMatchObject({ compiled: 1, evicted: 0 });
    b.matmul(a, randF32(4, 3), 1, 3, 2, 2);
    b.matmul(randF32(12, 4), randF32(12, 5), 2, 2, 3, 2);
    expect(b.stats()).toMatchObject({ compiled: 3, evicted: 1 });
    close(b.matmul(a, bm, 1, 2, 3, 2)); // its kernel was evicted: compiled again
    expect(b.stats()).toMatchObject({ compiled: 4, evicted: 2 });
    expect(b.stats().compileMs).toBeGreaterThan(0);
    const planes = 1 << 18; // image/channel come from a float division on the device: exact below this
    const p = { batch: planes, inChannels: 1, inHeight: 1, inWidth: 1, outChannels: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 };
    expect(() => b.conv2d(new Float32Array(planes), new Float32Array(1), null, p)).toThrow(/^conv2d: batch\*outChannels must be below 262144 on the gpu backend, got 262144$/);
    await b.dispose();
    expect(() => b.matmul(a, bm, 1, 2, 3, 2)).toThrow(/^gpu\.js:cpu: backend used after dispose\(\)$/);
    expect(() => b.avgPool2dBackward(new Float32Array(1), { batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 })).toThrow(ArgumentError);
    await b.dispose(); // twice is harmless
  });

  it('rejects an unknown mode and explains why webgpu cannot back the synchronous Backend', async () => {
    await expect(createGpuBackend({ mode: 'webasm2' as GpuMode })).rejects.toThrow(/^createGpuBackend: mode must be one of gpu, headlessgl, .*got webasm2$/);
    await expect(createGpuBackend({ mode: 'cpu', maxKernels: 0 })).rejects.toThrow(ArgumentError);
    const err = await createGpuBackend({ mode: 'webgpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect((err as Error).message).toMatch(/^gpu backend: mode 'webgpu' cannot back the synchronous Backend: webgpu: /);
  });
});
