// Where the time of one gpu.js headlessgl matmul goes: the backend's kernel (the same source, compiled the same way)
// timed whole (upload, shader, readback, gpu.js's conversion to arrays), then in parts, each made synchronous with
// gl.finish():
//   upload + shader  the kernel in pipeline mode (the result stays a texture) on the two Float32Arrays
//   upload of one    a copy kernel (one fetch per cell) in pipeline mode on one Float32Array
//   shader           the kernel on operands already on the device (textures from the copy kernel)
//   readback         the result texture's toArray() (readPixels + gpu.js's conversion), and its raw readPixels
// plus the whole kernel with gpu.js's optimizeFloatMemory (four floats a texel instead of one), a setting the backend
// does not use. Each result is checked against our CPU matmul. On a real GPU the README's question was how the
// ~116 ms of an n=1024 product on an H100 split; on Mesa (CI machines) it answers the same question for llvmpipe.
// Run: xvfb-run -a npx tsx bench/gpu-split.bench.ts (GPU_SPLIT_N=512,1024 picks the sizes; default 256,512,1024).
// Writes bench/results/gpu-split.json (GPU_SPLIT_OUT names another file).

import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { cpuBackend } from '../kernels/cpu/index.js';
import { matmulSource } from '../kernels/gpu/sources.js';
import { glRenderer, timeCalls, worstError } from './gpu.bench.js';
import { benchData, isMain, resultsDir } from './harness.js';

interface GL {
  finish(): void;
}
interface Texture {
  toArray(): Float32Array[] | Float32Array;
  renderRawOutput?(): Float32Array;
  delete(): void;
}
type Kernel = ((...args: unknown[]) => unknown) & { kernel: { context: GL; constructor: { name: string } }; destroy(): void };
interface GpuJs {
  createKernel(src: string, settings: object): Kernel;
  destroy(): void;
}

/** Median ms per call of `fn` (gpu.bench.ts's timer: two warm-ups, then at least 5 calls and 1 s of calls). */
const median = (fn: () => void) => timeCalls(fn, 1);

function flat(out: unknown, n: number): Float32Array {
  if (out instanceof Float32Array) return out;
  const dst = new Float32Array(n * n);
  (out as Float32Array[]).forEach((row, i) => dst.set(row, i * n));
  return dst;
}

export interface SplitRecord {
  n: number;
  /** Median ms per call of each part; `calls` timed calls each. */
  wholeMs: number;
  uploadAndShaderMs: number;
  uploadOneMs: number;
  shaderMs: number;
  readbackMs: number;
  readPixelsMs: number | null;
  wholeOptimizeFloatMemoryMs: number;
  cpuMs: number;
  gflops: { whole: number; shader: number; wholeOptimizeFloatMemory: number; cpu: number };
  worstRelativeError: { whole: number; resident: number; optimizeFloatMemory: number };
}

