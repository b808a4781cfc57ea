// The wasm assembler: LEB128 against known encodings, and small modules that must validate and compute.

import { describe, expect, it } from 'vitest';
import { countDown, f32x4, forRange, get, i16x8, i32, i32c, i32x4, ifThen, ModuleBuilder, seq, set, sleb128, uleb128, v128 } from '../../../../kernels/cpu/wasm/emit.js';

interface Api {
  validate(b: Uint8Array): boolean;
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...args: number[]) => number> };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;

/** Instantiates a module over a fresh one-page memory. */
function instantiate(mod: ModuleBuilder): { fns: Record<string, (...args: number[]) => number>; mem: ArrayBuffer } {
  const memory = new WA.Memory({ initial: 1, maximum: 1 });
  const bytes = mod.bytes();
  expect(WA.validate(bytes)).toBe(true);
  return { fns: new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports, mem: memory.buffer };
}

describe('wasm emitter', () => {
  it('encodes unsigned LEB128 (spec and DWARF examples)', () => {
    expect(uleb128(0)).toEqual([0x00]);
    expect(uleb128(127)).toEqual([0x7f]);
    expect(uleb128(128)).toEqual([0x80, 0x01]);
    expect(uleb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb128(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('encodes signed LEB128', () => {
    expect(sleb128(0)).toEqual([0x00]);
    expect(sleb128(63)).toEqual([0x3f]);
    expect(sleb128(64)).toEqual([0xc0, 0x00]);
    expect(sleb128(-1)).toEqual([0x7f]);
    expect(sleb128(-64)).toEqual([0x40]);
    expect(sleb128(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb128(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('builds a module whose scalar loop computes sum(0..n-1) and whose i32.const round-trips negatives', () => {
    const mod = new ModuleBuilder();
    mod.importMemory({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
    mod.func('sum', ['i32'], ['i32'], (f) => {
      const i = f.local('i32'), s = f.local('i32');
      return seq(forRange(i, i32c(0), get(0), 1, set(s, i32.add(get(s), get(i)))), get(s));
    });
    mod.func('neg', [], ['i32'], () => i32c(-100000));
    mod.func('countdown', ['i32'], ['i32'], (f) => {
      const s = f.local('i32');
      return seq(ifThen(get(0), [countDown(0, set(s, i32.add(get(s), i32c(3))))]), get(s));
    });
    const { fns } = instantiate(mod);
    expect(fns.sum!(10)).toBe(45);
    expect(fns.sum!(0)).toBe(0);
    expect(fns.neg!()).toBe(-100000);
    expect(fns.countdown!(7)).toBe(21);
  });

  it('emits SIMD ops that compute: f32x4 multiply-add with a splat, and i32x4.dot_i16x8_s', () => {
    const mod = new ModuleBuilder();
    mod.importMemory({ module: 'env', name: 'memory', initialPages: 1, maximumPages: 1, shared: false });
    // mem[32..48) = mem[0..16) + splat(mem[16]) * mem[0..16)
    mod.func('fma', [], [], () => v128.store(i32c(32), f32x4.add(v128.load(i32c(0)), f32x4.mul(v128.load32Splat(i32c(16)), v128.load(i32c(0))))));
    // mem[96..112) = dot(load8x8_s(mem[64..72)), load8x8_s(mem[72..80)))
    mod.func('dot', [], [], () => v128.store(i32c(96), i32x4.dotI16x8S(v128.load8x8S(i32c(64)), v128.load8x8S(i32c(72)))));
    // The same dot product from one 16-byte load, widened low and high half.
    mod.func('dotWiden', [], [], () => v128.store(i32c(112), i32x4.dotI16x8S(i16x8.extendLowI8x16S(v128.load(i32c(64))), i16x8.extendHighI8x16S(v128.load(i32c(64))))));
    const { fns, mem } = instantiate(mod);
    new Float32Array(mem, 0, 5).set([1, -2, 3.5, 4, 0.5]);
    fns.fma!();
    expect(Array.from(new Float32Array(mem, 32, 4))).toEqual([1.5, -3, 5.25, 6]);
    new Int8Array(mem, 64, 16).set([-128, -128, 127, -128, 1, 2, 3, 4, -128, -128, 127, 127, 5, 6, 7, 8]);
    fns.dot!();
    expect(Array.from(new Int32Array(mem, 96, 4))).toEqual([32768, 127 * 127 - 128 * 127, 1 * 5 + 2 * 6, 3 * 7 + 4 * 8]);
    fns.dotWiden!();
    expect(Array.from(new Int32Array(mem, 112, 4))).toEqual([32768, 127 * 127 - 128 * 127, 1 * 5 + 2 * 6, 3 * 7 + 4 * 8]);
  });

  it('produces bytes the validator rejects when the code is ill-typed (so validation really checks)', () => {
    const mod = new ModuleBuilder();
    mod.func('bad', [], ['i32'], () => f32x4.splat(i32c(1)));
    expect(WA.validate(mod.bytes())).toBe(false);
  });
});
