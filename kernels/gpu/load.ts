// Loads gpu.js lazily (an optional peer: nothing imports it statically) and probes which of its modes
// can start here. The structural types below are the few gpu.js members we touch, so that whittle's
// own .d.ts never names gpu.js and type-checks on machines that do not have it installed.

import { WhittleError } from '../../core/errors.js';

/** gpu.js modes in 2.24.1 (src/gpu.js): 'gpu' = first supported of headlessgl, webgl2, webgl, webasm. */
export const GPU_MODES = ['gpu', 'headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

/** A mode was asked for that cannot start here; the message says why and how to fix it. */
export class GpuUnavailableError extends WhittleError {}

/** The callable gpu.js returns from createKernel (a "run shortcut"); `kernel` is the live instance. */
export interface GpuJsKernelRun {
  (...args: unknown[]): unknown;
  kernel: { constructor: { name: string }; fallbackReason?: string };
  destroy(removeCanvasReferences?: boolean): void;
}

export interface GpuJsInstance {
  readonly mode: string;
  readonly Kernel: { name: string };
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernelRun;
  destroy(): Promise<void>;
}

export interface GpuJsModule {
  GPU: {
    new (settings: { mode: string }): GpuJsInstance;
    readonly isHeadlessGLSupported: boolean;
    readonly isWebGLSupported: boolean;
    readonly isWebGL2Supported: boolean;
    readonly isWebGPUSupported: boolean;
    readonly isWebAssemblySupported: boolean;
    isWebGPUAvailable(): Promise<boolean>;
  };
}

const INSTALL_HINT = 'install it with `npm install gpu.js` (an optional peer dependency of whittle)';

let loaded: Promise<GpuJsModule> | null = null;

/** `await import('gpu.js')` once; a missing package becomes a GpuUnavailableError saying how to install it. */
export function loadGpuJs(): Promise<GpuJsModule> {
  loaded ??= (async () => {
    // A variable specifier keeps tsc from resolving gpu.js, which may be absent (optional peer).
    const specifier = 'gpu.js';
    let mod: { GPU?: unknown; default?: { GPU?: unknown } };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (e) {
      loaded = null;
      throw new GpuUnavailableError(`gpu backend: gpu.js could not be loaded (${(e as Error).message}); ${INSTALL_HINT}`);
    }
    const GPU = mod.GPU ?? mod.default?.GPU;
    if (typeof GPU !== 'function') throw new GpuUnavailableError(`gpu backend: the gpu.js module has no GPU class; ${INSTALL_HINT}`);
    return { GPU } as GpuJsModule;
  })();
  return loaded;
}

/** Why a mode cannot start here, or null when it can. Never throws. */
export async function whyModeUnavailable(mode: GpuMode): Promise<string | null> {
  let gpujs: GpuJsModule;
  try {
    gpujs = await loadGpuJs();
  } catch (e) {
    return (e as Error).message;
  }
  const { GPU } = gpujs;
  switch (mode) {
    case 'cpu':
      return null;
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'WebAssembly is not available in this runtime';
    case 'gpu':
      return GPU.isHeadlessGLSupported || GPU.isWebGL2Supported || GPU.isWebGLSupported || GPU.isWebAssemblySupported ? null : 'no gpu.js GPU kernel type is supported here';
    case 'headlessgl':
      return GPU.isHeadlessGLSupported ? null : headlessGlReason();
    case 'webgl':
    case 'webgl2':
      return (mode === 'webgl' ? GPU.isWebGLSupported : GPU.isWebGL2Supported)
        ? null
        : `${mode} needs a browser canvas (document, WebGLRenderingContext); in Node use mode 'headlessgl'`;
    case 'webgpu':
      return (await probeWebGpu()).reason;
  }
}

function headlessGlReason(): string {
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    return "headlessgl: no GL context; on Linux the `gl` package renders through X: run under `xvfb-run -a` (DISPLAY is unset), after ci/gpu-setup.sh has built `gl`";
  }
  return 'headlessgl: the optional native package `gl` is missing or failed to create a context; run ci/gpu-setup.sh (builds `gl` with node-gyp after the X/Mesa dev packages)';
}

/**
 * WebGPU in Node needs the `webgpu` package (dawn.node, a gpu.js dependency) and an adapter. Even with
 * one, gpu.js's webgpu kernels return Promises, which the synchronous Backend interface cannot use.
 */
export async function probeWebGpu(): Promise<{ reason: string | null; adapter: string | null }> {
  const specifier = 'webgpu';
  let create: (flags: string[]) => { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null> };
  try {
    ({ create } = (await import(specifier)) as { create: typeof create });
  } catch (e) {
    return { reason: `webgpu: the \`webgpu\` package (dawn.node) does not load here: ${firstLine((e as Error).message)}`, adapter: null };
  }
  let adapter: Awaited<ReturnType<ReturnType<typeof create>['requestAdapter']>>;
  try {
    adapter = await create([]).requestAdapter();
  } catch (e) {
    return { reason: `webgpu: requestAdapter() failed: ${firstLine((e as Error).message)}`, adapter: null };
  }
  if (!adapter) return { reason: 'webgpu: dawn.node loads but requestAdapter() answered null (no Vulkan/GL adapter here)', adapter: null };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return {
    reason: `webgpu: an adapter answered (${name}), but gpu.js webgpu kernels are async (every run returns a Promise) and Backend is synchronous`,
    adapter: name,
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
