// The f32 GEMM core: BLIS-style packing + cache blocking + a 4x8 register-tiled micro-kernel.
// Layout: A[i][p] = a[aOff + i*aRs + p*aCs] (strides encode transA), likewise B; C row-major with ldc.
// Blocking: B is packed in KC x NC blocks of 8-column panels, A in MC x KC blocks of 4-row panels,
// both as Float64 (no float->double conversion in the inner loop); every C tile sums k in the same
// order whatever row/column range a thread owns, so threaded results are bitwise equal to one thread.
//
// These functions are SELF-CONTAINED on purpose (no imports, no outer variables, no nested closures):
// pool.ts ships their `.toString()` into worker threads.

/** Register tile: MR rows x NR columns of C held in locals. */
export const GEMM_MR = 4;
export const GEMM_NR = 8;
/** Cache blocks: KC x NR panel of B stays in L1, MC x KC block of A in L2, KC x NC block of B in L3. */
export const GEMM_KC = 256;
export const GEMM_MC = 64;
export const GEMM_NC = 2048;

/** Everything one GEMM call (or one thread's share of it) needs; plain numbers, so it can be posted. */
export interface GemmJob {
  batch: number;
  m: number;
  k: number;
  n: number;
  aOff: number;
  aRs: number;
  aCs: number;
  strideA: number;
  bOff: number;
  bRs: number;
  bCs: number;
  strideB: number;
  cOff: number;
  ldc: number;
  strideC: number;
  /** 1: C += A*B, 0: C = A*B. */
  accumulate: number;
  /** This thread's share: flattened rows r = batchIndex*m + i in [rowFrom, rowTo), columns [colFrom, colTo). */
  rowFrom: number;
  rowTo: number;
  colFrom: number;
  colTo: number;
}

/** Packs A[i0..i0+mc)[p0..p0+kc) into 4-row panels: panel q holds kc groups of 4, zero-padded past mc. */
export function gemmPackA(a: Float32Array, off: number, rs: number, cs: number, i0: number, mc: number, p0: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let ir = 0; ir < mc; ir += 4) {
    const rows = mc - ir < 4 ? mc - ir : 4;
    const base = off + (i0 + ir) * rs + p0 * cs;
    if (rows === 4) {
      let s0 = base;
      let s1 = base + rs;
      let s2 = base + 2 * rs;
      let s3 = base + 3 * rs;
      for (let p = 0; p < kc; p++) {
        dst[d] = a[s0];
        dst[d + 1] = a[s1];
        dst[d + 2] = a[s2];
        dst[d + 3] = a[s3];
        d += 4;
        s0 += cs;
        s1 += cs;
        s2 += cs;
        s3 += cs;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < 4; r++) dst[d + r] = r < rows ? a[base + r * rs + p * cs] : 0;
        d += 4;
      }
    }
  }
}

/** Packs B[p0..p0+kc)[j0..j0+nc) into 8-column panels: panel q holds kc groups of 8, zero-padded past nc. */
export function gemmPackB(b: Float32Array, off: number, rs: number, cs: number, p0: number, kc: number, j0: number, nc: number, dst: Float64Array): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += 8) {
    const cols = nc - jr < 8 ? nc - jr : 8;
    let s = off + p0 * rs + (j0 + jr) * cs;
    if (cols === 8 && cs === 1) {
      for (let p = 0; p < kc; p++) {
        dst[d] = b[s];
        dst[d + 1] = b[s + 1];
        dst[d + 2] = b[s + 2];
        dst[d + 3] = b[s + 3];
        dst[d + 4] = b[s + 4];
        dst[d + 5] = b[s + 5];
        dst[d + 6] = b[s + 6];
        dst[d + 7] = b[s + 7];
        d += 8;
        s += rs;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < 8; c++) dst[d + c] = c < cols ? b[s + c * cs] : 0;
        d += 8;
        s += rs;
      }
    }
  }
}

/**
 * C[4 x 8 tile at cBase] (+)= packed A panel (kc x 4) * packed B panel (kc x 8), clipped to rows x cols.
 * Accumulates in doubles; C is rounded to float32 once per KC block.
 */
