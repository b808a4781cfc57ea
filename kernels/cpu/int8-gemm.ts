// int8 GEMM: C[m, n] = A[m, k] x B[k, n] (or B stored n x k with transB), int32 accumulation, exact while
// |C| < 2^31 (always for k <= 131072). The wasm core (wasm/gemm-module.ts) does 8 int8 MACs per
// i32x4.dot_i16x8_s; the JS fallback (int8-core.ts) two per double multiply-add.
//
// int8MatmulDequant applies the Int8Epilogue to each accumulator, in double, then rounds to float32:
//   real[i][j] = (acc[i][j] - za[i]*colSumB[j] - zb[j]*rowSumA[i] + k*za[i]*zb[j]) * sa[i] * sb[j] + bias[j]
// where za/sa are A's zero point/scale (length 1 = per tensor, length m = per row), zb/sb are B's
// (length 1 or n = per column), colSumB[j] = sum_p B[p][j], rowSumA[i] = sum_p A[i][p]; then relu if asked.
// For asymmetric activations (za) and symmetric weights (zb = 0) it is sa*sb*(acc - za*colSumB[j]) + bias[j].

import type { Int8Epilogue } from '../backend.js';
import { checkEpilogue, dequantEpilogue } from '../common.js';
import { checkGemmSizes } from './gemm.js';
import { int8Run, type Int8Job } from './int8-core.js';
import { int8PackBuffers, runInt8Job } from './pool.js';

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
  return dequantEpilogue(int8Matmul(a, b, m, k, n, opts), a, b, m, k, n, ep, opts.transB ?? false);
}
