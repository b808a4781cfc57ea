// Emits the int8 side of the wasm module: packers for the int8 GEMM, and the dequantizing epilogues.
// Packed layouts (gemm-module.ts): A = 4-row panels, one 16-byte group per k PAIR (row r's [a_p, a_p+1] as
// i16 at byte 4r); B = 8-column panels, one 32-byte group per k pair (column q's pair at byte 4q). A k pair
// is one 32-bit lane, so packing 8 k of 4 rows (or columns) is a 4x4 transpose of 32-bit lanes.
// Epilogues turn the int32 accumulators into float32 in double lanes, in the same operation order as
// kernels/common.ts, so they give the same bits as dequantEpilogue (and the conv scatter after it).

import {
  countDown, f32x4, f64x2, forRange, get, i16x8, i32, i32c, i32x4, i8x16, ifThen, memoryFill, seq, set, v128, type Code, type Func, type ModuleBuilder,
} from './emit.js';

/** Byte lanes of a shuffle picking 32-bit lanes (0-3 from a, 4-7 from b). */
const lanes32 = (ls: number[]): number[] => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
const ZIP_LO = lanes32([0, 4, 1, 5]);
const ZIP_HI = lanes32([2, 6, 3, 7]);
const CAT_LO = lanes32([0, 1, 4, 5]);
const CAT_HI = lanes32([2, 3, 6, 7]);

/** out(t) receives [r0[t], r1[t], r2[t], r3[t]] (32-bit lanes) for t = 0..3; t0..t3 are scratch v128 locals. */
function transpose4x4(r: number[], t: number[], out: (lane: number, v: Code) => Code): Code {
  return seq(
    set(t[0]!, v128.shuffle(get(r[0]!), get(r[1]!), ZIP_LO)),
    set(t[1]!, v128.shuffle(get(r[0]!), get(r[1]!), ZIP_HI)),
    set(t[2]!, v128.shuffle(get(r[2]!), get(r[3]!), ZIP_LO)),
    set(t[3]!, v128.shuffle(get(r[2]!), get(r[3]!), ZIP_HI)),
    out(0, v128.shuffle(get(t[0]!), get(t[2]!), CAT_LO)),
    out(1, v128.shuffle(get(t[0]!), get(t[2]!), CAT_HI)),
    out(2, v128.shuffle(get(t[1]!), get(t[3]!), CAT_LO)),
    out(3, v128.shuffle(get(t[1]!), get(t[3]!), CAT_HI)),
  );
}

/** packA8(src, rs, mc, kc, dst): int8 A[i][p] at src + i*rs + p into 4-row panels of i16 k pairs, zero padded. */
function packAI8(mod: ModuleBuilder): number {
  return mod.func('packA8', Array<'i32'>(5).fill('i32'), [], (f: Func) => {
    const [src, rs, mc, kc, dst] = [0, 1, 2, 3, 4];
    const [ir, rows, s, r, p, panel, p0] = Array.from({ length: 7 }, () => f.local('i32'));
    const rv = Array.from({ length: 4 }, () => f.local('v128'));
    const tv = Array.from({ length: 4 }, () => f.local('v128'));
    // Full panels: 8 k of the 4 rows at a time, sign-extended to i16, then one k pair per 32-bit lane.
    const eightK = seq(
      ...rv.map((v, q) => set(v, v128.load8x8S(i32.add(i32.add(get(s), i32.mul(get(rs), i32c(q))), get(p))))),
      transpose4x4(rv, tv, (t, v) => v128.store(i32.add(get(dst), i32.shl(get(p), i32c(3))), v, 16 * t)),
    );
    return seq(
      set(panel, i32.shl(i32.shrU(i32.add(get(kc), i32c(1)), i32c(1)), i32c(4))),
      forRange(ir, i32c(0), get(mc), 4,
        set(rows, i32.minS(i32.sub(get(mc), get(ir)), i32c(4))),
        set(s, i32.add(get(src), i32.mul(get(ir), get(rs)))),
        ifThen(i32.or(i32.ne(get(rows), i32c(4)), i32.and(get(kc), i32c(1))), [memoryFill(get(dst), i32c(0), get(panel))]),
        set(p0, i32c(0)),
        ifThen(i32.eq(get(rows), i32c(4)), [
          set(p0, i32.and(get(kc), i32c(-8))),
          forRange(p, i32c(0), get(p0), 8, eightK),
        ]),
        forRange(r, i32c(0), get(rows), 1,
          forRange(p, get(p0), get(kc), 1,
            // element (r, p) goes to pair p>>1, row r, half p&1
            i32.store16(
              i32.add(get(dst), i32.add(i32.shl(i32.shrU(get(p), i32c(1)), i32c(4)), i32.add(i32.shl(get(r), i32c(2)), i32.shl(i32.and(get(p), i32c(1)), i32c(1))))),
              i32.load8S(i32.add(get(s), i32.add(i32.mul(get(r), get(rs)), get(p))))))),
        set(dst, i32.add(get(dst), get(panel)))));
  });
}

