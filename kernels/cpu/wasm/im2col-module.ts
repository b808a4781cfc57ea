// Emits im2col and col2im for the wasm conv2d path, so a conv's patch matrix is built (and scattered back)
// inside the wasm memory, next to the GEMM that reads it, instead of in JS and then copied over.
// Layout as conv2d.ts: col is [cinG*kH*kW rows, hOut*wOut] with row stride `ld` bytes; x is one NCHW image.
// im2col8 is the int8 twin for the quantized conv: bytes, padding filled with the input's zero point.

import { f32, f32c, forRange, get, i32, i32c, i64, ifThen, memoryFill, seq, set, v128, whileLoop, type Code, type Func, type ModuleBuilder } from './emit.js';

const PARAMS = ['x', 'H', 'W', 'cinG', 'kH', 'kW', 'sH', 'sW', 'pH', 'pW', 'dH', 'dW', 'hOut', 'wOut', 'col', 'ld'] as const;
const LOCALS = ['c', 'kh', 'kw', 'oh', 'ow', 'xc', 'dst', 'iwShift', 'owLo', 'owHi', 'ih', 'o', 'src', 'sW4'] as const;
/** Local indices by name: the parameters, then the loop's own locals. */
type Vars = Record<(typeof PARAMS)[number] | (typeof LOCALS)[number], number>;

/**
 * The loop nest both directions share: for every patch row (c, kh, kw) and output row oh whose input row
 * lies inside the image, `inside(o, src)` gets the byte address of col row segment oh and of input pixel
 * (ih, iwShift); outside columns [0, owLo) and [owHi, wOut) and rows off the image go to `outside(o)`.
 * Elements are 1 << shift bytes.
 */
function patchLoops(f: Func, inside: (v: Vars) => Code, outside: (v: Vars) => Code, shift = 2): Code {
  const v = Object.fromEntries([...PARAMS.map((name, i) => [name, i]), ...LOCALS.map((name) => [name, f.local('i32')])]) as Vars;
  const p = v, l = v;
  // First ow whose input column ow*sW + iwShift reaches `limit`.
  const firstReaching = (ow: number, limit: Code): Code =>
    whileLoop(i32.and(i32.ltS(get(ow), get(p.wOut)), i32.ltS(i32.add(i32.mul(get(ow), get(p.sW)), get(l.iwShift)), limit)),
      set(ow, i32.add(get(ow), i32c(1))));
  return seq(
    set(l.dst, get(p.col)),
    set(l.sW4, i32.shl(get(p.sW), i32c(shift))),
    forRange(l.c, i32c(0), get(p.cinG), 1,
      set(l.xc, i32.add(get(p.x), i32.shl(i32.mul(get(l.c), i32.mul(get(p.H), get(p.W))), i32c(shift)))),
      forRange(l.kh, i32c(0), get(p.kH), 1,
        forRange(l.kw, i32c(0), get(p.kW), 1,
          set(l.iwShift, i32.sub(i32.mul(get(l.kw), get(p.dW)), get(p.pW))),
          set(l.owLo, i32c(0)),
          firstReaching(l.owLo, i32c(0)),
          set(l.owHi, get(l.owLo)),
          firstReaching(l.owHi, get(p.W)),
          forRange(l.oh, i32c(0), get(p.hOut), 1,
            set(l.ih, i32.add(i32.sub(i32.mul(get(l.oh), get(p.sH)), get(p.pH)), i32.mul(get(l.kh), get(p.dH)))),
            set(l.o, i32.add(get(l.dst), i32.shl(i32.mul(get(l.oh), get(p.wOut)), i32c(shift)))),
            // Unsigned compare: a negative ih is huge, so one test covers both ends.
            ifThen(i32.ltU(get(l.ih), get(p.H)), [
              set(l.src, i32.add(get(l.xc), i32.shl(i32.add(i32.mul(get(l.ih), get(p.W)), get(l.iwShift)), i32c(shift)))),
              inside(v),
            ], [outside(v)])),
          set(l.dst, i32.add(get(l.dst), get(p.ld))),
        ))));
}