export function gemmMicroKernel(kc: number, pa: Float64Array, ia: number, pb: Float64Array, ib: number, c: Float32Array, cBase: number, ldc: number, rows: number, cols: number, add: number): void {
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
  if (rows === 4 && cols === 8) {
    let o = cBase;
    if (add) {
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
      c[o + 4] += c04; c[o + 5] += c05; c[o + 6] += c06; c[o + 7] += c07;
      o += ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
      c[o + 4] += c14; c[o + 5] += c15; c[o + 6] += c16; c[o + 7] += c17;
      o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
      c[o + 4] += c24; c[o + 5] += c25; c[o + 6] += c26; c[o + 7] += c27;
      o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
      c[o + 4] += c34; c[o + 5] += c35; c[o + 6] += c36; c[o + 7] += c37;
    } else {
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03;
      c[o + 4] = c04; c[o + 5] = c05; c[o + 6] = c06; c[o + 7] = c07;
      o += ldc;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13;
      c[o + 4] = c14; c[o + 5] = c15; c[o + 6] = c16; c[o + 7] = c17;
      o += ldc;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23;
      c[o + 4] = c24; c[o + 5] = c25; c[o + 6] = c26; c[o + 7] = c27;
      o += ldc;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
      c[o + 4] = c34; c[o + 5] = c35; c[o + 6] = c36; c[o + 7] = c37;
    }
    return;
  }
  // Edge tile: spill the accumulators and write only the rows x cols that exist.
  const t = [
    c00, c01, c02, c03, c04, c05, c06, c07, c10, c11, c12, c13, c14, c15, c16, c17,
    c20, c21, c22, c23, c24, c25, c26, c27, c30, c31, c32, c33, c34, c35, c36, c37,
  ];
  for (let r = 0; r < rows; r++) {
    const o = cBase + r * ldc;
    for (let q = 0; q < cols; q++) c[o + q] = add ? c[o + q] + t[r * 8 + q] : t[r * 8 + q];
  }
}

/** Runs one job (or one thread's share of it) with the BLIS loop nest jc -> pc -> ic -> jr -> ir. */
export function gemmRun(a: Float32Array, b: Float32Array, c: Float32Array, job: GemmJob, packA: Float64Array, packB: Float64Array): void {
  const KC = 256, MC = 64, NC = 2048;
  const m = job.m, k = job.k, ldc = job.ldc;
  const bFirst = Math.floor(job.rowFrom / m);
  const bLast = Math.ceil(job.rowTo / m);
  for (let bi = bFirst; bi < bLast; bi++) {
    const iStart = Math.max(job.rowFrom - bi * m, 0);
    const iEnd = Math.min(job.rowTo - bi * m, m);
    if (iEnd <= iStart) continue;
    const aOff = job.aOff + bi * job.strideA;
    const bOff = job.bOff + bi * job.strideB;
    const cOff = job.cOff + bi * job.strideC;
    if (k === 0) {
      if (!job.accumulate) for (let i = iStart; i < iEnd; i++) c.fill(0, cOff + i * ldc + job.colFrom, cOff + i * ldc + job.colTo);
      continue;
    }
    for (let jc = job.colFrom; jc < job.colTo; jc += NC) {
      const nc = Math.min(NC, job.colTo - jc);
      for (let pc = 0; pc < k; pc += KC) {
        const kc = Math.min(KC, k - pc);
        const add = pc > 0 || job.accumulate ? 1 : 0;
        gemmPackB(b, bOff, job.bRs, job.bCs, pc, kc, jc, nc, packB);
        for (let ic = iStart; ic < iEnd; ic += MC) {
          const mc = Math.min(MC, iEnd - ic);
          gemmPackA(a, aOff, job.aRs, job.aCs, ic, mc, pc, kc, packA);
          for (let jr = 0; jr < nc; jr += 8) {
            const cols = Math.min(8, nc - jr);
            const ib = (jr >> 3) * kc * 8;
            for (let ir = 0; ir < mc; ir += 4) {
              const rows = Math.min(4, mc - ir);
              gemmMicroKernel(kc, packA, (ir >> 2) * kc * 4, packB, ib, c, cOff + (ic + ir) * ldc + jc + jr, ldc, rows, cols, add);
            }
          }
        }
      }
    }
  }
}
