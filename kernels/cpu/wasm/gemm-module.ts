// Emits the WebAssembly SIMD GEMM module: packers and a 4x8 register-tiled micro-kernel for f32 and int8.
// Layout: packed A = panels of 4 rows, one 16-byte group per k step; packed B = panels of 8 columns, one
// 32-byte group per k step. f32: a step is one k (4 x f32 | 8 x f32). int8: a step is a PAIR of k, stored
// as i16 (A: 4 rows x [a_p, a_p+1]; B: 8 columns x [b_p, b_p+1]) so i32x4.dot_i16x8_s does 2 MACs per lane.
// Numerics: f32 sums k in order in float32 (mul then add, no FMA), continuing from C when `add`, so a C
// element's bits depend only on its row, column and k, never on tiling or threads. int8 sums exactly in i32.
// All addresses and strides are in BYTES; the functions import their memory as env.memory.

import { emitCol2im, emitIm2col, emitIm2col8 } from './im2col-module.js';
import { emitInt8 } from './int8-module.js';
import { call, countDown, f32, f32x4, forRange, get, i32, i32c, i32x4, ifThen, memoryFill, ModuleBuilder, seq, set, v128, type Code, type Func } from './emit.js';

/** Micro-tile: MR rows x NR columns of C in eight v128 accumulators. */
export const WASM_MR = 4;
export const WASM_NR = 8;

export interface GemmModuleOptions {
  /** Shared memory (needed for the worker pool); needs SharedArrayBuffer. */
  shared: boolean;
  initialPages: number;
  maximumPages: number;
}

type Update = (acc: Code, a: Code, b: Code) => Code;
const f32Update: Update = (acc, a, b) => f32x4.add(acc, f32x4.mul(a, b));
const i8Update: Update = (acc, a, b) => i32x4.add(acc, i32x4.dotI16x8S(a, b));

/**
 * kernel(steps >= 1, pa, pb, c, ldc, add): C[4 x 8 at c] (+)= packed A panel x packed B panel.
 * Accumulators start from C when add != 0 (else zero: locals start zeroed).
 */
function microKernel(mod: ModuleBuilder, update: Update): number {
  return mod.func(null, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f: Func) => {
    const [steps, pa, pb, c, ldc, add] = [0, 1, 2, 3, 4, 5];
    const acc = Array.from({ length: 8 }, () => f.local('v128'));
    const a = f.local('v128'), b0 = f.local('v128'), b1 = f.local('v128');
    const row = [c, f.local('i32'), f.local('i32'), f.local('i32')];
    // One k step per pass: unrolled bodies let TurboFan hoist all their loads and spill accumulators
    // (measured: 4x unrolled runs at half the speed).
    const step = seq(
      set(b0, v128.load(get(pb))),
      set(b1, v128.load(get(pb), 16)),
      ...[0, 1, 2, 3].map((r) => seq(
        set(a, v128.load32Splat(get(pa), 4 * r)),
        set(acc[2 * r]!, update(get(acc[2 * r]!), get(a), get(b0))),
        set(acc[2 * r + 1]!, update(get(acc[2 * r + 1]!), get(a), get(b1))),
      )),
      set(pa, i32.add(get(pa), i32c(16))),
      set(pb, i32.add(get(pb), i32c(32))),
    );
    const eachAcc = (fn: (r: number, h: number) => Code): Code => seq(...[0, 1, 2, 3].flatMap((r) => [fn(r, 0), fn(r, 1)]));
    return seq(
      ...[1, 2, 3].map((r) => set(row[r]!, i32.add(get(row[r - 1]!), get(ldc)))),
      ifThen(get(add), [eachAcc((r, h) => set(acc[2 * r + h]!, v128.load(get(row[r]!), 16 * h)))]),
      countDown(steps, step),
      eachAcc((r, h) => v128.store(get(row[r]!), get(acc[2 * r + h]!), 16 * h)),
    );
  });
}

/**
 * macro(mc, nc, steps, pa, pb, c, ldc, add, scratch): every 4x8 tile of an mc x nc block of C from packed
 * A (mc rows) and packed B (nc columns). Edge tiles run on a 4x8 scratch tile and copy rows x cols back.
 */
