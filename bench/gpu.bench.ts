// gpu.js backend, every mode that starts here, against our CPU kernels (cpuBackend, default threads) on the
// same work in the same run: matmul n = 128..1024 and conv2d 3->64 3x3 32x32 pad 1 batch 32. Kernel
// compile time (gpu.js build(): translation + shader/wasm compile) is measured apart, on a fresh backend.
// Run: npx tsx bench/gpu.bench.ts; headlessgl needs `xvfb-run -a` and ci/gpu-setup.sh. GPU_BENCH_MODES=
// headlessgl,webasm picks modes; BENCH_QUICK=1 is a smoke run (n <= 512, batch 8).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Backend, Conv2dParams } from '../kernels/backend.js';
import { cpuBackend } from '../kernels/cpu/index.js';
import { createGpuBackend, type GpuBackend, type GpuMode } from '../kernels/gpu/index.js';
import { benchData, isMain, isQuick, runSuite, type BenchCase, type SuiteResult } from './harness.js';

interface Work {
  name: string;
  ops: number;
  run: (b: Backend) => void;
}

interface CompileRecord {
  mode: string;
  case: string;
  /** gpu.js build() time for this case's kernel. */
  compileMs: number;
  /** The first call as a user sees it: compile + upload + run + readback. */
  firstCallMs: number;
}

function workload(): Work[] {
  const works: Work[] = [];
  for (const n of isQuick() ? [128, 256, 512] : [128, 256, 512, 1024]) {
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    works.push({ name: `matmul f32 n=${n}`, ops: 2 * n * n * n, run: (be) => void be.matmul(a, b, 1, n, n, n) });
  }
  const batch = isQuick() ? 8 : 32;
  const p: Conv2dParams = { batch, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 64, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 };
  const x = benchData(batch * 3 * 32 * 32, 1), w = benchData(64 * 3 * 9, 2), bias = benchData(64, 3);
  works.push({ name: `conv2d 3->64 3x3 32x32 b=${batch}`, ops: 2 * batch * 64 * 32 * 32 * 3 * 9, run: (be) => void be.conv2d(x, w, bias, p) });
  return works;
}

async function startModes(): Promise<{ started: GpuBackend[]; skipped: Record<string, string> }> {
  const wanted = (process.env.GPU_BENCH_MODES ?? 'headlessgl,webasm,cpu,webgpu').split(',') as GpuMode[];
  const started: GpuBackend[] = [];
  const skipped: Record<string, string> = {};
  for (const mode of wanted) {
    try {
      started.push(await createGpuBackend({ mode, cpu: cpuBackend }));
    } catch (e) {
      skipped[mode] = (e as Error).message;
      console.warn(`gpu bench: skipping mode '${mode}': ${skipped[mode]}`);
    }
  }
  return { started, skipped };
}

export async function main(): Promise<SuiteResult> {
  const works = workload();
  const { started: backends, skipped } = await startModes();
  const compiles: CompileRecord[] = [];
  const cases: BenchCase[] = [];
  try {
    for (const be of backends) {
      for (const wk of works) {
        // First call compiles this shape's kernel; the benchmark below then measures the cached kernel.
        const before = be.stats().compileMs, t0 = performance.now();
        wk.run(be);
        compiles.push({ mode: be.kernelType, case: wk.name, compileMs: be.stats().compileMs - before, firstCallMs: performance.now() - t0 });
        cases.push({
          name: `${be.name} ${wk.name}`,
          ops: wk.ops,
          peer: { name: `cpu ${wk.name}`, fn: () => wk.run(cpuBackend) },
          fn: () => wk.run(be),
        });
      }
    }
    console.log('\n# gpu kernel compile (first call of each shape)');
    for (const c of compiles) console.log(`${c.mode.padEnd(11)} ${c.case.padEnd(32)} compile ${c.compileMs.toFixed(1).padStart(7)} ms   first call ${c.firstCallMs.toFixed(1).padStart(8)} ms`);
    const result = runSuite('gpu', cases);
    // runSuite wrote bench/results/gpu.json; add the compile table and the modes that did not start.
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const file = new URL('gpu.json', dir);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as SuiteResult;
    writeFileSync(file, `${JSON.stringify({ ...stored, modes: backends.map((b) => b.kernelType), skipped, compile: compiles }, null, 2)}\n`);
    return result;
  } finally {
    for (const be of backends) await be.dispose();
  }
}

if (isMain(import.meta.url)) await main();
