// A tiny WebAssembly assembler: just enough of the binary format to write the GEMM kernels in readable
// TypeScript. Code is "folded": every helper takes its operands as already-emitted byte arrays and
// returns operands + opcode, so `f32x4.add(get(acc), f32x4.mul(get(a), get(b)))` reads like the math.
// Control flow is structured only (block/loop/if), so branch depths stay local to each helper.

/** Emitted bytes of an expression or a sequence of statements. */
export type Code = number[];
export type ValType = 'i32' | 'f32' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** Unsigned LEB128 of a non-negative integer below 2^53. */
export function uleb128(n: number): Code {
  const out: Code = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** Signed LEB128 of an integer with |n| < 2^53 (two's complement, as i32.const expects). */
export function sleb128(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    const signBit = byte & 0x40;
    if ((n === 0 && !signBit) || (n === -1 && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Concatenates pieces of code. */
export const seq = (...parts: Code[]): Code => parts.flat();

const utf8 = (s: string): Code => [...new TextEncoder().encode(s)];
const name = (s: string): Code => [...uleb128(utf8(s).length), ...utf8(s)];
const vec = (items: Code[]): Code => [...uleb128(items.length), ...items.flat()];
const section = (id: number, body: Code): Code => [id, ...uleb128(body.length), ...body];
/** memarg: alignment as log2 bytes (a hint only) and a constant byte offset added to the address. */
const memarg = (alignLog2: number, offset: number): Code => [...uleb128(alignLog2), ...uleb128(offset)];

// ---- variables, constants, control ----

export const get = (local: number): Code => [0x20, ...uleb128(local)];
export const set = (local: number, value: Code): Code => [...value, 0x21, ...uleb128(local)];
export const i32c = (n: number): Code => [0x41, ...sleb128(n | 0)];
export function f32c(x: number): Code {
  const bytes = new DataView(new ArrayBuffer(4));
  bytes.setFloat32(0, x, true); // wasm is little-endian whatever the host
  return [0x43, ...new Uint8Array(bytes.buffer)];
}
export const call = (func: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb128(func)];

/** Branch targets count outwards from 0 = the innermost enclosing block/loop/if. */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...body.flat(), 0x0b];
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...body.flat(), 0x0b];
export const br = (depth: number): Code => [0x0c, ...uleb128(depth)];
export const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb128(depth)];
export const ifThen = (cond: Code, then: Code[], otherwise: Code[] = []): Code =>
  [...cond, 0x04, 0x40, ...then.flat(), ...(otherwise.length ? [0x05, ...otherwise.flat()] : []), 0x0b];

/** for (v = from; v < to; v += step) body — signed compare; `to` is re-evaluated every pass. */
export function forRange(v: number, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return seq(set(v, from), block(loop(brIf(1, i32.geS(get(v), to)), ...body, set(v, i32.add(get(v), i32c(step))), br(0))));
}

/** while (cond) body */
export function whileLoop(cond: Code, ...body: Code[]): Code {
  return block(loop(brIf(1, i32.eqz(cond)), ...body, br(0)));
}

/** do { body } while (--counter !== 0): the counter must start at 1 or more. */
export function countDown(counter: number, ...body: Code[]): Code {
  return loop(...body, brIf(0, [...i32.sub(get(counter), i32c(1)), 0x22, ...uleb128(counter)]));
}

// ---- scalar ops ----

const bin = (op: number) => (a: Code, b: Code): Code => [...a, ...b, op];
export const i32 = {
  add: bin(0x6a), sub: bin(0x6b), mul: bin(0x6c), and: bin(0x71), or: bin(0x72), shl: bin(0x74), shrU: bin(0x76),
  eqz: (a: Code): Code => [...a, 0x45], eq: bin(0x46), ne: bin(0x47), ltS: bin(0x48), ltU: bin(0x49), geS: bin(0x4e), minS: (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, 0x48, 0x1b],
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(2, offset)],
  load8S: (addr: Code, offset = 0): Code => [...addr, 0x2c, ...memarg(0, offset)],
  load8U: (addr: Code, offset = 0): Code => [...addr, 0x2d, ...memarg(0, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x36, ...memarg(2, offset)],
  store8: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x3a, ...memarg(0, offset)],
  store16: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x3b, ...memarg(1, offset)],
};
/** 8-byte moves only (no i64 locals): `i64.store(dst, i64.load(src))` copies 8 bytes. */
export const i64 = {
  load: (addr: Code, offset = 0): Code => [...addr, 0x29, ...memarg(3, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x37, ...memarg(3, offset)],
};
export const f32 = {
  add: bin(0x92),
  load: (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x38, ...memarg(2, offset)],
};
/** memory.fill (bulk memory): bytes [dst, dst+len) = value. */
export const memoryFill = (dst: Code, value: Code, len: Code): Code => [...dst, ...value, ...len, 0xfc, ...uleb128(11), 0x00];

// ---- 128-bit SIMD (0xFD prefix) ----

const simd = (op: number, ...imm: Code[]): Code => [0xfd, ...uleb128(op), ...imm.flat()];
const simdBin = (op: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const simdUn = (op: number) => (a: Code): Code => [...a, ...simd(op)];
export const v128 = {
  load: (addr: Code, offset = 0): Code => [...addr, ...simd(0x00, memarg(4, offset))],
  /** Loads one 32-bit value and repeats it in all four lanes. */
  load32Splat: (addr: Code, offset = 0): Code => [...addr, ...simd(0x09, memarg(2, offset))],
  /** Loads 8 bytes and sign-extends each into an i16 lane. */
  load8x8S: (addr: Code, offset = 0): Code => [...addr, ...simd(0x01, memarg(3, offset))],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, ...simd(0x0b, memarg(4, offset))],
  zero: (): Code => simd(0x0c, new Array<number>(16).fill(0)),
  /** i8x16.shuffle: lane i of the result is byte lanes[i] of a (0..15) or of b (16..31). */
  shuffle: (a: Code, b: Code, lanes: number[]): Code => [...a, ...b, ...simd(0x0d, lanes)],
  and: simdBin(0x4e),
  /** a & ~b */
  andNot: simdBin(0x4f),
  /** Loads 8 bytes into both 64-bit lanes. */
  load64Splat: (addr: Code, offset = 0): Code => [...addr, ...simd(0x0a, memarg(3, offset))],
  /** Stores 32-bit lane `lane` (0-3) as 4 bytes. */
  store32Lane: (addr: Code, value: Code, lane: number, offset = 0): Code => [...addr, ...value, ...simd(0x5a, memarg(2, offset), [lane])],
};
export const f32x4 = {
  add: simdBin(0xe4), mul: simdBin(0xe6), splat: simdUn(0x13),
  /** NaN if either lane is NaN (not pmin/pmax). */
  min: simdBin(0xe8), max: simdBin(0xe9),
  /** Round to nearest integer, ties to even. */
  nearest: simdUn(0x6a),
  /** Rounds both f64 lanes to float32 into lanes 0-1; lanes 2-3 are zero. */
  demoteF64x2Zero: simdUn(0x5e),
};
/** Double lanes: enough for an exact int32 -> double epilogue. */
export const f64x2 = {
  add: simdBin(0xf0), sub: simdBin(0xf1), mul: simdBin(0xf2), min: simdBin(0xf4), max: simdBin(0xf5),
  lt: simdBin(0x49), ge: simdBin(0x4c), floor: simdUn(0x75), splat: simdUn(0x14),
  /** Lanes 0-1 of an i32x4 as doubles (exact). */
  convertLowI32x4S: simdUn(0xfe),
  /** Lanes 0-1 of an f32x4 as doubles (exact). */
  promoteLowF32x4: simdUn(0x5f),
};
/** Saturating narrows: a's lanes, then b's. */
export const i8x16 = { narrowI16x8S: simdBin(0x65) };
export const i16x8 = { extendLowI8x16S: simdUn(0x87), extendHighI8x16S: simdUn(0x88), narrowI32x4S: simdBin(0x85) };
/** dotI16x8S: lane i = a[2i]*b[2i] + a[2i+1]*b[2i+1] in i32. */
export const i32x4 = {
  add: simdBin(0xae), dotI16x8S: simdBin(0xba), splat: simdUn(0x11),
  /** Each f32 lane truncated to int32, saturating, NaN -> 0. */
  truncSatF32x4S: simdUn(0xf8),
  /** Both f64 lanes truncated (saturating, NaN -> 0) into lanes 0-1; lanes 2-3 are zero. */
  truncSatF64x2SZero: simdUn(0xfc),
};


// ---- functions and modules ----

/** A function under construction: params are locals 0..n-1; `local()` adds more. */
export class Func {
  readonly locals: ValType[] = [];
  constructor(readonly params: ValType[], readonly results: ValType[]) {}

  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  encode(body: Code): Code {
    // Locals are declared as (count, type) runs.
    const runs: Code[] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      runs.push([...uleb128(j - i), VALTYPE[this.locals[i]!]]);
      i = j;
    }
    const code = [...vec(runs), ...body, 0x0b];
    return [...uleb128(code.length), ...code];
  }
}

