// gpu.js backend, every mode that starts here, against our CPU kernels (cpuBackend, default threads) on the
// same work in the same run: matmul n = 128..1024 and conv2d 3->64 3x3 32x32 pad 1 batch 32. Kernel
// compile time (gpu.js build(): translation + shader/wasm compile) is measured apart, on a fresh backend.
// Run: npx tsx bench/gpu.bench.ts; headlessgl needs `xvfb-run -a` and ci/gpu-setup.sh. GPU_BENCH_MODES=
// headlessgl,webasm picks modes; BENCH_QUICK=1 is a smoke run (n <= 512, batch 8); GPU_BENCH_MAX_N sets the largest matmul.
//
// gpu.js's webgpu kernels return Promises, so they cannot back the synchronous Backend; where an adapter
// answers, the same matmul kernel source is timed here directly (await per call: upload, run and readback),
// against our CPU matmul timed the same way in the same run, and checked against it. The CPU kernel is also
// timed on one thread, so the ratios can be read against a small machine's CPU as well as this one's.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Backend, Conv2dParams } from '../kernels/backend.js';
import { cpuBackend, getNumThreads, setNumThreads } from '../kernels/cpu/index.js';
import { createGpuBackend, probeWebGpu, type GpuBackend, type GpuMode } from '../kernels/gpu/index.js';
import { matmulSource } from '../kernels/gpu/sources.js';
import { benchData, isMain, isQuick, resultsDir, runSuite, writeResult, type BenchCase, type SuiteResult } from './harness.js';

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
  // GPU_BENCH_MAX_N=2048 adds a larger matmul (for a real GPU; on Mesa's software GL it takes minutes).
  const maxN = Number(process.env.GPU_BENCH_MAX_N ?? (isQuick() ? 512 : 1024));
  for (const n of [128, 256, 512, 1024, 2048].filter((x) => x <= maxN)) {
    const a = benchData(n * n, 1), b = benchData(n * n, 2);
    works.push({ name: `matmul f32 n=${n}`, ops: 2 * n * n * n, run: (be) => void be.matmul(a, b, 1, n, n, n) });
  }
  const batch = isQuick() ? 8 : 32;
  const p: Conv2dParams = { batch, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 64, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 };
  const x = benchData(batch * 3 * 32 * 32, 1), w = benchData(64 * 3 * 9, 2), bias = benchData(64, 3);
  works.push({ name: `conv2d 3->64 3x3 32x32 b=${batch}`, ops: 2 * batch * 64 * 32 * 32 * 3 * 9, run: (be) => void be.conv2d(x, w, bias, p) });
  return works;
}

async function startModes(wanted: GpuMode[]): Promise<{ started: GpuBackend[]; skipped: Record<string, string> }> {
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

interface DirectRecord {
  name: string;
  /** Median milliseconds per call over the timed calls (after two warm-up calls). */
  ms: number;
  calls: number;
  gflops: number;
}

/** Median ms per call of an async or sync function: two warm-ups, then calls for at least `seconds`. */
export async function timeCalls(fn: () => unknown, seconds: number): Promise<{ ms: number; calls: number }> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (times.length < 5 || (performance.now() < end && times.length < 1000)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return { ms: times[times.length >> 1]!, calls: times.length };
}

/**
 * What the GL context gpu.js's headlessgl mode runs on. headless-gl reports only 'stack-gl / ANGLE' and has no
 * WEBGL_debug_renderer_info, so the GL driver is read from the libraries the context loaded into this process.
 */
export function glRenderer(): string | null {
  try {
    const gl = createRequire(import.meta.url)('gl')(1, 1) as { getParameter(p: number): string; VERSION: number } | null;
    if (!gl) return null;
    const maps = existsSync('/proc/self/maps') ? readFileSync('/proc/self/maps', 'utf8') : '';
    const drivers = [...new Set(maps.match(/[^/\s]*(GLX_nvidia|nvidia-glcore|GLX_mesa|swrast_dri|libgallium|libLLVM)[^/\s]*/g) ?? [])];
    return `${gl.getParameter(gl.VERSION)}; GL driver libraries loaded: ${drivers.join(', ') || 'none recognised'}`;
  } catch {
    return null;
  }
}

/** Worst |got - ref| / sum_p |a_ip b_pj| over the cells of a product (`mag`: the product of the absolute values). */
export function worstError(got: Float32Array, ref: Float32Array, mag: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!) / (mag[i]! || 1));
  return worst;
}

interface DawnGpu {
  requestAdapter(o?: object): Promise<{ requestDevice(d?: object): Promise<object> } | null>;
}

/**
 * gpu.js 2.24.1 assigns `device.onuncapturederror = fn`, which dawn.node (webgpu 0.2.9) refuses with "object is
 * not of the correct interface type" (seen on an H100 with NVIDIA's Vulkan driver; its addEventListener refuses a
 * function too). Each device gets a plain own property there instead, so uncaptured errors go unreported; a wrong
 * result is still caught by the check against the CPU matmul.
 */
function withDawnErrorHandlerShim(gpu: DawnGpu): DawnGpu {
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (o) => {
    const adapter = await requestAdapter(o);
    if (!adapter) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = async (d) => {
      const device = await requestDevice(d);
      Object.defineProperty(device, 'onuncapturederror', { value: null, writable: true, configurable: true });
      return device;
    };
    return adapter;
  };
  return gpu;
}