const at = (base: number, idx: number, scale: Code = i32c(4)): Code => i32.add(get(base), i32.mul(get(idx), scale));

/** im2col(x, H, W, cinG, kH, kW, sH, sW, pH, pW, dH, dW, hOut, wOut, col, ld): all addresses in bytes. */
export function emitIm2col(mod: ModuleBuilder): number {
  return mod.func('im2col', PARAMS.map(() => 'i32' as const), [], (f) => patchLoops(f,
    (v) => seq(
      forRange(v.ow, i32c(0), get(v.owLo), 1, f32.store(at(v.o, v.ow), f32c(0))),
      forRange(v.ow, get(v.owLo), get(v.owHi), 1, f32.store(at(v.o, v.ow), f32.load(at(v.src, v.ow, get(v.sW4))))),
      forRange(v.ow, get(v.owHi), get(v.wOut), 1, f32.store(at(v.o, v.ow), f32c(0))),
    ),
    (v) => forRange(v.ow, i32c(0), get(v.wOut), 1, f32.store(at(v.o, v.ow), f32c(0)))));
}

/** col2im(...same params): x[c][ih][iw] += col[row][oh*wOut + ow] for every patch element inside the image (x = dx). */
export function emitCol2im(mod: ModuleBuilder): number {
  return mod.func('col2im', PARAMS.map(() => 'i32' as const), [], (f) => patchLoops(f,
    (v) => forRange(v.ow, get(v.owLo), get(v.owHi), 1,
      f32.store(at(v.src, v.ow, get(v.sW4)), f32.add(f32.load(at(v.src, v.ow, get(v.sW4))), f32.load(at(v.o, v.ow))))),
    () => []));
}

/**
 * im2col8(...the same params, pad): int8 patches, one byte each, cells off the image set to `pad` (the
 * activations' zero point, a real 0). Stride-1 rows move 16 and 8 bytes at a time.
 */
export function emitIm2col8(mod: ModuleBuilder): number {
  return mod.func('im2col8', [...PARAMS.map(() => 'i32' as const), 'i32'], [], (f) => {
    const pad = PARAMS.length;
    const fillBytes = (v: Vars, from: Code, to: Code): Code => forRange(v.ow, from, to, 1, i32.store8(i32.add(get(v.o), get(v.ow)), get(pad)));
    const ow = (v: Vars): Code => get(v.ow);
    const fits = (v: Vars, n: number): Code => i32.geS(get(v.owHi), i32.add(ow(v), i32c(n)));
    const step = (v: Vars, n: number): Code => set(v.ow, i32.add(ow(v), i32c(n)));
    const contiguous = (v: Vars): Code => seq(
      set(v.ow, get(v.owLo)),
      whileLoop(fits(v, 16), v128.store(i32.add(get(v.o), ow(v)), v128.load(i32.add(get(v.src), ow(v)))), step(v, 16)),
      whileLoop(fits(v, 8), i64.store(i32.add(get(v.o), ow(v)), i64.load(i32.add(get(v.src), ow(v)))), step(v, 8)),
      whileLoop(fits(v, 1), i32.store8(i32.add(get(v.o), ow(v)), i32.load8U(i32.add(get(v.src), ow(v)))), step(v, 1)));
    const strided = (v: Vars): Code => forRange(v.ow, get(v.owLo), get(v.owHi), 1,
      i32.store8(i32.add(get(v.o), ow(v)), i32.load8U(i32.add(get(v.src), i32.mul(ow(v), get(v.sW))))));
    return patchLoops(f,
      (v) => seq(
        fillBytes(v, i32c(0), get(v.owLo)),
        ifThen(i32.eq(get(v.sW), i32c(1)), [contiguous(v)], [strided(v)]),
        fillBytes(v, get(v.owHi), get(v.wOut))),
      (v) => memoryFill(get(v.o), get(pad), get(v.wOut)),
      0);
  });
}
