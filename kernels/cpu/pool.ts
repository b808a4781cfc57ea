// A small persistent worker_threads pool for large GEMMs, with a SYNCHRONOUS API: the main thread copies
// A and B into SharedArrayBuffers, posts one share of C to each worker, computes its own share, then
// sleeps in Atomics.wait until every worker has counted itself done. Workers are built from the GEMM
// core's `.toString()` (eval: true), so the same code runs under vitest (TS source) and from dist/ JS.
// Without worker_threads or SharedArrayBuffer (a browser main thread) everything runs on one thread.
// With the wasm cores, A and B go into the (shared) wasm memory instead, and each worker runs its own
// instance of the module it received at startup over that memory (see wasm/wasm-gemm.ts).

import { workerExecArgv } from '../../core/worker-flags.js';
import { GEMM_KC, GEMM_MC, GEMM_NC, gemmMicroKernel, gemmPackA, gemmPackB, gemmRun, type GemmJob } from './gemm-core.js';
import { I8_KC, I8_MC, I8_NC, int8MicroKernel, int8PackA, int8PackB, int8Run, type Int8Job } from './int8-core.js';
import { wasmForWorkers, wasmStage, type WasmStage } from './wasm/wasm-gemm.js';
import { wasmGemmRun, wasmInt8Run, type WasmKernels } from './wasm/wasm-run.js';

type WorkerThreads = typeof import('node:worker_threads');
type Worker = import('node:worker_threads').Worker;

interface NodeProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

