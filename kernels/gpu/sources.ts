// gpu.js kernel sources, generated per shape with every size baked in as a literal (one compile per
// shape, cached by the backend), so GL loops have constant bounds and no loopMaxIterations cap applies.
// Sources are strings, not functions, so no TypeScript/esbuild transform can reach gpu.js's parser.
// One output cell per thread; inputs are flat row-major arrays (gpu.js packs them into textures in GL).

import type { Conv2dParams } from '../backend.js';

/** float32 sums integers exactly up to 2^24; an int8 product is at most 2^14, so 2^10 products per chunk. */
export const INT8_CHUNK_MAX = 1024;

export interface MatmulShape {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
}

/** C[z][i][j] = sum_p A[z][i][p] * B[z][p][j]; output [n, m] or [n, m, batch] (gpu.js order: x, y, z). */
export function matmulSource(s: MatmulShape): string {
  const aIdx = s.transA ? `p * ${s.m} + i` : `i * ${s.k} + p`;
  const bIdx = s.transB ? `j * ${s.k} + p` : `p * ${s.n} + j`;
  const aOff = s.batch > 1 && s.strideA > 0 ? `this.thread.z * ${s.strideA} + ` : '';
  const bOff = s.batch > 1 && s.strideB > 0 ? `this.thread.z * ${s.strideB} + ` : '';
  return `function matmul(a, b) {
  const i = this.thread.y;
  const j = this.thread.x;
  let sum = 0.0;
  for (let p = 0; p < ${s.k}; p++) {
    sum += a[${aOff}${aIdx}] * b[${bOff}${bIdx}];
  }
  return sum;
}`;
}

export interface Int8Plan {
  /** Number of k-chunks, each summed on the device into its own output plane. */
  chunks: number;
  /** Products per chunk (<= INT8_CHUNK_MAX); k is zero-padded to chunks * chunkK. */
  chunkK: number;
}

/** Balanced chunks of at most `max` products (so padding is below `chunks`). */
export function int8Plan(k: number, max = INT8_CHUNK_MAX): Int8Plan {
  const chunks = Math.max(1, Math.ceil(k / max));
  return { chunks, chunkK: Math.ceil(k / chunks) };
}

/**
 * Partial int8 dot products: plane z holds sum over p in chunk z of A[i][p] * B[p][j] (B[j][p] with
 * transB) on the zero-padded operands of inner size kPad = chunks * chunkK; every partial is an integer
 * below 2^24 in magnitude, so float32 holds it exactly. Output [n, m] or [n, m, chunks].
 */
export function int8ChunkSource(m: number, kPad: number, n: number, transB: boolean, plan: Int8Plan): string {
  const base = plan.chunks > 1 ? `this.thread.z * ${plan.chunkK} + ` : '';
  const bIdx = transB ? `j * ${kPad} + kk` : `kk * ${n} + j`;
  return `function int8Chunk(a, b) {
  const i = this.thread.y;
  const j = this.thread.x;
  let sum = 0.0;
  for (let p = 0; p < ${plan.chunkK}; p++) {
    const kk = ${base}p;
    sum += a[i * ${kPad} + kk] * b[${bIdx}];
  }
  return sum;
}`;
}

/**
 * Direct conv2d, NCHW x [Cout, Cin/g, kH, kW]; output [wOut, hOut, batch * Cout]. Image and channel come
 * from thread.z by float division: floor((z + 0.5) / Cout) sits 0.5/Cout from any integer, more than the
 * error of GLSL's division (2.5 ulp) while z < 2^18, which the caller checks.
 */
export function conv2dSource(p: Conv2dParams): string {
  const cinG = p.inChannels / p.groups;
  const coutG = p.outChannels / p.groups;
  return `function conv2d(x, w, bias) {
  const ox = this.thread.x;
  const oy = this.thread.y;
  const z = this.thread.z;
  const img = Math.floor((z + 0.5) / ${p.outChannels});
  const co = z - img * ${p.outChannels};
  const g = Math.floor((co + 0.5) / ${coutG});
  let sum = bias[co];
  for (let ci = 0; ci < ${cinG}; ci++) {
    const xPlane = (img * ${p.inChannels} + g * ${cinG} + ci) * ${p.inHeight};
    const wPlane = (co * ${cinG} + ci) * ${p.kernelH};
    for (let ky = 0; ky < ${p.kernelH}; ky++) {
      const iy = oy * ${p.strideH} - ${p.padH} + ky * ${p.dilationH};
      if (iy >= 0 && iy < ${p.inHeight}) {
        for (let kx = 0; kx < ${p.kernelW}; kx++) {
          const ix = ox * ${p.strideW} - ${p.padW} + kx * ${p.dilationW};
          if (ix >= 0 && ix < ${p.inWidth}) {
            sum += x[(xPlane + iy) * ${p.inWidth} + ix] * w[(wPlane + ky) * ${p.kernelW} + kx];
          }
        }
      }
    }
  }
  return sum;
}`;
}
