// The int8 GEMM core, exact: two int8 columns of B share one double, b[j] + b[j+1] * 2^25, so one
// double multiply-add does two int8 MACs. Per KC=512 block each lane's sum is within +-2^23, so the lanes
// never mix and the double stays exact (< 2^53); lanes are split after each block into int32 C.
// Blocking: A packed as MC x KC in 4-row panels, B as KC x NC in panels of 8 pairs (16 columns), 4x8 register tile.
//
// SELF-CONTAINED (no imports, no outer variables, no nested closures): pool.ts ships `.toString()` to workers.

export const I8_KC = 512;
export const I8_MC = 64;
export const I8_NC = 2048;
/** Lane shift: 2^25 > 2 * 512 * 128 * 128, so the low lane never carries into the high one. */
export const I8_LANE = 33554432;

export interface Int8Job {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** B[p][j] = b[p*bRs + j*bCs] (transB: bRs=1, bCs=k). A is always m x k row-major. */
  bRs: number;
  bCs: number;
  accumulate: number;
  rowFrom: number;
  rowTo: number;
  colFrom: number;
  colTo: number;
}

/** Packs A[i0..i0+mc)[p0..p0+kc) into 4-row panels of doubles, zero-padded past mc. */
export function int8PackA(a: Int8Array, k: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let ir = 0; ir < mc; ir += 4) {
    const rows = mc - ir < 4 ? mc - ir : 4;
    const base = (i0 + ir) * k + p0;
    for (let p = 0; p < kc; p++) {
      dst[d] = a[base + p];
      dst[d + 1] = rows > 1 ? a[base + k + p] : 0;
      dst[d + 2] = rows > 2 ? a[base + 2 * k + p] : 0;
      dst[d + 3] = rows > 3 ? a[base + 3 * k + p] : 0;
      d += 4;
    }
  }
}

/** Packs B[p0..p0+kc)[j0..j0+nc) into panels of 8 column pairs: dst = b[j] + b[j+1] * 2^25, zero past nc. */
export function int8PackB(b: Int8Array, rs: number, cs: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  const LANE = 33554432;
  let d = 0;
  for (let jr = 0; jr < nc; jr += 16) {
    const cols = nc - jr < 16 ? nc - jr : 16;
    const s0 = p0 * rs + (j0 + jr) * cs;
    if (cols === 16) {
      for (let p = 0; p < kc; p++) {
        const s = s0 + p * rs;
        for (let q = 0; q < 8; q++) dst[d + q] = b[s + 2 * q * cs] + b[s + (2 * q + 1) * cs] * LANE;
        d += 8;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const s = s0 + p * rs;
        for (let q = 0; q < 8; q++) {
          const lo = 2 * q < cols ? b[s + 2 * q * cs] : 0;
          const hi = 2 * q + 1 < cols ? b[s + (2 * q + 1) * cs] : 0;
          dst[d + q] = lo + hi * LANE;
        }
        d += 8;
      }
    }
  }
}

/** C[4 x 16 tile] (+)= A panel x paired B panel; splits each double into its two int32 lanes on the way out. */
export function int8MicroKernel(kc: number, pa: Float64Array, ia: number, pb: Float64Array, ib: number, c: Int32Array, cBase: number, ldc: number, rows: number, cols: number, add: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    const b4 = pb[ib + 4], b5 = pb[ib + 5], b6 = pb[ib + 6], b7 = pb[ib + 7];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
    ia += 4;
    ib += 8;
  }
  const t = [
    c00, c01, c02, c03, c04, c05, c06, c07, c10, c11, c12, c13, c14, c15, c16, c17,
    c20, c21, c22, c23, c24, c25, c26, c27, c30, c31, c32, c33, c34, c35, c36, c37,
  ];
  const LANE = 33554432;
  const INV_LANE = 1 / LANE;
  for (let r = 0; r < rows; r++) {
    const o = cBase + r * ldc;
    for (let q = 0; q < 8; q++) {
      const acc = t[r * 8 + q]!;
      const hi = Math.round(acc * INV_LANE);
      const lo = acc - hi * LANE;
      const j = 2 * q;
      if (j < cols) c[o + j] = add ? c[o + j]! + lo : lo;
      if (j + 1 < cols) c[o + j + 1] = add ? c[o + j + 1]! + hi : hi;
    }
  }
}

/** Runs one int8 job (or one thread's share) with the loop nest jc -> pc -> ic -> jr -> ir. */
export function int8Run(a: Int8Array, b: Int8Array, c: Int32Array, job: Int8Job, packA: Float64Array, packB: Float64Array): void {
  const KC = 512, MC = 64, NC = 2048;
  const k = job.k, ldc = job.n;
  const iStart = job.rowFrom, iEnd = job.rowTo;
  if (k === 0) {
    if (!job.accumulate) for (let i = iStart; i < iEnd; i++) c.fill(0, i * ldc + job.colFrom, i * ldc + job.colTo);
    return;
  }
  for (let jc = job.colFrom; jc < job.colTo; jc += NC) {
    const nc = Math.min(NC, job.colTo - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const add = pc > 0 || job.accumulate ? 1 : 0;
      int8PackB(b, job.bRs, job.bCs, pc, kc, jc, nc, packB);
      for (let ic = iStart; ic < iEnd; ic += MC) {
        const mc = Math.min(MC, iEnd - ic);
        int8PackA(a, k, ic, mc, pc, kc, packA);
        for (let jr = 0; jr < nc; jr += 16) {
          const cols = Math.min(16, nc - jr);
          const ib = (jr >> 4) * kc * 8;
          for (let ir = 0; ir < mc; ir += 4) {
            int8MicroKernel(kc, packA, (ir >> 2) * kc * 4, packB, ib, c, (ic + ir) * ldc + jc + jr, ldc, Math.min(4, mc - ir), cols, add);
          }
        }
      }
    }
  }
}