function builtin<T>(id: string): T | null {
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  try {
    return (proc?.getBuiltinModule?.(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

const workerThreads = builtin<WorkerThreads>('node:worker_threads');
const os = builtin<typeof import('node:os')>('node:os');
const canPool = workerThreads !== null && typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined';

let numThreads = canPool ? Math.max(1, os?.availableParallelism?.() ?? os?.cpus().length ?? 1) : 1;
/** GEMMs with fewer multiply-adds than this stay on the calling thread (posting costs ~50 us). */
let poolMinMacs = 1 << 21;
/** The wasm cores are ~5x faster, so a GEMM must be this many times larger to be worth posting. */
const WASM_POOL_FACTOR = 4;

/** Sets how many threads (including the calling one) large GEMMs use; 1 turns the pool off. Returns the old value. */
export function setNumThreads(n: number): number {
  const old = numThreads;
  const next = canPool ? Math.max(1, Math.floor(n)) : 1;
  if (next !== numThreads) {
    shutdownPool();
    numThreads = next;
  }
  return old;
}

let pooledRuns = 0;

/** How many GEMMs have run on the pool so far (lets tests check the pool really ran). */
export function pooledGemmCount(): number {
  return pooledRuns;
}

export function getNumThreads(): number {
  return numThreads;
}

/** Sets the size (batch*m*n*k) from which GEMMs go to the pool; tests lower it. Returns the old value. */
export function setPoolMinMacs(macs: number): number {
  const old = poolMinMacs;
  poolMinMacs = Math.max(0, macs);
  return old;
}

/** The whole worker program; exported so tests can check it is self-contained. */
export const WORKER_SOURCE = `'use strict';
const { parentPort } = require('node:worker_threads');
${gemmPackA.toString()}
${gemmPackB.toString()}
${gemmMicroKernel.toString()}
${gemmRun.toString()}
${int8PackA.toString()}
${int8PackB.toString()}
${int8MicroKernel.toString()}
${int8Run.toString()}
${wasmGemmRun.toString()}
${wasmInt8Run.toString()}
let packA = null, packB = null, packA8 = null, packB8 = null, wasm = null;
parentPort.on('message', (msg) => {
  const sync = new Int32Array(msg.sync);
  if (msg.kind === 'hello') {
    if (msg.wasm) {
      try { wasm = new WebAssembly.Instance(msg.wasm.module, { env: { memory: msg.wasm.memory } }).exports; } catch (e) { Atomics.or(sync, 1, 1); }
    }
    Atomics.add(sync, 0, 1);
    Atomics.notify(sync, 0);
    return;
  }
  try {
    if (msg.kind === 'wasm-f32') {
      wasmGemmRun(wasm, msg.job, msg.at);
    } else if (msg.kind === 'wasm-i8') {
      wasmInt8Run(wasm, msg.job, msg.at);
    } else if (msg.kind === 'f32') {
      if (!packA) { packA = new Float64Array(${GEMM_MC * GEMM_KC}); packB = new Float64Array(${GEMM_KC * GEMM_NC}); }
      gemmRun(new Float32Array(msg.a), new Float32Array(msg.b), new Float32Array(msg.c), msg.job, packA, packB);
    } else {
      if (!packA8) { packA8 = new Float64Array(${I8_MC * I8_KC}); packB8 = new Float64Array(${(I8_KC * I8_NC) / 2}); }
      int8Run(new Int8Array(msg.a), new Int8Array(msg.b), new Int32Array(msg.c), msg.job, packA8, packB8);
    }
  } catch (e) {
    Atomics.or(sync, 1, 1 << (msg.share ?? 0));
  }
  Atomics.add(sync, 0, 1);
  Atomics.notify(sync, 0);
});
`;

let workers: Worker[] = [];
let poolBroken = false;
/** Whether the running workers were given the wasm module. */
let workersHaveWasm = false;
/** [done count, failure flag]; a fresh one per pool generation so a terminating worker cannot touch it. */
let sync: Int32Array<ArrayBufferLike> = new Int32Array(2);

function shutdownPool(): void {
  for (const w of workers) void w.terminate();
  workers = [];
}

/** Blocks until sync[0] reaches `count` or `timeoutMs` passes; true when reached. */
function waitFor(count: number, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(sync, 0);
    if (seen >= count) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(sync, 0, seen, Math.min(left, 1000));
  }
}

/** Starts numThreads-1 workers and waits (at most 10 s) for each to answer; on failure the pool stays off. */
function ensureWorkers(): boolean {
  if (poolBroken || !workerThreads) return false;
  if (workers.length === numThreads - 1) return true;
  shutdownPool();
  sync = new Int32Array(new SharedArrayBuffer(8));
  const wasm = wasmForWorkers();
  workersHaveWasm = wasm !== null;
  try {
    for (let t = 1; t < numThreads; t++) {
      const w = new workerThreads.Worker(WORKER_SOURCE, { eval: true, execArgv: workerExecArgv() });
      w.unref();
      w.on('error', () => {
        if (workers.includes(w)) poolBroken = true;
      });
      w.postMessage({ kind: 'hello', sync: sync.buffer, wasm });
      workers.push(w);
    }
  } catch {
    poolBroken = true;
  }
  if (poolBroken || !waitFor(numThreads - 1, 10_000)) {
    poolBroken = true;
    shutdownPool();
    return false;
  }
  // A worker that could not instantiate the module flagged it: the wasm cores then run on one thread.
  if (Atomics.load(sync, 1) !== 0) workersHaveWasm = false;
  return true;
}

const shared: Record<'a' | 'b' | 'c', SharedArrayBuffer | null> = { a: null, b: null, c: null };

/** A view of `bytes` bytes over a reused SharedArrayBuffer (grown when too small). */
function sharedBytes(slot: 'a' | 'b' | 'c', bytes: number): SharedArrayBuffer {
  let buf = shared[slot];
  if (!buf || buf.byteLength < bytes) {
    buf = new SharedArrayBuffer(Math.max(bytes, 1024));
    shared[slot] = buf;
  }
  return buf;
}

interface RangeJob {
  rowFrom: number;
  rowTo: number;
  colFrom: number;
  colTo: number;
}

/** Splits C into `parts` shares: by flattened rows when there are enough (multiples of 4), else by 8-column blocks. */
function splitC(rows: number, cols: number, parts: number, colAlign: number): RangeJob[] | null {
  const out: RangeJob[] = [];
  if (rows >= parts * 16) {
    const per = Math.ceil(rows / parts / 4) * 4;
    for (let r = 0; r < rows; r += per) out.push({ rowFrom: r, rowTo: Math.min(rows, r + per), colFrom: 0, colTo: cols });
  } else if (cols >= parts * 4 * colAlign) {
    const per = Math.ceil(cols / parts / colAlign) * colAlign;
    for (let j = 0; j < cols; j += per) out.push({ rowFrom: 0, rowTo: rows, colFrom: j, colTo: Math.min(cols, j + per) });
  } else {
    return null;
  }
  return out.length > 1 ? out : null;
}

export type Kind = 'f32' | 'i8';
type Arr = Float32Array | Int8Array | Int32Array;

/**
 * Posts shares 1.. to the workers, runs share 0 here, waits. Returns a bit mask of the shares that failed
 * (0: all done). A worker fails when, e.g., its source was instrumented and lost its scope: the pool is
 * then turned off and the caller redoes the work on one thread.
 */
function runShares(count: number, post: (t: number) => void, runMain: () => void): number {
  Atomics.store(sync, 0, 0);
  Atomics.store(sync, 1, 0);
  for (let t = 1; t < count; t++) post(t);
  let mainError: unknown = null;
  try {
    runMain();
  } catch (e) {
    mainError = e;
  }
  if (count > 1) waitFor(count - 1, Number.POSITIVE_INFINITY);
  if (mainError) throw mainError;
  const failed = count > 1 ? Atomics.load(sync, 1) : 0;
  if (failed !== 0) {
    poolBroken = true;
    shutdownPool();
  } else if (count > 1) {
    pooledRuns++;
  }
  return failed;
}

/**
 * Runs a job whose operands already sit in the wasm memory at stage.a/b/c (from wasmStage with numThreads
 * pack areas; job offsets relative to them), on this thread or split over the pool.
 */
export function runStagedJob(kind: Kind, stage: WasmStage, job: GemmJob | Int8Job): void {
  const big = numThreads >= 2 && canPool && job.batch * job.m * job.n * job.k >= poolMinMacs * WASM_POOL_FACTOR;
  let shares = big ? splitC(job.batch * job.m, job.n, numThreads, kind === 'f32' ? 8 : 16) : null;
  if (shares && !(ensureWorkers() && workersHaveWasm)) shares = null;
  const parts = shares ?? [{ rowFrom: job.rowFrom, rowTo: job.rowTo, colFrom: job.colFrom, colTo: job.colTo }];
  const run = (x: WasmKernels, t: number): void => {
    if (kind === 'f32') wasmGemmRun(x, { ...(job as GemmJob), ...parts[t]! }, stage.addrs(t));
    else wasmInt8Run(x, { ...(job as Int8Job), ...parts[t]! }, stage.addrs(t));
  };
  const post = (t: number): void => workers[t - 1]!.postMessage({ kind: `wasm-${kind}`, job: { ...job, ...parts[t] }, at: stage.addrs(t), share: t, sync: sync.buffer });
  const failed = runShares(parts.length, post, () => run(stage.kernels, 0));
  // C is updated in place, so redo only the shares that failed (the others may have accumulated already).
  for (let t = 1; t < parts.length; t++) if (failed & (1 << t)) run(stage.kernels, t);
}

/**
 * Runs a GEMM job on the wasm cores (one thread or the pool) or on the pool's JS cores; false when the
 * caller should run the JS core on one thread. a, b and c are the spans the job touches (offsets in
 * `job` relative to them); the job covers all of C. `cDense`: the job writes every element of c.
 */
function runJob(kind: Kind, a: Arr, b: Arr, c: Float32Array | Int32Array, job: GemmJob | Int8Job, cDense: boolean): boolean {
  const size = kind === 'f32' ? 4 : 1;
  const stage = wasmStage(numThreads, a.length * size, b.length * size, c.length * 4);
  if (stage) {
    const Ctor = (kind === 'f32' ? Float32Array : Int8Array) as typeof Float32Array;
    const CCtor = (kind === 'f32' ? Float32Array : Int32Array) as typeof Float32Array;
    new Ctor(stage.buffer, stage.a, a.length).set(a as Float32Array);
    new Ctor(stage.buffer, stage.b, b.length).set(b as Float32Array);
    const cView = new CCtor(stage.buffer, stage.c, c.length);
    // Gaps in C's span (a conv group's neighbours) must survive the copy back.
    if (job.accumulate || !cDense) cView.set(c as Float32Array);
    runStagedJob(kind, stage, job);
    c.set(cView as Float32Array);
    return true;
  }
  if (numThreads < 2 || !canPool || job.batch * job.m * job.n * job.k < poolMinMacs) return false;
  const shares = splitC(job.batch * job.m, job.n, numThreads, kind === 'f32' ? 8 : 16);
  if (!shares || !ensureWorkers()) return false;

  const Ctor = (kind === 'f32' ? Float32Array : Int8Array) as typeof Float32Array;
  const CCtor = (kind === 'f32' ? Float32Array : Int32Array) as typeof Float32Array;
  const sa = sharedBytes('a', a.length * size);
  const sb = sharedBytes('b', b.length * size);
  const sc = sharedBytes('c', c.length * 4);
  new Ctor(sa, 0, a.length).set(a as Float32Array);
  new Ctor(sb, 0, b.length).set(b as Float32Array);
  const cView = new CCtor(sc, 0, c.length);
  cView.set(c as Float32Array);
  const parts = shares;
  const post = (t: number): void => workers[t - 1]!.postMessage({ kind, a: sa, b: sb, c: sc, job: { ...job, ...parts[t] }, sync: sync.buffer });
  const runMain = (): void => {
    if (kind === 'f32') {
      const [pa, pb] = f32PackBuffers();
      gemmRun(new Float32Array(sa, 0, a.length), new Float32Array(sb, 0, b.length), cView, { ...(job as GemmJob), ...parts[0]! }, pa, pb);
    } else {
      const [pa, pb] = int8PackBuffers();
      int8Run(new Int8Array(sa, 0, a.length), new Int8Array(sb, 0, b.length), cView as unknown as Int32Array, { ...(job as Int8Job), ...parts[0]! }, pa, pb);
    }
  };
  if (runShares(parts.length, post, runMain) !== 0) return false;
  c.set(cView as Float32Array);
  return true;
}

let f32Packs: [Float64Array, Float64Array] | null = null;
let i8Packs: [Float64Array, Float64Array] | null = null;

/** The calling thread's f32 pack buffers (A: MC x KC, B: KC x NC), allocated once. */
export function f32PackBuffers(): [Float64Array, Float64Array] {
  f32Packs ??= [new Float64Array(GEMM_MC * GEMM_KC), new Float64Array(GEMM_KC * GEMM_NC)];
  return f32Packs;
}

/** The calling thread's int8 pack buffers (B packs two columns per double). */
export function int8PackBuffers(): [Float64Array, Float64Array] {
  i8Packs ??= [new Float64Array(I8_MC * I8_KC), new Float64Array((I8_KC * I8_NC) / 2)];
  return i8Packs;
}

/** Index just past the last element a strided batch of rows x cols matrices touches (0 if empty). */
function spanEnd(off: number, batch: number, stride: number, rows: number, rs: number, cols: number, cs: number): number {
  return rows === 0 || cols === 0 || batch === 0 ? off : off + (batch - 1) * stride + (rows - 1) * rs + (cols - 1) * cs + 1;
}

/**
 * f32 GEMM on the wasm cores and/or the pool; false when it should run on the JS core on one thread. Only
 * the spans of A, B and C the job touches are copied (a conv group is a small part of its arrays).
 */
export function runGemmJob(a: Float32Array, b: Float32Array, c: Float32Array, job: GemmJob): boolean {
  if (job.k === 0) return false;
  const aEnd = spanEnd(job.aOff, job.batch, job.strideA, job.m, job.aRs, job.k, job.aCs);
  const bEnd = spanEnd(job.bOff, job.batch, job.strideB, job.k, job.bRs, job.n, job.bCs);
  const cEnd = spanEnd(job.cOff, job.batch, job.strideC, job.m, job.ldc, job.n, 1);
  const local: GemmJob = { ...job, aOff: 0, bOff: 0, cOff: 0 };
  const cDense = job.ldc === job.n && (job.batch === 1 || job.strideC === job.m * job.n);
  return runJob('f32', a.subarray(job.aOff, aEnd), b.subarray(job.bOff, bEnd), c.subarray(job.cOff, cEnd), local, cDense);
}

/** int8 GEMM on the wasm cores and/or the pool; false when it should run on the JS core on one thread. */
export function runInt8Job(a: Int8Array, b: Int8Array, c: Int32Array, job: Int8Job): boolean {
  return job.k > 0 && runJob('i8', a, b, c, job, true);
}
