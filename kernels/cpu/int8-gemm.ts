// int8 GEMM: C[m, n] = A[m, k] x B[k, n] (or B stored n x k with transB), int32 accumulation, exact while
// |C| < 2^31 (always for k <= 131072). The core (int8-core.ts) does two int8 MACs per double multiply-add.
//
// int8MatmulDequant applies the Int8Epilogue to each accumulator, in double, then rounds to float32:
//   real[i][j] = (acc[i][j] - za[i]*colSumB[j] - zb[j]*rowSumA[i] + k*za[i]*zb[j]) * sa[i] * sb[j] + bias[j]
// where za/sa are A's zero point/scale (length 1 = per tensor, length m = per row), zb/sb are B's
// (length 1 or n = per column), colSumB[j] = sum_p B[p][j], rowSumA[i] = sum_p A[i][p]; then relu if asked.
// For asymmetric activations (za) and symmetric weights (zb = 0) it is sa*sb*(acc - za*colSumB[j]) + bias[j].

import { ShapeError } from '../../core/errors.js';
import type { Int8Epilogue } from '../backend.js';
import { checkGemmSizes } from './gemm.js';
import { int8Run, type Int8Job } from './int8-core.js';
import { int8PackBuffers, runInt8Pooled } from './pool.js';

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
  if (!runInt8Pooled(a, b, c, job)) {
    const [pa, pb] = int8PackBuffers();
    int8Run(a, b, c, job, pa, pb);
  }
  return c;
}

function checkLen(name: string, arr: ArrayLike<number> | undefined, perLen: number, per: string): void {
  if (arr && arr.length !== 1 && arr.length !== perLen) {
    throw new ShapeError(`int8MatmulDequant: ${name} must have length 1 or ${per}=${perLen}, got ${arr.length}`);
  }
}

/** int8 GEMM then the dequantizing epilogue (formula in the header), giving float32 [m, n]. */
export function int8MatmulDequant(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, opts: { transB?: boolean } = {}): Float32Array {
  checkGemmSizes('int8MatmulDequant', a.length, b.length, 1, m, k, n, m * k, k * n);
  checkLen('aScale', ep.aScale, m, 'm');
  checkLen('bScale', ep.bScale, n, 'n');
  checkLen('aZeroPoint', ep.aZeroPoint, m, 'm');
  checkLen('bZeroPoint', ep.bZeroPoint, n, 'n');
  checkLen('bias', ep.bias, n, 'n');
  if (ep.aScale.length === 0 || ep.bScale.length === 0) throw new ShapeError(`int8MatmulDequant: scales must not be empty, got lengths ${ep.aScale.length} and ${ep.bScale.length}`);
  const transB = opts.transB ?? false;
  const acc = int8Matmul(a, b, m, k, n, opts);

  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? (arr.length === 1 ? arr[0]! : arr[i]!) : 0);
  const za = ep.aZeroPoint, zb = ep.bZeroPoint;
  const needColSum = !!za && za.some((z) => z !== 0);
  const needRowSum = !!zb && zb.some((z) => z !== 0);
  const colSumB = new Float64Array(needColSum ? n : 0);
  if (needColSum) {
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) colSumB[j]! += b[transB ? j * k + p : p * n + j]!;
  }
  const rowSumA = new Float64Array(needRowSum ? m : 0);
  if (needRowSum) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]!;
      rowSumA[i] = s;
    }
  }

  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const zai = pick(za, i), sai = pick(ep.aScale, i), rsa = needRowSum ? rowSumA[i]! : 0;
    for (let j = 0; j < n; j++) {
      const zbj = pick(zb, j);
      let v = acc[i * n + j]!;
      if (needColSum) v -= zai * colSumB[j]!;
      if (needRowSum) v -= zbj * rsa;
      v += k * zai * zbj;
      v = v * sai * pick(ep.bScale, j) + pick(ep.bias, j);
      out[i * n + j] = ep.relu && v < 0 ? 0 : v;
    }
  }
  return out;
}