/** Byte lanes interleaving the i16 lanes of two vectors: low half (lanes 0-3) and high half (4-7). */
const INTERLEAVE_LO = [0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23];
const INTERLEAVE_HI = INTERLEAVE_LO.map((l) => l + 8);

/**
 * packB8(src, rs, cs, kc, nc, dst): int8 B[p][j] at src + p*rs + j*cs into 8-column panels of i16 k pairs.
 * Fast paths: row-major B (cs = 1: interleave two rows) and B stored n x k (rs = 1: two 4x4 transposes).
 */
function packBI8(mod: ModuleBuilder): number {
  return mod.func('packB8', Array<'i32'>(6).fill('i32'), [], (f: Func) => {
    const [src, rs, cs, kc, nc, dst] = [0, 1, 2, 3, 4, 5];
    const [jr, cols, s, q, p, n, panel, p0] = Array.from({ length: 8 }, () => f.local('i32'));
    const [r0, r1] = [f.local('v128'), f.local('v128')];
    const cv = Array.from({ length: 8 }, () => f.local('v128'));
    const tv = Array.from({ length: 4 }, () => f.local('v128'));
    const storePair = seq(
      v128.store(get(dst), v128.shuffle(get(r0), get(r1), INTERLEAVE_LO)),
      v128.store(get(dst), v128.shuffle(get(r0), get(r1), INTERLEAVE_HI), 16),
      set(dst, i32.add(get(dst), i32c(32))),
    );
    const rowMajor = seq(
      // Two rows of 8 bytes, sign-extended to i16 and interleaved into k pairs.
      set(n, i32.shrU(get(kc), i32c(1))),
      ifThen(get(n), [countDown(n,
        set(r0, v128.load8x8S(get(s))),
        set(r1, v128.load8x8S(i32.add(get(s), get(rs)))),
        storePair,
        set(s, i32.add(get(s), i32.shl(get(rs), i32c(1)))))]),
      ifThen(i32.and(get(kc), i32c(1)), [set(r0, v128.load8x8S(get(s))), set(r1, v128.zero()), storePair]),
    );
    /** Element (q, p) of the panel at dst: pair p>>1, column q, half p&1. */
    const scalarFrom = (from: Code): Code => forRange(q, i32c(0), get(cols), 1,
      forRange(p, from, get(kc), 1,
        i32.store16(
          i32.add(get(dst), i32.add(i32.shl(i32.shrU(get(p), i32c(1)), i32c(5)), i32.add(i32.shl(get(q), i32c(2)), i32.shl(i32.and(get(p), i32c(1)), i32c(1))))),
          i32.load8S(i32.add(get(s), i32.add(i32.mul(get(q), get(cs)), i32.mul(get(p), get(rs))))))));
    // Columns contiguous in k: 8 k of each of the 8 columns, then columns 0-3 and 4-7 transposed separately.
    const eightK = seq(
      ...cv.map((v, c) => set(v, v128.load8x8S(i32.add(i32.add(get(s), i32.mul(get(cs), i32c(c))), get(p))))),
      transpose4x4(cv.slice(0, 4), tv, (t, v) => v128.store(i32.add(get(dst), i32.shl(get(p), i32c(4))), v, 32 * t)),
      transpose4x4(cv.slice(4), tv, (t, v) => v128.store(i32.add(get(dst), i32.shl(get(p), i32c(4))), v, 32 * t + 16)),
    );
    const columnMajor = seq(
      ifThen(i32.and(get(kc), i32c(1)), [memoryFill(get(dst), i32c(0), get(panel))]),
      set(p0, i32.and(get(kc), i32c(-8))),
      forRange(p, i32c(0), get(p0), 8, eightK),
      scalarFrom(get(p0)),
      set(dst, i32.add(get(dst), get(panel))),
    );
    return seq(
      set(panel, i32.shl(i32.shrU(i32.add(get(kc), i32c(1)), i32c(1)), i32c(5))),
      forRange(jr, i32c(0), get(nc), 8,
        set(cols, i32.minS(i32.sub(get(nc), get(jr)), i32c(8))),
        set(s, i32.add(get(src), i32.mul(get(jr), get(cs)))),
        ifThen(i32.and(i32.eq(get(cols), i32c(8)), i32.eq(get(cs), i32c(1))), [rowMajor], [
          ifThen(i32.and(i32.eq(get(cols), i32c(8)), i32.eq(get(rs), i32c(1))), [columnMajor], [
            memoryFill(get(dst), i32c(0), get(panel)),
            scalarFrom(i32c(0)),
            set(dst, i32.add(get(dst), get(panel))),
          ]),
        ])));
  });
}