/**
 * gpu.js webgpu matmul (the backend's kernel source), awaited per call, vs our CPU matmul on all threads
 * and on one, same sizes, same run. Returns the records, or the reason webgpu cannot run here.
 */
async function webgpuDirect(sizes: number[]): Promise<{ adapter: string; records: DirectRecord[] } | { skipped: string }> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    try {
      const specifier = 'webgpu';
      const { create, globals } = (await import(specifier)) as { create(flags: string[]): unknown; globals: object };
      Object.assign(globalThis, globals);
      const gpu = withDawnErrorHandlerShim(create([]) as DawnGpu);
      if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu });
      else g.navigator = { gpu };
    } catch (e) {
      return { skipped: `webgpu: the \`webgpu\` package (dawn.node) does not load here: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  const probe = await probeWebGpu();
  if (!probe.adapter) return { skipped: probe.reason ?? 'webgpu: no adapter' };
  const gpuJs = (await import('gpu.js' as string)) as { WebGPUContext?: { destroy(): Promise<void> }; GPU: new (s: { mode: string }) => { createKernel(src: string, s: object): (...a: unknown[]) => Promise<Float32Array | Float32Array[]>; destroy(): Promise<void> } };
  const gpu = new gpuJs.GPU({ mode: 'webgpu' });
  const records: DirectRecord[] = [];
  const threads = getNumThreads();
  try {
    for (const n of sizes) {
      const a = benchData(n * n, 1), b = benchData(n * n, 2), ops = 2 * n * n * n;
      const shape = { batch: 1, m: n, k: n, n, transA: false, transB: false, strideA: n * n, strideB: n * n };
      const kernel = gpu.createKernel(matmulSource(shape), { output: [n, n], precision: 'single' });
      const t0 = performance.now();
      const out = await kernel(a, b);
      const got = out instanceof Float32Array ? out : Float32Array.from(out.flatMap((row) => Array.from(row)));
      const firstMs = performance.now() - t0;
      // The result must be the product: |gpu - cpu| within 1e-4 of sum_p |a_ip * b_pj| per cell.
      const ref = cpuBackend.matmul(a, b, 1, n, n, n);
      const mag = cpuBackend.matmul(a.map(Math.abs), b.map(Math.abs), 1, n, n, n);
      const worst = worstError(got, ref, mag);
      if (!(worst <= 1e-4)) throw new Error(`webgpu matmul n=${n} differs from the CPU matmul: worst relative error ${worst}`);
      const gpuT = await timeCalls(() => kernel(a, b), 2);
      const cpuT = await timeCalls(() => cpuBackend.matmul(a, b, 1, n, n, n), 2);
      setNumThreads(1);
      const cpu1T = await timeCalls(() => cpuBackend.matmul(a, b, 1, n, n, n), 2);
      setNumThreads(threads);
      for (const [name, t] of [[`gpu.js:webgpu (async) matmul f32 n=${n}`, gpuT], [`cpu matmul f32 n=${n} (${threads} threads)`, cpuT], [`cpu matmul f32 n=${n} (1 thread)`, cpu1T]] as const) {
        records.push({ name, ms: t.ms, calls: t.calls, gflops: ops / t.ms / 1e6 });
      }
      const show = (t: { ms: number }) => `${t.ms.toFixed(3)} ms ${(ops / t.ms / 1e6).toFixed(1)} GFLOP/s`;
      console.log(`webgpu n=${n}: first call ${firstMs.toFixed(1)} ms; webgpu ${show(gpuT)}; cpu (${threads} threads) ${show(cpuT)}; cpu (1 thread) ${show(cpu1T)}; ` +
        `webgpu/cpu ${(cpuT.ms / gpuT.ms).toFixed(2)}x, webgpu/cpu 1 thread ${(cpu1T.ms / gpuT.ms).toFixed(2)}x; worst rel. error ${worst.toExponential(1)}`);
    }
  } finally {
    setNumThreads(threads);
    await gpu.destroy();
    await gpuJs.WebGPUContext?.destroy(); // the shared GPUDevice, which gpu.destroy() leaves alive
  }
  return { adapter: probe.adapter, records };
}

export async function main(): Promise<SuiteResult> {
  const works = workload();
  const wanted = (process.env.GPU_BENCH_MODES ?? 'headlessgl,webasm,cpu,webgpu').split(',') as GpuMode[];
  const webgpu = wanted.includes('webgpu') ? await webgpuDirect(isQuick() ? [256, 512] : [256, 512, 1024, 2048]) : { skipped: 'not asked for (GPU_BENCH_MODES)' };
  if ('skipped' in webgpu) console.warn(`gpu bench: no direct webgpu timing: ${webgpu.skipped}`);
  const renderer = wanted.includes('headlessgl') ? glRenderer() : null;
  if (renderer) console.log(`headlessgl renders on: ${renderer}`);
  const { started: backends, skipped } = await startModes(wanted);
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
    const stored = JSON.parse(readFileSync(new URL('gpu.json', resultsDir()), 'utf8')) as SuiteResult;
    writeResult('gpu', { ...stored, modes: backends.map((b) => b.kernelType), skipped, renderer, webgpuDirect: webgpu, compile: compiles });
    return result;
  } finally {
    for (const be of backends) await be.dispose();
  }
}

if (isMain(import.meta.url)) {
  await main();
  // dawn.node kept the process alive after the last device was destroyed (seen on the H200): end it here.
  process.exit(0);
}
