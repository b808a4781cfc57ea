// int8 GEMM (exact int32 accumulation) against our own f32 GEMM at the same n, both on one thread.
// Run: npx tsx bench/int8.bench.ts (BENCH_QUICK=1 for a smoke run).

import { getNumThreads, int8Matmul, matmul, setNumThreads } from '../kernels/cpu/index.js';
import { benchData, isMain, isQuick, runSuite, type BenchCase, type SuiteResult } from './harness.js';

export async function main(): Promise<SuiteResult> {
  const threads = getNumThreads();
  setNumThreads(1);
  const cases: BenchCase[] = [];
  for (const n of isQuick() ? [256, 512] : [256, 512, 1024]) {
    const a8 = Int8Array.from(benchData(n * n, 3), (v) => Math.round(v * 127));
    const b8 = Int8Array.from(benchData(n * n, 4), (v) => Math.round(v * 127));
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    cases.push({
      name: `int8 matmul n=${n}`, ops: 2 * n * n * n, unit: 'GOP/s',
      fn: () => void int8Matmul(a8, b8, n, n, n),
      peer: { name: `ours matmul f32 n=${n}`, fn: () => void matmul(a, b, 1, n, n, n) },
    });
  }
  try {
    return runSuite('int8', cases);
  } finally {
    setNumThreads(threads);
  }
}

if (isMain(import.meta.url)) await main();
