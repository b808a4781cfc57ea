// Loads the SIMD GEMM module (emitted at runtime by gemm-module.ts, never a checked-in binary) and owns its
// memory: pack areas for each thread first, then the operands of the current call. The memory is shared
// when SharedArrayBuffer exists, so pool workers instantiate the same module over the same memory and
// read A and B where the calling thread put them. Also the switch between the wasm and the JS cores.

import { buildGemmModule } from './gemm-module.js';
import { WASM_PACK_BYTES, type WasmAddrs, type WasmKernels } from './wasm-run.js';

/** The parts of the WebAssembly API used here (the project's lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}

export type GemmImpl = 'wasm' | 'js';

const PAGE = 65536;
/** 2 GiB: every byte address stays a non-negative i32. */
const MAX_PAGES = 32768;

interface WasmState {
  module: object;
  memory: WasmMemory;
  kernels: WasmKernels;
  shared: boolean;
}

let state: WasmState | null | undefined;

function load(): WasmState | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined';
  try {
    const bytes = buildGemmModule({ shared, initialPages: 1, maximumPages: MAX_PAGES });
    if (!api.validate(bytes)) return null;
    const module = new api.Module(bytes);
    const memory = new api.Memory({ initial: Math.ceil((2 * WASM_PACK_BYTES) / PAGE), maximum: MAX_PAGES, shared });
    const kernels = new api.Instance(module, { env: { memory } }).exports as WasmKernels;
    return { module, memory, kernels, shared };
  } catch {
    return null;
  }
}

function wasmState(): WasmState | null {
  if (state === undefined) state = load();
  return state;
}

/** True when this runtime validates and runs the SIMD module. */
export function wasmGemmSupported(): boolean {
  return wasmState() !== null;
}

const envImpl = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WHITTLE_GEMM;
let wanted: GemmImpl = envImpl === 'js' ? 'js' : 'wasm';

/** Chooses the GEMM cores (f32 and int8): 'wasm' where supported (the default), else 'js'. Returns the old choice. */
export function setGemmImpl(impl: GemmImpl): GemmImpl {
  const old = getGemmImpl();
  wanted = impl;
  return old;
}

/** The cores in use now: 'wasm' only when asked for and supported. */
export function getGemmImpl(): GemmImpl {
  return wanted === 'wasm' && wasmGemmSupported() ? 'wasm' : 'js';
}

/** What a worker needs to run the wasm cores: the compiled module and the shared memory; null without them. */
export function wasmForWorkers(): { module: object; memory: WasmMemory } | null {
  const s = wasmState();
  return s && s.shared ? { module: s.module, memory: s.memory } : null;
}

/** Where one call's operands live in the wasm memory, and the memory's buffer after any growth. */
export interface WasmStage {
  kernels: WasmKernels;
  buffer: ArrayBuffer | SharedArrayBuffer;
  a: number;
  b: number;
  c: number;
  /** A fourth region for the caller (conv2d keeps its input or dx there). */
  extra: number;
  /** Addresses for thread t (0 = the calling thread). */
  addrs(t: number): WasmAddrs;
}

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * Lays out `threads` pack areas and the A, B, C and extra regions (in bytes), growing the memory if needed.
 * Null when wasm is off or the operands would not fit in 2 GiB: the caller uses the JS cores.
 */
export function wasmStage(threads: number, aBytes: number, bBytes: number, cBytes: number, extraBytes = 0): WasmStage | null {
  const s = getGemmImpl() === 'wasm' ? wasmState() : null;
  if (!s) return null;
  const a = threads * WASM_PACK_BYTES;
  const b = align64(a + aBytes + 16);
  const c = align64(b + bBytes + 16);
  const extra = align64(c + cBytes + 16);
  const end = extra + extraBytes + 64;
  const have = s.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) return null;
    try {
      s.memory.grow(pages);
    } catch {
      return null;
    }
  }
  return { kernels: s.kernels, buffer: s.memory.buffer, a, b, c, extra, addrs: (t) => ({ a, b, c, pack: t * WASM_PACK_BYTES }) };
}
