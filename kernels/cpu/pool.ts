// A small persistent worker_threads pool for large GEMMs, with a SYNCHRONOUS API: the main thread copies
// A and B into SharedArrayBuffers, posts one share of C to each worker, computes its own share, then
// sleeps in Atomics.wait until every worker has counted itself done. Workers are built from the GEMM
// core's `.toString()` (eval: true), so the same code runs under vitest (TS source) and from dist/ JS.
// Without worker_threads or SharedArrayBuffer (a browser main thread) everything runs on one thread.

import { GEMM_KC, GEMM_MC, GEMM_NC, gemmMicroKernel, gemmPackA, gemmPackB, gemmRun, type GemmJob } from './gemm-core.js';
import { I8_KC, I8_MC, I8_NC, int8MicroKernel, int8PackA, int8PackB, int8Run, type Int8Job } from './int8-core.js';

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
let packA = null, packB = null, packA8 = null, packB8 = null;
parentPort.on('message', (msg) => {
  const sync = new Int32Array(msg.sync);
  if (msg.kind === 'hello') {
    Atomics.add(sync, 0, 1);
    Atomics.notify(sync, 0);
    return;
  }
  try {
    if (msg.kind === 'f32') {
      if (!packA) { packA = new Float64Array(${GEMM_MC * GEMM_KC}); packB = new Float64Array(${GEMM_KC * GEMM_NC}); }
      gemmRun(new Float32Array(msg.a), new Float32Array(msg.b), new Float32Array(msg.c), msg.job, packA, packB);
    } else {
      if (!packA8) { packA8 = new Float64Array(${I8_MC * I8_KC}); packB8 = new Float64Array(${(I8_KC * I8_NC) / 2}); }
      int8Run(new Int8Array(msg.a), new Int8Array(msg.b), new Int32Array(msg.c), msg.job, packA8, packB8);
    }
  } catch (e) {
    Atomics.store(sync, 1, 1);
  }
  Atomics.add(sync, 0, 1);
  Atomics.notify(sync, 0);
});
`;

let workers: Worker[] = [];
let poolBroken = false;
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
  try {
    for (let t = 1; t < numThreads; t++) {
      const w = new workerThreads.Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('error', () => {
        if (workers.includes(w)) poolBroken = true;
      });
      w.postMessage({ kind: 'hello', sync: sync.buffer });
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

type Kind = 'f32' | 'i8';
type Arr = Float32Array | Int8Array | Int32Array;

/**
 * Runs a GEMM job over the pool if it is large enough and the pool works; returns false when the
 * caller should run it on one thread instead. The job must cover C's full row and column range.
 */
function runPooled(kind: Kind, a: Arr, b: Arr, c: Float32Array | Int32Array, job: GemmJob | Int8Job, aLen: number, bLen: number, cLen: number): boolean {
  if (numThreads < 2 || !canPool || job.batch * job.m * job.n * job.k < poolMinMacs) return false;
  const shares = splitC(job.batch * job.m, job.n, numThreads, kind === 'f32' ? 8 : 16);
  if (!shares || !ensureWorkers()) return false;

  const Ctor = (kind === 'f32' ? Float32Array : Int8Array) as typeof Float32Array;
  const CCtor = (kind === 'f32' ? Float32Array : Int32Array) as typeof Float32Array;
  const size = kind === 'f32' ? 4 : 1;
  const sa = sharedBytes('a', aLen * size);
  const sb = sharedBytes('b', bLen * size);
  const sc = sharedBytes('c', cLen * 4);
  new Ctor(sa, 0, aLen).set(a.subarray(0, aLen) as Float32Array);
  new Ctor(sb, 0, bLen).set(b.subarray(0, bLen) as Float32Array);
  const cView = new CCtor(sc, 0, cLen);
  // C's span may hold other rows between this job's (a conv group), which are copied back unchanged.
  cView.set(c as Float32Array);

  Atomics.store(sync, 0, 0);
  Atomics.store(sync, 1, 0);
  for (let t = 1; t < shares.length; t++) {
    workers[t - 1]!.postMessage({ kind, a: sa, b: sb, c: sc, job: { ...job, ...shares[t] }, sync: sync.buffer });
  }
  let mainError: unknown = null;
  try {
    if (kind === 'f32') {
      const [pa, pb] = f32PackBuffers();
      gemmRun(new Float32Array(sa, 0, aLen), new Float32Array(sb, 0, bLen), cView, { ...(job as GemmJob), ...shares[0]! }, pa, pb);
    } else {
      const [pa, pb] = int8PackBuffers();
      int8Run(new Int8Array(sa, 0, aLen), new Int8Array(sb, 0, bLen), cView as unknown as Int32Array, { ...(job as Int8Job), ...shares[0]! }, pa, pb);
    }
  } catch (e) {
    mainError = e;
  }
  waitFor(shares.length - 1, Number.POSITIVE_INFINITY);
  if (mainError) throw mainError;
  // A worker that failed (e.g. its source was instrumented and lost its scope) leaves its share
  // unfinished: turn the pool off and let the caller redo the whole job on one thread.
  if (Atomics.load(sync, 1) !== 0) {
    poolBroken = true;
    shutdownPool();
    return false;
  }
  c.set(cView as Float32Array);
  pooledRuns++;
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
 * f32 GEMM over the pool; false when it should run on one thread. Only the spans of A, B and C the
 * job touches travel through shared memory (a conv group is a small part of its arrays).
 */
export function runGemmPooled(a: Float32Array, b: Float32Array, c: Float32Array, job: GemmJob): boolean {
  if (numThreads < 2 || !canPool || job.batch * job.m * job.n * job.k < poolMinMacs) return false;
  const aEnd = spanEnd(job.aOff, job.batch, job.strideA, job.m, job.aRs, job.k, job.aCs);
  const bEnd = spanEnd(job.bOff, job.batch, job.strideB, job.k, job.bRs, job.n, job.bCs);
  const cEnd = spanEnd(job.cOff, job.batch, job.strideC, job.m, job.ldc, job.n, 1);
  const local: GemmJob = { ...job, aOff: 0, bOff: 0, cOff: 0 };
  const cPart = c.subarray(job.cOff, cEnd);
  return runPooled('f32', a.subarray(job.aOff, aEnd), b.subarray(job.bOff, bEnd), cPart, local, aEnd - job.aOff, bEnd - job.bOff, cEnd - job.cOff);
}

/** int8 GEMM over the pool; false when it should run on one thread. */
export function runInt8Pooled(a: Int8Array, b: Int8Array, c: Int32Array, job: Int8Job): boolean {
  return runPooled('i8', a, b, c, job, a.length, b.length, c.length);
}