interface MemoryImport {
  module: string;
  name: string;
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/** A module with one imported memory and functions; `bytes()` gives the binary. */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly funcTypes: number[] = [];
  private readonly bodies: Code[] = [];
  private readonly exports: [string, number][] = [];
  private memory: MemoryImport | null = null;

  importMemory(mem: MemoryImport): void {
    this.memory = mem;
  }

  /** Adds a function built by `build(f)` (which returns its body); exported when `name` is given. Returns its index. */
  func(name: string | null, params: ValType[], results: ValType[], build: (f: Func) => Code): number {
    const f = new Func(params, results);
    const body = f.encode(build(f));
    const sig = JSON.stringify([params, results]);
    let t = this.types.indexOf(sig);
    if (t < 0) t = this.types.push(sig) - 1;
    const index = this.bodies.push(body) - 1;
    this.funcTypes.push(t);
    if (name !== null) this.exports.push([name, index]);
    return index;
  }

  bytes(): Uint8Array {
    const typeSec = vec(this.types.map((sig) => {
      const [params, results] = JSON.parse(sig) as [ValType[], ValType[]];
      return [0x60, ...vec(params.map((p) => [VALTYPE[p]])), ...vec(results.map((r) => [VALTYPE[r]]))];
    }));
    const m = this.memory;
    const importSec = m
      ? vec([[...name(m.module), ...name(m.name), 0x02, m.shared ? 0x03 : 0x01, ...uleb128(m.initialPages), ...uleb128(m.maximumPages)]])
      : vec([]);
    const funcSec = vec(this.funcTypes.map((t) => uleb128(t)));
    const exportSec = vec(this.exports.map(([n, idx]) => [...name(n), 0x00, ...uleb128(idx)]));
    const codeSec = vec(this.bodies);
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
      ...section(1, typeSec), ...section(2, importSec), ...section(3, funcSec), ...section(7, exportSec), ...section(10, codeSec),
    ]);
  }
}