export async function split(n: number): Promise<SplitRecord> {
  const req = createRequire(import.meta.url);
  const { GPU } = req('gpu.js') as { GPU: new (s: { mode: string }) => GpuJs };
  const gpu = new GPU({ mode: 'headlessgl' });
  const a = benchData(n * n, 1), b = benchData(n * n, 2), ops = 2 * n * n * n;
  const src = matmulSource({ batch: 1, m: n, k: n, n, transA: false, transB: false, strideA: n * n, strideB: n * n });
  const base = { output: [n, n], precision: 'single', tactic: 'precision' };
  const kernels: Kernel[] = [];
  const make = (source: string, settings: object) => {
    const k = gpu.createKernel(source, settings);
    kernels.push(k);
    return k;
  };
  try {
    const whole = make(src, base);
    const piped = make(src, { ...base, pipeline: true });
    const resident = make(src, { ...base, pipeline: true });
    // two copy kernels: a pipeline kernel writes each call's result into the same texture, so one kernel cannot
    // hold both operands
    const copy = make('function copy(a) { return a[this.thread.x]; }', { output: [n * n], precision: 'single', tactic: 'precision', pipeline: true });
    const copyB = make('function copy(a) { return a[this.thread.x]; }', { output: [n * n], precision: 'single', tactic: 'precision', pipeline: true });
    const packed = make(src, { ...base, optimizeFloatMemory: true });
    const ref = cpuBackend.matmul(a, b, 1, n, n, n);
    const mag = cpuBackend.matmul(a.map(Math.abs), b.map(Math.abs), 1, n, n, n);

    const wholeOut = flat(whole(a, b), n);
    const gl = whole.kernel.context;
    if (whole.kernel.constructor.name !== 'HeadlessGLKernel') throw new Error(`gpu.js ran ${whole.kernel.constructor.name}, not HeadlessGLKernel`);
    const ta = copy(a) as Texture, tb = copyB(b) as Texture;
    const residentOut = flat((resident(ta, tb) as Texture).toArray(), n);
    const packedOut = flat(packed(a, b), n);
    const worst = { whole: worstError(wholeOut, ref, mag), resident: worstError(residentOut, ref, mag), optimizeFloatMemory: worstError(packedOut, ref, mag) };
    for (const [name, w] of Object.entries(worst)) if (!(w <= 1e-4)) throw new Error(`gpu split n=${n}: ${name} differs from the CPU matmul (worst relative error ${w})`);

    const wholeT = await median(() => void whole(a, b));
    const upShaderT = await median(() => {
      piped(a, b);
      gl.finish();
    });
    const uploadT = await median(() => {
      copy(a);
      gl.finish();
    });
    const shaderT = await median(() => {
      resident(ta, tb);
      gl.finish();
    });
    const result = resident(ta, tb) as Texture;
    gl.finish();
    const readT = await median(() => void result.toArray());
    const rawT = typeof result.renderRawOutput === 'function' ? await median(() => void result.renderRawOutput!()) : null;
    const packedT = await median(() => void packed(a, b));
    const cpuT = await median(() => void cpuBackend.matmul(a, b, 1, n, n, n));
    const rec: SplitRecord = {
      n,
      wholeMs: wholeT.ms,
      uploadAndShaderMs: upShaderT.ms,
      uploadOneMs: uploadT.ms,
      shaderMs: shaderT.ms,
      readbackMs: readT.ms,
      readPixelsMs: rawT?.ms ?? null,
      wholeOptimizeFloatMemoryMs: packedT.ms,
      cpuMs: cpuT.ms,
      gflops: { whole: ops / wholeT.ms / 1e6, shader: ops / shaderT.ms / 1e6, wholeOptimizeFloatMemory: ops / packedT.ms / 1e6, cpu: ops / cpuT.ms / 1e6 },
      worstRelativeError: worst,
    };
    const f = (x: number | null) => (x === null ? '-' : x.toFixed(2));
    console.log(
      `n=${n}: whole ${f(rec.wholeMs)} ms (${rec.gflops.whole.toFixed(1)} GFLOP/s) | upload+shader ${f(rec.uploadAndShaderMs)} | upload of one operand ${f(rec.uploadOneMs)} | ` +
        `shader ${f(rec.shaderMs)} (${rec.gflops.shader.toFixed(1)} GFLOP/s) | readback toArray ${f(rec.readbackMs)}, raw readPixels ${f(rec.readPixelsMs)} | ` +
        `whole with optimizeFloatMemory ${f(rec.wholeOptimizeFloatMemoryMs)} | our CPU ${f(rec.cpuMs)} ms (${rec.gflops.cpu.toFixed(1)} GFLOP/s)`,
    );
    return rec;
  } finally {
    for (const k of kernels) k.destroy();
    gpu.destroy();
  }
}

if (isMain(import.meta.url)) {
  const sizes = (process.env.GPU_SPLIT_N ?? '256,512,1024').split(',').map(Number);
  const records: SplitRecord[] = [];
  for (const n of sizes) records.push(await split(n));
  const out = {
    suite: 'gpu-split',
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model.trim(), cores: cpus().length, node: process.version },
    renderer: glRenderer() ?? 'no GL context',
    records,
  };
  console.log(`renderer: ${out.renderer}`);
  const file = process.env.GPU_SPLIT_OUT ?? new URL('gpu-split.json', resultsDir()).pathname;
  writeFileAtomic(file, JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${file}`);
  process.exit(0);
}