function macroKernel(mod: ModuleBuilder, name: string, kernel: number): number {
  return mod.func(name, Array<'i32'>(9).fill('i32'), [], (f: Func) => {
    const [mc, nc, steps, pa, pb, c, ldc, add, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const [jr, ir, cols, rows, aPanel, bj, ai, ct, r, q] = Array.from({ length: 10 }, () => f.local('i32'));
    /** Copies a rows x cols tile of 4-byte elements between (from, ldFrom) and (to, ldTo). */
    const copyTile = (from: Code, ldFrom: Code, to: Code, ldTo: Code): Code => forRange(r, i32c(0), get(rows), 1,
      forRange(q, i32c(0), get(cols), 1,
        i32.store(
          i32.add(i32.add(to, i32.mul(get(r), ldTo)), i32.shl(get(q), i32c(2))),
          i32.load(i32.add(i32.add(from, i32.mul(get(r), ldFrom)), i32.shl(get(q), i32c(2)))))));
    return seq(
      set(aPanel, i32.mul(get(steps), i32c(16))),
      set(bj, get(pb)),
      forRange(jr, i32c(0), get(nc), 8,
        set(cols, i32.minS(i32.sub(get(nc), get(jr)), i32c(8))),
        set(ai, get(pa)),
        forRange(ir, i32c(0), get(mc), 4,
          set(rows, i32.minS(i32.sub(get(mc), get(ir)), i32c(4))),
          set(ct, i32.add(get(c), i32.add(i32.mul(get(ir), get(ldc)), i32.shl(get(jr), i32c(2))))),
          ifThen(i32.and(i32.eq(get(rows), i32c(4)), i32.eq(get(cols), i32c(8))),
            [call(kernel, get(steps), get(ai), get(bj), get(ct), get(ldc), get(add))],
            [
              ifThen(get(add), [copyTile(get(ct), get(ldc), get(scratch), i32c(32))]),
              call(kernel, get(steps), get(ai), get(bj), get(scratch), i32c(32), get(add)),
              copyTile(get(scratch), i32c(32), get(ct), get(ldc)),
            ]),
          set(ai, i32.add(get(ai), get(aPanel))),
        ),
        set(bj, i32.add(get(bj), i32.shl(get(aPanel), i32c(1)))),
      ),
    );
  });
}

/** packA(src, rs, cs, mc, kc, dst): f32 A[i][p] at src + i*rs + p*cs into 4-row panels, zero past mc. */
function packAF32(mod: ModuleBuilder): number {
  return mod.func('packA', Array<'i32'>(6).fill('i32'), [], (f: Func) => {
    const [src, rs, cs, mc, kc, dst] = [0, 1, 2, 3, 4, 5];
    const [ir, rows, s, r, p, n] = Array.from({ length: 6 }, () => f.local('i32'));
    const fullPanel = seq(
      set(n, get(kc)),
      ifThen(i32.eq(get(rs), i32c(4)), [
        // Transposed A: the 4 rows of a k step are adjacent.
        countDown(n, v128.store(get(dst), v128.load(get(s))), set(s, i32.add(get(s), get(cs))), set(dst, i32.add(get(dst), i32c(16)))),
      ], [
        countDown(n,
          ...[0, 1, 2, 3].map((q) => f32.store(get(dst), f32.load(i32.add(get(s), i32.mul(get(rs), i32c(q)))), 4 * q)),
          set(s, i32.add(get(s), get(cs))), set(dst, i32.add(get(dst), i32c(16)))),
      ]),
    );
    const edgePanel = seq(
      memoryFill(get(dst), i32c(0), i32.mul(get(kc), i32c(16))),
      forRange(r, i32c(0), get(rows), 1,
        forRange(p, i32c(0), get(kc), 1,
          f32.store(i32.add(get(dst), i32.add(i32.shl(get(p), i32c(4)), i32.shl(get(r), i32c(2)))),
            f32.load(i32.add(get(s), i32.add(i32.mul(get(r), get(rs)), i32.mul(get(p), get(cs)))))))),
      set(dst, i32.add(get(dst), i32.mul(get(kc), i32c(16)))),
    );
    return forRange(ir, i32c(0), get(mc), 4,
      set(rows, i32.minS(i32.sub(get(mc), get(ir)), i32c(4))),
      set(s, i32.add(get(src), i32.mul(get(ir), get(rs)))),
      ifThen(i32.eq(get(rows), i32c(4)), [fullPanel], [edgePanel]));
  });
}

/** packB(src, rs, cs, kc, nc, dst): f32 B[p][j] at src + p*rs + j*cs into 8-column panels, zero past nc. */
function packBF32(mod: ModuleBuilder): number {
  return mod.func('packB', Array<'i32'>(6).fill('i32'), [], (f: Func) => {
    const [src, rs, cs, kc, nc, dst] = [0, 1, 2, 3, 4, 5];
    const [jr, cols, s, q, p, n] = Array.from({ length: 6 }, () => f.local('i32'));
    return forRange(jr, i32c(0), get(nc), 8,
      set(cols, i32.minS(i32.sub(get(nc), get(jr)), i32c(8))),
      set(s, i32.add(get(src), i32.mul(get(jr), get(cs)))),
      ifThen(i32.and(i32.eq(get(cols), i32c(8)), i32.eq(get(cs), i32c(4))), [
        set(n, get(kc)),
        countDown(n,
          v128.store(get(dst), v128.load(get(s))),
          v128.store(get(dst), v128.load(get(s), 16), 16),
          set(s, i32.add(get(s), get(rs))), set(dst, i32.add(get(dst), i32c(32)))),
      ], [
        ifThen(i32.ne(get(cols), i32c(8)), [memoryFill(get(dst), i32c(0), i32.mul(get(kc), i32c(32)))]),
        forRange(q, i32c(0), get(cols), 1,
          forRange(p, i32c(0), get(kc), 1,
            f32.store(i32.add(get(dst), i32.add(i32.shl(get(p), i32c(5)), i32.shl(get(q), i32c(2)))),
              f32.load(i32.add(get(s), i32.add(i32.mul(get(q), get(cs)), i32.mul(get(p), get(rs)))))))),
        set(dst, i32.add(get(dst), i32.mul(get(kc), i32c(32)))),
      ]));
  });
}

/**
 * The whole module's bytes: exports packA, packB, macro (f32), packA8, packB8, macro8, dequant, dequantConv
 * (int8, int8-module.ts), im2col, col2im, im2col8.
 */
export function buildGemmModule(opts: GemmModuleOptions): Uint8Array {
  const mod = new ModuleBuilder();
  mod.importMemory({ module: 'env', name: 'memory', initialPages: opts.initialPages, maximumPages: opts.maximumPages, shared: opts.shared });
  macroKernel(mod, 'macro', microKernel(mod, f32Update));
  macroKernel(mod, 'macro8', microKernel(mod, i8Update));
  packAF32(mod);
  packBF32(mod);
  emitInt8(mod);
  emitIm2col(mod);
  emitCol2im(mod);
  emitIm2col8(mod);
  return mod.bytes();
}
