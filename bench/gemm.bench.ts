// f32 GEMM: ours on one thread, ours on the worker pool, and tfjs-backend-cpu's matMul, n = 128..1024.
// Run: npx tsx bench/gemm.bench.ts (BENCH_QUICK=1 for a smoke run).

import { getNumThreads, matmul, setNumThreads } from '../kernels/cpu/index.js';
import { benchData, isMain, isQuick, loadTfjsCpu, runSuite, type BenchCase, type SuiteResult } from './harness.js';

export async function main(): Promise<SuiteResult> {
  const tf = await loadTfjsCpu();
  const threads = getNumThreads();
  const sizes = isQuick() ? [128, 256, 512] : [128, 256, 512, 1024];
  const cases: BenchCase[] = [];
  for (const n of sizes) {
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
    const peer = { name: `tfjs matMul n=${n}`, fn: () => tf.tidy(() => void tf.matMul(ta, tb).dataSync()) };
    const ops = 2 * n * n * n;
    cases.push({ name: `matmul f32 n=${n}`, ops, peer, before: () => setNumThreads(1), fn: () => { matmul(a, b, 1, n, n, n); } });
    if (threads > 1) cases.push({ name: `matmul f32 n=${n} pooled x${threads}`, ops, peer, before: () => setNumThreads(threads), fn: () => { matmul(a, b, 1, n, n, n); } });
  }
  try {
    return runSuite('gemm', cases);
  } finally {
    setNumThreads(threads);
  }
}

if (isMain(import.meta.url)) await main();
