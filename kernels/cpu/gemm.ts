// f32 GEMM entry point: checks sizes, picks the tiny-loop path, the wasm SIMD cores (wasm/, one thread or
// the pool), or the JS cores (one thread or the pool). The pool splits C by rows or column blocks, and
// each core sums k in a fixed order, so with either core every thread count gives the same bits.

import { ShapeError, fmtShape } from '../../core/errors.js';
import type { MatmulOptions } from '../backend.js';
import { gemmRun, type GemmJob } from './gemm-core.js';
import { f32PackBuffers, runGemmJob } from './pool.js';
import { getGemmImpl } from './wasm/wasm-gemm.js';

/** Below this many multiply-adds a plain triple loop beats packing. */
const SMALL_GEMM_MACS = 4096;

/** Describes a (possibly transposed, batched) GEMM over plain arrays as a job covering all of C. */
export function makeGemmJob(batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, strideA: number, strideB: number): GemmJob {
  return {
    batch, m, k, n,
    aOff: 0, aRs: transA ? 1 : k, aCs: transA ? m : 1, strideA,
    bOff: 0, bRs: transB ? 1 : n, bCs: transB ? k : 1, strideB,
    cOff: 0, ldc: n, strideC: m * n,
    accumulate: 0,
    rowFrom: 0, rowTo: batch * m, colFrom: 0, colTo: n,
  };
}

/** Runs a job on whichever path fits its size; C must already hold the right values if job.accumulate. */
export function gemmExecute(a: Float32Array, b: Float32Array, c: Float32Array, job: GemmJob): void {
  const macs = job.batch * job.m * job.n * job.k;
  if (macs <= SMALL_GEMM_MACS) {
    gemmSmall(a, b, c, job);
    return;
  }
  if (runGemmJob(a, b, c, job)) return;
  const [pa, pb] = f32PackBuffers();
  gemmRun(a, b, c, job, pa, pb);
}

/**
 * C (+)= A x B for tiny sizes: one dot product per element, with the active core's numerics so that the
 * size-based choice of path never changes bits: float32 sums in k order from C (wasm), or a double sum (JS).
 */
function gemmSmall(a: Float32Array, b: Float32Array, c: Float32Array, job: GemmJob): void {
  const { m, k, n, aRs, aCs, bRs, bCs, ldc } = job;
  const f32Sums = getGemmImpl() === 'wasm';
  const fr = Math.fround;
  for (let bi = 0; bi < job.batch; bi++) {
    const aOff = job.aOff + bi * job.strideA;
    const bOff = job.bOff + bi * job.strideB;
    const cOff = job.cOff + bi * job.strideC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const o = cOff + i * ldc + j;
        if (f32Sums) {
          let s = job.accumulate ? c[o]! : 0;
          for (let p = 0; p < k; p++) s = fr(s + fr(a[aOff + i * aRs + p * aCs]! * b[bOff + p * bRs + j * bCs]!));
          c[o] = s;
        } else {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[aOff + i * aRs + p * aCs]! * b[bOff + p * bRs + j * bCs]!;
          c[o] = job.accumulate ? c[o]! + s : s;
        }
      }
    }
  }
}

/** C[batch, m, n] = A[batch, m, k] x B[batch, k, n] in float32 (see MatmulOptions for trans and strides). */
export function matmul(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, opts: MatmulOptions = {}): Float32Array {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const strideA = opts.strideA ?? m * k;
  const strideB = opts.strideB ?? k * n;
  checkGemmSizes('matmul', a.length, b.length, batch, m, k, n, strideA, strideB);
  const c = new Float32Array(batch * m * n);
  gemmExecute(a, b, c, makeGemmJob(batch, m, k, n, transA, transB, strideA, strideB));
  return c;
}

/** Checks sizes shared by the f32 and int8 GEMMs; throws ShapeError naming the op. */
export function checkGemmSizes(op: string, aLen: number, bLen: number, batch: number, m: number, k: number, n: number, strideA: number, strideB: number): void {
  for (const [name, v] of [['batch', batch], ['m', m], ['k', k], ['n', n], ['strideA', strideA], ['strideB', strideB]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
  }
  if (strideA !== 0 && strideA < m * k) throw new ShapeError(`${op}: strideA must be 0 or at least m*k=${m * k}, got ${strideA}`);
  if (strideB !== 0 && strideB < k * n) throw new ShapeError(`${op}: strideB must be 0 or at least k*n=${k * n}, got ${strideB}`);
  const needA = batch === 0 ? 0 : (batch - 1) * strideA + m * k;
  const needB = batch === 0 ? 0 : (batch - 1) * strideB + k * n;
  if (aLen !== needA) throw new ShapeError(`${op}: A must hold ${needA} elements for batch ${batch} of ${fmtShape([m, k])} (strideA ${strideA}), got ${aLen}`);
  if (bLen !== needB) throw new ShapeError(`${op}: B must hold ${needB} elements for batch ${batch} of ${fmtShape([k, n])} (strideB ${strideB}), got ${bLen}`);
}
