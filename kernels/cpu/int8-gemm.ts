// int8 GEMM: C[m, n] = A[m, k] x B[k, n] (or B stored n x k with transB), int32 accumulation, exact while
// |C| < 2^31 (always for k <= 131072). The wasm core (wasm/gemm-module.ts) does 8 int8 MACs per
// i32x4.dot_i16x8_s; the JS fallback (int8-core.ts) two per double multiply-add.
//
// int8MatmulDequant applies the Int8Epilogue to each accumulator, in double, then rounds to float32:
//   real[i][j] = (acc[i][j] - za[i]*colSumB[j] - zb[j]*rowSumA[i] + k*za[i]*zb[j]) * sa[i] * sb[j] + bias[j]
// where za/sa are A's zero point/scale (length 1 = per tensor, length m = per row), zb/sb are B's
// (length 1 or n = per column), colSumB[j] = sum_p B[p][j], rowSumA[i] = sum_p A[i][p]; then relu if asked.
// For asymmetric activations (za) and symmetric weights (zb = 0) it is sa*sb*(acc - za*colSumB[j]) + bias[j].
// On the wasm cores, with zero points per tensor, the epilogue runs in wasm on C where the GEMM left it
// (wasm/int8-module.ts `dequant`, same operation order, so the same bits as dequantEpilogue).

import type { Int8Epilogue } from '../backend.js';
import { checkEpilogue, dequantEpilogue } from '../common.js';
import { checkGemmSizes } from './gemm.js';
import { int8Run, type Int8Job } from './int8-core.js';
import { getNumThreads, int8PackBuffers, runInt8Job, runStagedJob } from './pool.js';
import { wasmStage } from './wasm/wasm-gemm.js';

/** C[m, n] = A[m, k] x B[k, n] with exact int32 accumulation; transB: B is stored n x k. */
export function int8Matmul(a: Int8Array, b: Int8Array, m: number, k: number, n: number, opts: { transB?: boolean } = {}): Int32Array {
  checkGemmSizes('int8Matmul', a.length, b.length, 1, m, k, n, m * k, k * n);
  const transB = opts.transB ?? false;
  const c = new Int32Array(m * n);
  const job: Int8Job = {
    batch: 1, m, k, n,
    bRs: transB ? 1 : n, bCs: transB ? k : 1,
    accumulate: 0, rowFrom: 0, rowTo: m, colFrom: 0, colTo: n,
  };
  if (m * n * k === 0) return c;
  if (!runInt8Job(a, b, c, job)) {
    const [pa, pb] = int8PackBuffers();
    int8Run(a, b, c, job, pa, pb);
  }
  return c;
}

/** int8 GEMM then the dequantizing epilogue (formula in the header), giving float32 [m, n]. */
export function int8MatmulDequant(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, opts: { transB?: boolean } = {}): Float32Array {
  checkGemmSizes('int8MatmulDequant', a.length, b.length, 1, m, k, n, m * k, k * n);
  checkEpilogue(ep, m, n);
  const transB = opts.transB ?? false;
  return int8MatmulDequantWasm(a, b, m, k, n, ep, transB) ?? dequantEpilogue(int8Matmul(a, b, m, k, n, opts), a, b, m, k, n, ep, transB);
}

/** A zero point as one number (0 when absent); null when it varies per row/column (the JS epilogue handles that). */
function perTensorZero(z: Int32Array | undefined): number | null {
  if (!z) return 0;
  if (z.length === 1) return z[0]!;
  return z.every((v) => v === 0) ? 0 : null;
}

/**
 * GEMM and epilogue in the wasm memory: C is dequantized in place, with f64 tables after it (row scale and
 * offset, column scale, offset and bias); the offsets are the exact integer zero-point corrections
 *   rowOff[i] = k*za*zb - zb*rowSumA[i],  colOff[j] = -za*colSumB[j].
 * Null when wasm is off, k = 0 or the zero points vary per row/column.
 */
function int8MatmulDequantWasm(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, transB: boolean): Float32Array | null {
  const za = perTensorZero(ep.aZeroPoint), zb = perTensorZero(ep.bZeroPoint);
  if (za === null || zb === null || m * n * k === 0) return null;
  // Column tables keep 4 spare entries: the epilogue reads whole vectors past the last column.
  const rs = 0, ro = m, cs = 2 * m, co = cs + n + 4, cb = co + n + 4, len = cb + n + 4;
  const st = wasmStage(getNumThreads(), m * k, k * n, 4 * m * n, 8 * len);
  if (!st) return null;
  new Int8Array(st.buffer, st.a, m * k).set(a);
  new Int8Array(st.buffer, st.b, k * n).set(b);
  const job: Int8Job = { batch: 1, m, k, n, bRs: transB ? 1 : n, bCs: transB ? k : 1, accumulate: 0, rowFrom: 0, rowTo: m, colFrom: 0, colTo: n };
  runStagedJob('i8', st, job);
  const t = new Float64Array(st.buffer, st.extra, len);
  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? (arr.length === 1 ? arr[0]! : arr[i]!) : 0);
  for (let i = 0; i < m; i++) {
    let rowSum = 0;
    if (zb !== 0) for (let p = 0; p < k; p++) rowSum += a[i * k + p]!;
    t[rs + i] = pick(ep.aScale, i);
    t[ro + i] = k * za * zb - zb * rowSum;
  }
  const colSum = new Float64Array(za !== 0 ? n : 0);
  if (za !== 0) {
    if (transB) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += b[j * k + p]!; colSum[j] = s; }
    else for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) colSum[j] += b[p * n + j]!;
  }
  for (let j = 0; j < n; j++) {
    t[cs + j] = pick(ep.bScale, j);
    t[co + j] = za !== 0 ? -za * colSum[j]! : 0;
    t[cb + j] = pick(ep.bias, j);
  }
  const at = (i: number): number => st.extra + 8 * i;
  st.kernels.dequant(st.c, 4 * n, m, n, st.c, 4 * n, at(rs), at(ro), at(cs), at(co), at(cb), ep.relu ? 1 : 0);
  return new Float32Array(st.buffer, st.c, m * n).slice();
}