/**
 * The epilogue loop over a rows x cols block of int32 C (row stride ldc bytes) into float32 out (row stride
 * ldo bytes; out may be C itself), 4 columns at a time: `value(acc, j)` gives the f32x4 from the i32x4 in
 * local acc. Past the last column lanes are computed from whatever follows (read, never written, there).
 */
function epilogueLoop(f: Func, c: number, ldc: number, rows: number, cols: number, out: number, ldo: number,
  perRow: (i: number) => Code, value: (acc: number, j: number) => Code): Code {
  const [i, j, cp, op] = Array.from({ length: 4 }, () => f.local('i32'));
  const [acc, y] = [f.local('v128'), f.local('v128')];
  const left = (): Code => i32.sub(get(cols), get(j));
  const at = (base: number): Code => i32.add(get(base), i32.shl(get(j), i32c(2)));
  return forRange(i, i32c(0), get(rows), 1,
    set(cp, i32.add(get(c), i32.mul(get(i), get(ldc)))),
    set(op, i32.add(get(out), i32.mul(get(i), get(ldo)))),
    perRow(i),
    forRange(j, i32c(0), get(cols), 4,
      set(acc, v128.load(at(cp))),
      set(y, value(acc, j)),
      ifThen(i32.geS(left(), i32c(4)), [v128.store(at(op), get(y))], [
        v128.store32Lane(at(op), get(y), 0),
        ifThen(i32.geS(left(), i32c(2)), [v128.store32Lane(at(op), get(y), 1, 4)]),
        ifThen(i32.geS(left(), i32c(3)), [v128.store32Lane(at(op), get(y), 2, 8)]),
      ])));
}

/** Both halves of an i32x4 as f64x2 (exact). */
const lowHalf = (v: number): Code => f64x2.convertLowI32x4S(get(v));
const highHalf = (v: number): Code => f64x2.convertLowI32x4S(v128.shuffle(get(v), get(v), lanes32([2, 3, 2, 3])));
/** Two f64x2 rounded to float32 and joined into one f32x4. */
const join = (lo: Code, hi: Code): Code => v128.shuffle(f32x4.demoteF64x2Zero(lo), f32x4.demoteF64x2Zero(hi), CAT_LO);
/** relu as in JS (`v < 0 ? 0 : v`, NaN kept) where mask is all ones, identity where it is zero. */
const reluWhere = (v: number, mask: number, zero: number): Code => v128.andNot(get(v), v128.and(f64x2.lt(get(v), get(zero)), get(mask)));
const splatF64 = (table: number, i: number): Code => v128.load64Splat(i32.add(get(table), i32.shl(get(i), i32c(3))));
const reluMask = (relu: number): Code => i32x4.splat(i32.sub(i32c(0), i32.ne(get(relu), i32c(0))));

/**
 * dequant(c, ldc, rows, cols, out, ldo, rowScale, rowOff, colScale, colOff, colBias, relu): the GEMM epilogue,
 * out = f32(((acc + rowOff[i] + colOff[j]) * rowScale[i]) * colScale[j] + colBias[j]), relu if relu != 0.
 * Tables are f64 (offsets: the exact zero-point corrections); column tables need 3 readable f64 past cols.
 */
function dequantGemm(mod: ModuleBuilder): number {
  return mod.func('dequant', Array<'i32'>(12).fill('i32'), [], (f: Func) => {
    const [c, ldc, rows, cols, out, ldo, rowScale, rowOff, colScale, colOff, colBias, relu] = Array.from({ length: 12 }, (_, k) => k);
    const [sa, ro, mask, zero, lo, hi] = Array.from({ length: 6 }, () => f.local('v128'));
    const col = (table: number, j: number, h: number): Code => v128.load(i32.add(get(table), i32.shl(get(j), i32c(3))), 16 * h);
    const half = (v: Code, j: number, h: number): Code => {
      const exact = f64x2.add(f64x2.add(v, get(ro)), col(colOff, j, h));
      return f64x2.add(f64x2.mul(f64x2.mul(exact, get(sa)), col(colScale, j, h)), col(colBias, j, h));
    };
    return seq(
      set(mask, reluMask(relu)),
      epilogueLoop(f, c, ldc, rows, cols, out, ldo,
        (i) => seq(set(sa, splatF64(rowScale, i)), set(ro, splatF64(rowOff, i))),
        (acc, j) => seq(
          set(lo, half(lowHalf(acc), j, 0)),
          set(hi, half(highHalf(acc), j, 1)),
          join(reluWhere(lo, mask, zero), reluWhere(hi, mask, zero)))));
  });
}

