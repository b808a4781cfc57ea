// The gpu.js backend: matmul (2-D and batched), conv2d and int8 matmul run as gpu.js kernels; the other
// Backend methods delegate to the CPU backend. gpu.js is loaded with `await import` only here.
//
// Ownership: the backend owns one gpu.js instance and every kernel it compiles (an LRU of at most
// maxKernels, one per shape/options key; evicted kernels are destroyed). Every result is read back into a
// fresh Float32Array/Int32Array, so no texture or buffer escapes (gpu.js pipeline mode is never used);
// dispose() releases them all.
//
// int8 in every mode: k is cut into chunks of <= 1024 products, each chunk summed in float32 on the device
// (exact: every partial is an integer below 2^24), chunks added in int32 on the CPU (`| 0`, the CPU GEMM's
// wraparound). 'headlessgl' and 'webasm' hold floats as f32, gpu.js 'cpu' as f64 stored to a Float32Array;
// GLSL ES 1.0 has no integer textures, so no mode uses integer types.

import { ArgumentError, ShapeError } from '../../core/errors.js';
import type { Backend, Conv2dParams, Int8Epilogue, MatmulOptions, Pool2dParams } from '../backend.js';
import { checkGemmSizes } from '../cpu/gemm.js';
import { checkConv2d, checkEpilogue, checkLength, dequantEpilogue } from '../common.js';
import { GPU_MODES, GpuUnavailableError, loadGpuJs, probeWebGpu, whyModeUnavailable, type GpuJsInstance, type GpuJsKernelRun, type GpuMode } from './load.js';
import { conv2dSource, int8ChunkSource, int8Plan, matmulSource } from './sources.js';

export { GPU_MODES, GpuUnavailableError, probeWebGpu, whyModeUnavailable, type GpuMode } from './load.js';
export { INT8_CHUNK_MAX, int8Plan } from './sources.js';

export interface GpuBackendOptions {
  /** gpu.js mode; default 'gpu' (gpu.js picks headlessgl, webgl2, webgl, then webasm: see `kernelType`). */
  mode?: GpuMode;
  /** Backend for the methods not done on the GPU; default: kernels/cpu's cpuBackend, imported lazily. */
  cpu?: Backend;
  /** Compiled kernels kept (LRU); older ones are destroyed. Default 32. */
  maxKernels?: number;
}

export interface GpuKernelStats {
  /** Kernels compiled so far (each shape/options key once while cached). */
  compiled: number;
  /** Kernels destroyed to stay within maxKernels. */
  evicted: number;
  /** Total time spent in gpu.js build() (translation, shader/wasm compile, program link). */
  compileMs: number;
}

export interface GpuBackend extends Backend {
  /** The mode asked for. */
  readonly mode: GpuMode;
  /** The kernel type gpu.js chose for it ('headlessgl', 'webasm', 'cpu', ...). */
  readonly kernelType: string;
  stats(): GpuKernelStats;
  /** Destroys every kernel and the GL context; the backend throws on any use afterwards. */
  dispose(): Promise<void>;
}

/** Largest array a GL kernel may index: gpu.js turns indices into float texture coordinates. */
const MAX_GL_ELEMENTS = 1 << 24;
/** conv2d derives image and channel from thread.z by float division, exact below this (see sources.ts). */
const MAX_CONV_PLANES = 1 << 18;

