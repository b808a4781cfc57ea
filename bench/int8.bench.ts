// int8 GEMM (exact int32 accumulation) against our own f32 GEMM at the same n, both on one thread and on
// the same cores (wasm SIMD where supported, else JS; the JS pair runs too): int8 must not be the slower.
// Run: npx tsx bench/int8.bench.ts (BENCH_QUICK=1 for a smoke run).

import { getGemmImpl, getNumThreads, int8Matmul, matmul, setGemmImpl, setNumThreads } from '../kernels/cpu/index.js';
import { benchData, isMain, isQuick, runSuite, type BenchCase, type SuiteResult } from './harness.js';

export async function main(): Promise<SuiteResult> {
  const threads = getNumThreads();
  const impl = getGemmImpl();
  setNumThreads(1);
  const cases: BenchCase[] = [];
  const impls = impl === 'wasm' ? (['wasm', 'js'] as const) : (['js'] as const);
  for (const n of isQuick() ? [256, 512] : [256, 512, 1024]) {
    const a8 = Int8Array.from(benchData(n * n, 3), (v) => Math.round(v * 127));
    const b8 = Int8Array.from(benchData(n * n, 4), (v) => Math.round(v * 127));
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    for (const i of impls) {
      cases.push({
        name: `int8 matmul n=${n} ${i}`, ops: 2 * n * n * n, unit: 'GOP/s', before: () => setGemmImpl(i),
        fn: () => void int8Matmul(a8, b8, n, n, n),
        peer: { name: `ours matmul f32 n=${n} ${i}`, fn: () => void matmul(a, b, 1, n, n, n) },
      });
    }
  }
  try {
    return runSuite('int8', cases);
  } finally {
    setNumThreads(threads);
    setGemmImpl(impl);
  }
}

if (isMain(import.meta.url)) await main();
