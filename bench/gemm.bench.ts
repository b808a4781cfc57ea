// f32 GEMM: ours (wasm SIMD cores) on one thread and on the worker pool, our JS cores on one thread (the
// fallback), each against tfjs-backend-cpu's matMul, n = 128..1024.
// Run: npx tsx bench/gemm.bench.ts (BENCH_QUICK=1 for a smoke run).

import { getGemmImpl, getNumThreads, matmul, setGemmImpl, setNumThreads, type GemmImpl } from '../kernels/cpu/index.js';
import { benchData, isMain, isQuick, loadTfjsCpu, runSuite, type BenchCase, type SuiteResult } from './harness.js';

export async function main(): Promise<SuiteResult> {
  const tf = await loadTfjsCpu();
  const threads = getNumThreads();
  const impl = getGemmImpl();
  const use = (t: number, i: GemmImpl = impl) => () => { setNumThreads(t); setGemmImpl(i); };
  const sizes = isQuick() ? [128, 256, 512] : [128, 256, 512, 1024];
  const cases: BenchCase[] = [];
  for (const n of sizes) {
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
    const peer = { name: `tfjs matMul n=${n}`, fn: () => tf.tidy(() => void tf.matMul(ta, tb).dataSync()) };
    const ops = 2 * n * n * n;
    const fn = () => { matmul(a, b, 1, n, n, n); };
    cases.push({ name: `matmul f32 n=${n} ${impl}`, ops, peer, before: use(1), fn });
    if (threads > 1) cases.push({ name: `matmul f32 n=${n} ${impl} pooled x${threads}`, ops, peer, before: use(threads), fn });
    if (impl === 'wasm') cases.push({ name: `matmul f32 n=${n} js`, ops, peer, before: use(1, 'js'), fn });
  }
  try {
    return runSuite('gemm', cases);
  } finally {
    use(threads)();
  }
}

if (isMain(import.meta.url)) await main();