/** Creates the backend, or throws GpuUnavailableError saying why the mode cannot start here. */
export async function createGpuBackend(options: GpuBackendOptions = {}): Promise<GpuBackend> {
  const mode = options.mode ?? 'gpu';
  if (!(GPU_MODES as readonly string[]).includes(mode)) {
    throw new ArgumentError(`createGpuBackend: mode must be one of ${GPU_MODES.join(', ')}, got ${String(mode)}`);
  }
  const maxKernels = options.maxKernels ?? 32;
  if (!Number.isInteger(maxKernels) || maxKernels < 1) throw new ArgumentError(`createGpuBackend: maxKernels must be a positive integer, got ${maxKernels}`);
  const { GPU } = await loadGpuJs();
  if (mode === 'webgpu') throw new GpuUnavailableError(`gpu backend: mode 'webgpu' cannot back the synchronous Backend: ${(await probeWebGpu()).reason}`);
  let gpu: GpuJsInstance;
  try {
    gpu = new GPU({ mode });
  } catch (e) {
    throw new GpuUnavailableError(`gpu backend: gpu.js mode '${mode}' does not start here (${(e as Error).message}): ${(await whyModeUnavailable(mode)) ?? 'unknown reason'}`);
  }
  const cpu = options.cpu ?? (await import('../cpu/index.js')).cpuBackend;
  return new GpuJsBackend(mode, gpu, cpu, maxKernels);
}

type KernelOutput = Float32Array | Float32Array[] | Float32Array[][];

class GpuJsBackend implements GpuBackend {
  readonly name: string;
  readonly kernelType: string;
  private readonly kernels = new Map<string, GpuJsKernelRun>();
  private counts: GpuKernelStats = { compiled: 0, evicted: 0, compileMs: 0 };
  private disposed = false;

  constructor(
    readonly mode: GpuMode,
    private readonly gpu: GpuJsInstance,
    private readonly cpu: Backend,
    private readonly maxKernels: number,
  ) {
    this.kernelType = kernelTypeOf(gpu.Kernel.name);
    this.name = `gpu.js:${this.kernelType}`;
  }

  stats(): GpuKernelStats {
    return { ...this.counts };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.kernels.clear();
    await this.gpu.destroy();
  }