/**
 * dequantConv(c, ldc, rows, cols, out, ldo, rowScale, rowOff, colScale, rowBias, relu): the quantized conv's
 * epilogue and scatter in one pass, rows = output channels (A = filters), colScale one f64 (the input's scale):
 * r = f32(((acc + rowOff[i]) * rowScale[i]) * colScale + 0), out = f32(r + rowBias[i]), relu if relu != 0.
 */
function dequantConv(mod: ModuleBuilder): number {
  return mod.func('dequantConv', Array<'i32'>(11).fill('i32'), [], (f: Func) => {
    const [c, ldc, rows, cols, out, ldo, rowScale, rowOff, colScale, rowBias, relu] = Array.from({ length: 11 }, (_, k) => k);
    const [sa, ro, sb, bias, mask, zero, lo, hi, r] = Array.from({ length: 9 }, () => f.local('v128'));
    const scaled = (v: Code): Code => f64x2.add(f64x2.mul(f64x2.mul(f64x2.add(v, get(ro)), get(sa)), get(sb)), get(zero));
    const biased = (v: Code): Code => f64x2.add(f64x2.promoteLowF32x4(v), get(bias));
    return seq(
      set(mask, reluMask(relu)),
      set(sb, v128.load64Splat(get(colScale))),
      epilogueLoop(f, c, ldc, rows, cols, out, ldo,
        (i) => seq(set(sa, splatF64(rowScale, i)), set(ro, splatF64(rowOff, i)), set(bias, splatF64(rowBias, i))),
        (acc, j) => seq(
          set(r, join(scaled(lowHalf(acc)), scaled(highHalf(acc)))),
          set(lo, biased(get(r))),
          set(hi, biased(v128.shuffle(get(r), get(r), lanes32([2, 3, 2, 3])))),
          join(reluWhere(lo, mask, zero), reluWhere(hi, mask, zero)))));
  });
}


/**
 * quantize(src, n16, dst, params): dst[i] = clamp(nearest(src[i] * inv) + zeroPoint, qmin, qmax) as int8 for the
 * first 16*n16 floats, where params holds f32 [inv, zeroPoint, qmin, qmax]: the product in float32 and rounded half
 * to even, as PyTorch quantizes (kernels/cpu/quantize.ts). NaN becomes 0 (min/max keep it, the saturating truncation
 * makes it 0), as when JS stores it in an Int8Array.
 */
function quantize(mod: ModuleBuilder): number {
  return mod.func('quantize', ['i32', 'i32', 'i32', 'i32'], [], (f: Func) => {
    const [src, n16, dst, params] = [0, 1, 2, 3];
    const [inv, zp, qmin, qmax] = Array.from({ length: 4 }, () => f.local('v128'));
    const q = Array.from({ length: 4 }, () => f.local('v128'));
    const four = (k: number): Code =>
      set(q[k]!, i32x4.truncSatF32x4S(f32x4.min(get(qmax), f32x4.max(get(qmin), f32x4.add(f32x4.nearest(f32x4.mul(v128.load(get(src), 16 * k), get(inv))), get(zp))))));
    return seq(
      ...[inv, zp, qmin, qmax].map((l, i) => set(l, v128.load32Splat(get(params), 4 * i))),
      ifThen(get(n16), [countDown(n16,
        four(0), four(1), four(2), four(3),
        v128.store(get(dst), i8x16.narrowI16x8S(i16x8.narrowI32x4S(get(q[0]!), get(q[1]!)), i16x8.narrowI32x4S(get(q[2]!), get(q[3]!)))),
        set(src, i32.add(get(src), i32c(64))),
        set(dst, i32.add(get(dst), i32c(16))))]));
  });
}

/** Adds the int8 functions to the GEMM module: packA8, packB8, dequant, dequantConv, quantize. */
export function emitInt8(mod: ModuleBuilder): void {
  packAI8(mod);
  packBI8(mod);
  dequantGemm(mod);
  dequantConv(mod);
  quantize(mod);
}