  matmul(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, opts: MatmulOptions = {}): Float32Array {
    this.live();
    const transA = opts.transA ?? false, transB = opts.transB ?? false;
    const strideA = opts.strideA ?? m * k, strideB = opts.strideB ?? k * n;
    checkGemmSizes('matmul', a.length, b.length, batch, m, k, n, strideA, strideB);
    const c = new Float32Array(batch * m * n);
    if (c.length === 0 || k === 0) return c;
    this.checkGlSize('matmul', a.length, b.length, c.length);
    let shape = { batch, m, k, n, transA, transB, strideA, strideB };
    if (this.kernelType === 'webasm' || this.kernelType === 'cpu') {
      // One cell at a time on the CPU: dot products along rows of A and of B^T read memory in order
      // (3x faster at n=1024). GL keeps B as is: neighbouring fragments then read neighbouring texels.
      if (transA) [a, shape] = [transposeBatches(a, batch, k, m, strideA), { ...shape, transA: false, strideA: strideA && m * k }];
      if (!transB) [b, shape] = [transposeBatches(b, batch, k, n, strideB), { ...shape, transB: true, strideB: strideB && k * n }];
    }
    const key = `matmul:${batch}x${m}x${k}x${n}:${+shape.transA}${+shape.transB}:${shape.strideA}:${shape.strideB}`;
    const output = batch > 1 ? [n, m, batch] : [n, m];
    flattenInto(this.run(key, () => matmulSource(shape), output, [a, b]), c);
    return c;
  }

  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams): Float32Array {
    this.live();
    const { hOut, wOut } = checkConv2d('conv2d', p);
    checkLength('conv2d', 'x', x.length, [p.batch, p.inChannels, p.inHeight, p.inWidth]);
    checkLength('conv2d', 'w', w.length, [p.outChannels, p.inChannels / p.groups, p.kernelH, p.kernelW]);
    if (bias && bias.length !== p.outChannels) throw new ShapeError(`conv2d: bias must have outChannels=${p.outChannels} elements, got ${bias.length}`);
    const y = new Float32Array(p.batch * p.outChannels * hOut * wOut);
    if (y.length === 0) return y;
    const planes = p.batch * p.outChannels;
    if (planes >= MAX_CONV_PLANES) throw new ArgumentError(`conv2d: batch*outChannels must be below ${MAX_CONV_PLANES} on the gpu backend, got ${planes}`);
    this.checkGlSize('conv2d', x.length, w.length, y.length);
    const key = `conv2d:${JSON.stringify([p.batch, p.inChannels, p.inHeight, p.inWidth, p.outChannels, p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, p.groups])}`;
    const biasArg = bias ?? new Float32Array(p.outChannels);
    flattenInto(this.run(key, () => conv2dSource(p), [wOut, hOut, planes], [x, w, biasArg]), y);
    return y;
  }

  int8Matmul(a: Int8Array, b: Int8Array, m: number, k: number, n: number, opts: { transB?: boolean } = {}): Int32Array {
    this.live();
    checkGemmSizes('int8Matmul', a.length, b.length, 1, m, k, n, m * k, k * n);
    return this.int8Acc(a, b, m, k, n, opts.transB ?? false);
  }

  int8MatmulDequant(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, opts: { transB?: boolean } = {}): Float32Array {
    this.live();
    checkGemmSizes('int8MatmulDequant', a.length, b.length, 1, m, k, n, m * k, k * n);
    checkEpilogue(ep, m, n);
    const transB = opts.transB ?? false;
    return dequantEpilogue(this.int8Acc(a, b, m, k, n, transB), a, b, m, k, n, ep, transB);
  }

  // Delegated to the CPU backend: training-time backwards and pooling are not done on the GPU.
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams): Float32Array {
    this.live();
    return this.cpu.conv2dBackwardInput(dy, w, p);
  }

  conv2dBackwardWeight(dy: Float32Array, x: Float32Array, p: Conv2dParams): Float32Array {
    this.live();
    return this.cpu.conv2dBackwardWeight(dy, x, p);
  }

  maxPool2d(x: Float32Array, p: Pool2dParams): { out: Float32Array; argmax: Int32Array } {
    this.live();
    return this.cpu.maxPool2d(x, p);
  }

  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, inputSize: number): Float32Array {
    this.live();
    return this.cpu.maxPool2dBackward(dy, argmax, inputSize);
  }

  avgPool2d(x: Float32Array, p: Pool2dParams): Float32Array {
    this.live();
    return this.cpu.avgPool2d(x, p);
  }

  avgPool2dBackward(dy: Float32Array, p: Pool2dParams): Float32Array {
    this.live();
    return this.cpu.avgPool2dBackward(dy, p);
  }

  /** Exact int32 A x B: per-chunk float32 partial sums on the device, summed in int32 here. */
  private int8Acc(a: Int8Array, b: Int8Array, m: number, k: number, n: number, transB: boolean): Int32Array {
    const c = new Int32Array(m * n);
    if (c.length === 0 || k === 0) return c;
    const plan = int8Plan(k);
    const kPad = plan.chunks * plan.chunkK;
    // int8 -> f32 with rows zero-padded to kPad (the padding adds zero products).
    // As in matmul, the CPU-side modes read B as rows of B^T.
    const rowsB = transB || this.kernelType === 'webasm' || this.kernelType === 'cpu';
    const af = padRows(a, m, k, kPad);
    const bf = transB ? padRows(b, n, k, kPad) : rowsB ? padColumns(b, k, n, kPad) : padTail(b, kPad * n);
    this.checkGlSize('int8Matmul', af.length, bf.length, c.length * plan.chunks);
    const key = `int8:${m}x${kPad}x${n}:${+rowsB}:${plan.chunks}`;
    const output = plan.chunks > 1 ? [n, m, plan.chunks] : [n, m];
    const parts = this.run(key, () => int8ChunkSource(m, kPad, n, rowsB, plan), output, [af, bf]);
    const planes = (plan.chunks > 1 ? parts : [parts]) as Float32Array[][];
    for (const plane of planes) {
      for (let i = 0; i < m; i++) {
        const row = plane[i]!;
        for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j]! + row[j]!) | 0;
      }
    }
    return c;
  }

  /** Runs the cached kernel for `key`, compiling it first if needed; refuses a silent CPU fallback. */
  private run(key: string, source: () => string, output: number[], args: Float32Array[]): KernelOutput {
    let kernel = this.kernels.get(key);
    if (kernel) {
      this.kernels.delete(key); // re-insert: Map order is the LRU order
      this.kernels.set(key, kernel);
    } else {
      kernel = this.gpu.createKernel(source(), { output, precision: 'single', tactic: 'precision' });
      this.kernels.set(key, kernel);
      this.evictOverflow();
      const t0 = performance.now();
      (kernel as unknown as { build(...a: unknown[]): void }).build(...args);
      this.counts.compileMs += performance.now() - t0;
      this.counts.compiled++;
      this.checkNoFallback(key, kernel);
    }
    const out = kernel(...args) as KernelOutput;
    this.checkNoFallback(key, kernel);
    return out;
  }

  private checkNoFallback(key: string, kernel: GpuJsKernelRun): void {
    if (this.kernelType !== 'cpu' && kernelTypeOf(kernel.kernel.constructor.name) === 'cpu') {
      this.kernels.delete(key);
      kernel.destroy();
      throw new GpuUnavailableError(`gpu backend: gpu.js fell back to its CPU kernel for ${key.split(':')[0]} in mode '${this.kernelType}'${kernel.kernel.fallbackReason ? `: ${kernel.kernel.fallbackReason}` : ''}`);
    }
  }

  private evictOverflow(): void {
    while (this.kernels.size > this.maxKernels) {
      const [oldKey, old] = this.kernels.entries().next().value as [string, GpuJsKernelRun];
      this.kernels.delete(oldKey);
      old.destroy();
      this.counts.evicted++;
    }
  }

  private checkGlSize(op: string, ...lengths: number[]): void {
    if (this.kernelType === 'cpu' || this.kernelType === 'webasm') return;
    const big = Math.max(...lengths);
    if (big > MAX_GL_ELEMENTS) throw new ArgumentError(`${op}: every operand must hold at most 2^24 elements in GL mode, got ${big}`);
  }

  private live(): void {
    if (this.disposed) throw new ArgumentError(`${this.name}: backend used after dispose()`);
  }
}

/** gpu.js kernel class -> mode name (HeadlessGLKernel.mode says only 'gpu'). */
function kernelTypeOf(className: string): string {
  const types: Record<string, string> = {
    HeadlessGLKernel: 'headlessgl', WebGL2Kernel: 'webgl2', WebGLKernel: 'webgl', WebGPUKernel: 'webgpu', WebAssemblyKernel: 'webasm', CPUKernel: 'cpu',
  };
  return types[className] ?? className;
}

/** Copies a gpu.js result (1-D array, rows, or planes of rows) into one flat row-major array. */
function flattenInto(out: KernelOutput, dst: Float32Array): void {
  if (out instanceof Float32Array) {
    dst.set(out);
    return;
  }
  let at = 0;
  for (const part of out) {
    if (part instanceof Float32Array) {
      dst.set(part, at);
      at += part.length;
    } else {
      for (const row of part) {
        dst.set(row, at);
        at += row.length;
      }
    }
  }
}

/** Transposes each [rows, cols] batch matrix (stride apart; stride 0 = one shared matrix) into a packed array. */
function transposeBatches(src: Float32Array, batch: number, rows: number, cols: number, stride: number): Float32Array {
  const count = stride === 0 ? 1 : batch, size = rows * cols;
  const out = new Float32Array(count * size);
  for (let z = 0; z < count; z++) {
    const from = z * stride, to = z * size;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[to + c * rows + r] = src[from + r * cols + c]!;
  }
  return out;
}

function padRows(src: Int8Array, rows: number, k: number, kPad: number): Float32Array {
  const out = new Float32Array(rows * kPad);
  for (let r = 0; r < rows; r++) for (let p = 0; p < k; p++) out[r * kPad + p] = src[r * k + p]!;
  return out;
}

/** [k, n] int8 -> [n, kPad] float32 (transposed, rows zero-padded). */
function padColumns(src: Int8Array, k: number, n: number, kPad: number): Float32Array {
  const out = new Float32Array(n * kPad);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[j * kPad + p] = src[p * n + j]!;
  return out;
}

function padTail(src: Int8Array, len: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}
