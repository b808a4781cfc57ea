import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FormatError } from '../../../core/errors.js';
import type { TensorRecord } from '../../../core/io/record.js';

// Simulated crashes: a switch that makes the rename (or a write) of fs-atomic fail. fs-atomic reaches node:fs through
// process.getBuiltinModule (so that the engine loads in a browser), the module object every importer shares: the
// spies wrap its functions for this file and pass through unless a switch is on.
const crash = { rename: false, write: false };
const realFs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs');
const { renameSync, writeSync } = realFs;
vi.spyOn(realFs, 'renameSync').mockImplementation((a, b) => {
  if (crash.rename) throw Object.assign(new Error('EIO: simulated crash during rename'), { code: 'EIO' });
  return renameSync(a, b);
});
vi.spyOn(realFs, 'writeSync').mockImplementation(((...args: Parameters<typeof writeSync>) => {
  if (crash.write) throw Object.assign(new Error('ENOSPC: simulated disk full'), { code: 'ENOSPC' });
  return (writeSync as (...a: unknown[]) => number)(...args);
}) as typeof writeSync);
afterAll(() => vi.restoreAllMocks());

const { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } = await import('../../../core/io/safetensors.js');

const enc = new TextEncoder();
function u64le(n: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return [...b];
}
/** A file from a header string and data bytes, exactly as given (no padding added). */
function file(header: string, data: number[] = []): Uint8Array {
  const h = enc.encode(header);
  return new Uint8Array([...u64le(h.length), ...h, ...data]);
}
function fmtError(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('known answers from the reference implementation', () => {
  // bindings/python/tests/test_simple.py, test_serialization: save({"test": np.zeros((2, 2), dtype=np.int32)})
  const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
  const reference = new Uint8Array([0x40, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(header + '    '), ...new Array(16).fill(0)]);

  it('writes the same bytes as the reference writer (header padded with spaces to 8)', () => {
    const out = encodeSafetensors({ test: { dtype: 'int32', shape: [2, 2], data: new Int32Array(4) } });
    expect([...out]).toEqual([...reference]);
  });

  it('writes data[1,1] = 1 as 01 00 00 00 at the end, little-endian', () => {
    const out = encodeSafetensors({ test: { dtype: 'int32', shape: [2, 2], data: new Int32Array([0, 0, 0, 1]) } });
    expect([...out.subarray(out.length - 4)]).toEqual([1, 0, 0, 0]);
  });

  it('reads the unpadded header of older reference versions, with metadata', () => {
    const bytes = file('{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}       ', new Array(16).fill(0));
    expect(bytes[0]).toBe(0x66); // 'f', as in the reference test
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ framework: 'pt' });
    expect(tensors.get('test1')).toEqual({ dtype: 'int32', shape: [2, 2], data: new Int32Array(4) });
  });

  it('reads hand-written little-endian F32, F16, BF16, BOOL, I8, I64, F64', () => {
    const h =
      '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"h":{"dtype":"F16","shape":[4],"data_offsets":[8,16]},' +
      '"b":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]},' +
      '"m":{"dtype":"BOOL","shape":[2],"data_offsets":[20,22]},' +
      '"q":{"dtype":"I8","shape":[2],"data_offsets":[22,24]},' +
      '"n":{"dtype":"I64","shape":[],"data_offsets":[24,32]},' +
      '"d":{"dtype":"F64","shape":[1],"data_offsets":[32,40]}}';
    const data = [
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, // 1.0, -2.5
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, // 1.0, -2.0, 65504, 2^-24
      0x80, 0x3f, 0x20, 0xc0, // 1.0, -2.5
      0x01, 0x00, // true, false
      0xff, 0x7f, // -1, 127
      0x2a, 0, 0, 0, 0, 0, 0, 0x80, // -2^63 + 42
      0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // 1.0
    ];
    const { tensors } = decodeSafetensors(file(h, data));
    expect(tensors.get('w')).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, -2.5]) });
    expect(tensors.get('h')).toEqual({ dtype: 'float32', shape: [4], data: new Float32Array([1, -2, 65504, 2 ** -24]) });
    expect(tensors.get('b')).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, -2.5]) });
    // BOOL is read as bool (it had come back as uint8, and a PyTorch mask loaded as numbers)
    expect(tensors.get('m')).toEqual({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
    expect(tensors.get('q')).toEqual({ dtype: 'int8', shape: [2], data: new Int8Array([-1, 127]) });
    expect(tensors.get('n')).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array([-(2n ** 63n) + 42n]) });
    expect(tensors.get('d')!.data).toEqual(new Float64Array([1]));
    expect([...tensors.keys()]).toEqual(['w', 'h', 'b', 'm', 'q', 'n', 'd']);
  });

  it('decodes a Node Buffer from a shared pool into arrays of their own', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'uint8', shape: [1], data: new Uint8Array([9]) }, x: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
    const pooled = Buffer.from(bytes); // small Buffers live at an offset in a shared 8 KiB pool
    const x = decodeSafetensors(pooled).tensors.get('x')!.data;
    expect(x).toEqual(new Float32Array([1, 2]));
    expect(x.buffer.byteLength).toBe(8);
  });

  it('reads F16 and BF16 special values: infinities, NaN, -0, subnormals', () => {
    const h = '{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[10,16]}}';
    const data = [0x00, 0x7c, 0x00, 0xfc, 0x00, 0x7e, 0x00, 0x80, 0xff, 0x03, 0x80, 0x7f, 0xc0, 0x7f, 0x01, 0x00];
    const { tensors } = decodeSafetensors(file(h, data));
    const f16 = [...tensors.get('h')!.data] as number[];
    expect(f16.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(f16[2]).toBeNaN();
    expect(Object.is(f16[3], -0)).toBe(true);
    expect(f16[4]).toBe(1023 * 2 ** -24); // largest subnormal
    const bf16 = [...tensors.get('b')!.data] as number[];
    expect(bf16[0]).toBe(Infinity);
    expect(bf16[1]).toBeNaN();
    expect(bf16[2]).toBe(2 ** -133); // smallest bf16 subnormal: 1 * 2^-126 * 2^-7
  });

  it('copies unaligned data into aligned arrays that do not alias the input', () => {
    // header of 3 bytes puts the F32 data at byte 11, not a multiple of 4
    const bytes = file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}', [7, 0, 0, 0x80, 0x3f]);
    const { tensors } = decodeSafetensors(bytes);
    const x = tensors.get('x')!.data as Float32Array;
    expect(x[0]).toBe(1);
    bytes.fill(0);
    expect(x[0]).toBe(1);
    expect(tensors.get('a')!.data[0]).toBe(7);
  });
});

describe('round trip', () => {
  const dtypes = {
    float32: (n: number) => fc.float32Array({ minLength: n, maxLength: n }),
    int32: (n: number) => fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a)),
    int8: (n: number) => fc.array(fc.integer({ min: -128, max: 127 }), { minLength: n, maxLength: n }).map((a) => Int8Array.from(a)),
    uint8: (n: number) => fc.uint8Array({ minLength: n, maxLength: n }),
    float64: (n: number) => fc.float64Array({ minLength: n, maxLength: n }),
    int64: (n: number) => fc.bigInt64Array({ minLength: n, maxLength: n }),
    bool: (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a, Number)),
  } as const;
  const tensorArb = fc
    .tuple(fc.constantFrom(...(Object.keys(dtypes) as (keyof typeof dtypes)[])), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
    .chain(([dtype, shape]) => dtypes[dtype](shape.reduce((a, b) => a * b, 1)).map((data): TensorRecord => ({ dtype, shape, data })));
  // grapheme: real unicode names; binary: any code point, lone surrogates included
  const nameArb = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('0', '10', '__proto__', 'constructor')).filter((s) => s !== '__metadata__');

  it('decode(encode(x)) is x, for any dtypes, shapes, unicode names and metadata', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: (e) => e[0], maxLength: 5 }), fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }), (entries, metadata) => {
        const bytes = encodeSafetensors(new Map(entries), metadata);
        const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        expect(headerLen % 8).toBe(0);
        const out = decodeSafetensors(bytes);
        expect(out.metadata).toEqual(metadata ?? {});
        expect(new Map(entries.filter(([, t]) => t.data.length > 0))).toEqual(new Map([...out.tensors].filter(([, t]) => t.data.length > 0)));
        expect(out.tensors.size).toBe(entries.length);
        for (const [name, t] of entries) expect(out.tensors.get(name)).toEqual(t);
      }),
      { numRuns: 200 },
    );
  });

  it('any unique names decode, however each key is escaped; any name repeated, in any spelling, is a FormatError naming it', () => {
    const entry = '{"dtype":"F32","shape":[0],"data_offsets":[0,0]}';
    // a key as JSON.stringify writes it, or every UTF-16 unit as \uXXXX: the same name to JSON.parse
    const spell = (name: string, escaped: boolean) => (escaped ? `"${[...Array(name.length).keys()].map((i) => `\\u${name.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(name));
    const keyed = fc.tuple(nameArb, fc.boolean());
    fc.assert(
      fc.property(fc.uniqueArray(keyed, { selector: (k) => k[0], minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), fc.boolean(), (keys, pick, at, escaped) => {
        const header = (ks: [string, boolean][]) => `{${ks.map(([n, e]) => `${spell(n, e)}:${entry}`).join(',')}}`;
        expect([...decodeSafetensors(file(header(keys))).tensors.keys()].sort()).toEqual(keys.map(([n]) => n).sort());
        const name = keys[pick % keys.length][0];
        const twice = [...keys];
        twice.splice(at % (keys.length + 1), 0, [name, escaped]);
        expect(fmtError(() => decodeSafetensors(file(header(twice)), 'm.st')).message).toContain(`safetensors: tensor names must be unique, got ${JSON.stringify(name)} twice`);
      }),
      { numRuns: 300 },
    );
  });

  it('truncating a file at any byte gives a FormatError, never a partial model', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'float32', shape: [2, 3], data: new Float32Array(6).fill(1.5) }, b: { dtype: 'int8', shape: [3], data: new Int8Array([1, 2, 3]) } }, { k: 'v' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => decodeSafetensors(bytes.subarray(0, cut), 'model.safetensors')).toThrow(FormatError);
      }),
    );
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeSafetensors(bytes.slice(0, cut), 'm.st')).toThrow(/^m\.st \(/);
  });

  it('any single corrupted byte either decodes fully or throws FormatError', () => {
    const bytes = encodeSafetensors({ w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = bytes.slice();
        copy[at] = value;
        try {
          const { tensors } = decodeSafetensors(copy);
          for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('malformed files name the file and the place', () => {
  const ok = (dtype = 'F32', shape = '[2]', offsets = '[0,8]') => `{"w":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}}`;
  const eight = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array([1, 0, 0]), /^m\.st \(byte 0\): safetensors: file must be at least 8 bytes.*got 3$/],
    ['header length beyond the file', new Uint8Array([...u64le(100), 0x7b, 0x7d]), /^m\.st \(byte 0\): .*header length 100 runs past the end of the file \(10 bytes\)/],
    ['huge header length', new Uint8Array([...u64le(2 ** 40), 0x7b, 0x7d]), /^m\.st \(byte 0\): .*at most 100000000 bytes, got 1099511627776/],
    ['header length 2^64-1', new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255]), /\(byte 0\): .*got 18446744073709551615$/],
    // another kind of file given as a model: said so, with how it starts
    ['a JSON file', new TextEncoder().encode('{\n  "format": "whittle-rules",\n  "version": 1\n}\n'), /^m\.st \(byte 0\): safetensors: header length must be at most 100000000 bytes, got \d+; the file begins with the text '\{ "format": "whittle-r', so it is not a safetensors file \(a model saved by whittle train or PyTorch\)$/],
    ['a CSV file', new TextEncoder().encode('x,y\n1,2\n3,4\n'), /the file begins with the text 'x,y 1,2 3,4 ', so it is not a safetensors file/],
    ['header not JSON', file('{"w":', eight), /^m\.st \(bytes 8\.\.13\): safetensors: header must be valid JSON/],
    ['header not UTF-8', new Uint8Array([...u64le(2), 0xc3, 0x28]), /\(bytes 8\.\.10\): safetensors: header must be valid UTF-8/],
    ['header an array', file('[1,2]'), /\(byte 8\): safetensors: header must be a JSON object/],
    ['header a string', file('"x"'), /header must be a JSON object/],
    ['entry not an object', file('{"w":3}'), /\(header field "w"\): safetensors: tensor entry must be an object/],
    ['unknown dtype', file(ok('F33'), eight), /\(header field "w"\.dtype\): safetensors: unknown dtype "F33", expected one of/],
    ['unsupported dtype', file(ok('U32'), eight), /\(header field "w"\.dtype\): safetensors: unsupported dtype "U32"/],
    ['negative dim', file(ok('F32', '[-2]'), eight), /\(header field "w"\.shape\): .*non-negative integers, got \[-2\]/],
    ['fractional dim', file(ok('F32', '[2.5]'), eight), /\.shape\): .*got \[2\.5\]/],
    ['shape not array', file(ok('F32', '"2"'), eight), /\.shape\): /],
    ['offsets mismatch the size', file(ok('F32', '[3]'), eight), /\(header field "w"\.data_offsets\): safetensors: data_offsets must span 4 bytes \* \[3\] = 12 bytes, got \[0,8\] \(8 bytes\)/],
    ['offsets reversed', file(ok('F32', '[2]', '[8,0]'), eight), /\.data_offsets\): .*0 <= begin <= end, got \[8,0\]/],
    ['offsets out of range', file(ok('F32', '[2]', '[4,12]'), eight), /\.data_offsets\): safetensors: data_offsets \[4,12\] out of range, the data section has 8 bytes/],
    ['gap before data', file(ok('F32', '[1]', '[4,8]'), eight), /"w"\.data_offsets\): .*without gaps, expected begin 0, got 4/],
    ['trailing bytes', file(ok('F32', '[1]', '[0,4]'), eight), /\(byte 66\): safetensors: 4 trailing bytes after the last tensor/],
    [
      'overlap',
      file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight),
      /"b"\.data_offsets\): safetensors: tensor data overlaps "a", which ends at 8, got begin 4/,
    ],
    ['metadata not strings', file('{"__metadata__":{"k":1}}'), /\(header field "__metadata__"\): .*values must be strings/],
  ];
  it.each(cases)('%s', (_name, bytes, pattern) => {
    expect(fmtError(() => decodeSafetensors(bytes, 'm.st')).message).toMatch(pattern);
  });

  it('a BOOL byte other than 0 and 1 is refused at its byte (a bool tensor holds only those)', () => {
    const header = ok('BOOL', '[3]', '[0,3]');
    expect(fmtError(() => decodeSafetensors(file(header, [1, 0, 2]), 'm.st')).message).toBe(`m.st (byte ${8 + header.length + 2}): safetensors: a BOOL tensor must hold bytes 0 and 1, got 2 in "w"`);
  });

  it('a tensor named twice is refused at the second name, with where the first was (had been: the last one kept)', () => {
    const entry = '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';
    const header = `{"w":${entry},"w":${entry}}`;
    const e = fmtError(() => decodeSafetensors(file(header, eight), 'm.st'));
    expect(e.message).toBe(`m.st (byte ${8 + header.lastIndexOf('"w"')}): safetensors: tensor names must be unique, got "w" twice (first at byte 9)`);
    expect([e.file, e.where]).toEqual(['m.st', `byte ${8 + header.lastIndexOf('"w"')}`]);
    // a second __metadata__ would replace the first one's strings as silently
    expect(fmtError(() => decodeSafetensors(file('{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"}}'), 'm.st')).message)
      .toBe('m.st (byte 34): safetensors: __metadata__ must appear once, got "__metadata__" twice (first at byte 9)');
  });

  it('a key twice inside __metadata__ or inside a tensor entry is refused too, naming the field (had been: the last kept)', () => {
    const header = '{"__metadata__":{"lr":"0.1","lr":"10"}}';
    expect(fmtError(() => decodeSafetensors(file(header), 'm.st')).message)
      .toBe(`m.st (byte ${8 + header.lastIndexOf('"lr"')}): safetensors: __metadata__ keys must be unique, got "lr" twice (first at byte ${8 + header.indexOf('"lr"')})`);
    const entry = '{"dtype":"F32","shape":[0],"shape":[2],"data_offsets":[0,8]}';
    expect(fmtError(() => decodeSafetensors(file(`{"w":${entry}}`, eight), 'm.st')).message).toContain('safetensors: the keys of "w" must be unique, got "shape" twice');
    // the same key in two different objects is no repeat
    const two = '{"dtype":"F32","shape":[0],"data_offsets":[0,0]}';
    expect([...decodeSafetensors(file(`{"a":${two},"b":${two},"__metadata__":{"dtype":"x","shape":"y"}}`), 'm.st').tensors.keys()]).toEqual(['a', 'b']);
  });

  it('keys are compared unescaped: "\\u0077" is "w" again; the byte counts UTF-8 before it', () => {
    const entry = '{"dtype":"F32","shape":[0],"data_offsets":[0,0]}';
    const header = `{"é":${entry},"w":${entry},"\\u0077":${entry}}`;
    // "é" is two bytes in UTF-8 and one character of the string
    expect(fmtError(() => decodeSafetensors(file(header), 'm.st')).message)
      .toBe(`m.st (byte ${8 + 1 + header.lastIndexOf('"\\u0077"')}): safetensors: tensor names must be unique, got "w" twice (first at byte ${8 + 1 + header.indexOf('"w"')})`);
  });

  it('keys that only look alike are not duplicates: escaped quotes and backslashes, separators inside names, nested keys', () => {
    const entry = '{"dtype":"F32","shape":[0],"data_offsets":[0,0]}';
    const names = ['a', 'a"', 'a\\', '\\u0061', 'x,"a":{', '}', '{"a":1}', 'a\n'];
    // each name written as JSON writes it, so 'a"' is "a\"" and '\u0061' (a backslash, then u0061) is "\\u0061"
    const header = `{${names.map((n) => `${JSON.stringify(n)}:${entry}`).join(', ')}, "__metadata__": {"a": "a", "dtype": "x"}}`;
    const out = decodeSafetensors(file(header), 'm.st');
    expect([...out.tensors.keys()].sort()).toEqual([...names].sort());
    expect(out.metadata).toEqual({ a: 'a', dtype: 'x' });
  });

  it('a file on disk is named by its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-st-'));
    writeFileSync(join(dir, 'bad.safetensors'), new Uint8Array([1, 2]));
    expect(() => loadSafetensors(join(dir, 'bad.safetensors'))).toThrow(/bad\.safetensors \(byte 0\)/);
  });
});

describe('writing', () => {
  it('refuses records whose data does not fit their dtype or shape', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } })).toThrow(/data length must equal the product of its shape \[3\], got 2/);
    expect(() => encodeSafetensors({ w: { dtype: 'int32', shape: [2], data: new Float32Array(2) } })).toThrow(/needs a Int32Array, got Float32Array/);
    expect(() => encodeSafetensors({ w: { dtype: 'complex', shape: [2], data: new Float32Array(2) } })).toThrow(/dtype must be one of/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'uint8', shape: [0], data: new Uint8Array(0) } })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ m: { dtype: 'bool', shape: [2], data: new Uint8Array([1, 2]) } })).toThrow('encodeSafetensors: tensor "m" is bool and must hold only 0 and 1, got 2 at 1');
  });

  it('writes a bool record as BOOL, one byte each, as PyTorch writes a bool tensor (it had been refused)', () => {
    const bytes = encodeSafetensors({ m: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) } });
    expect(new TextDecoder().decode(bytes.subarray(8, bytes.length - 3)).trimEnd()).toBe('{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}');
    expect([...bytes.subarray(bytes.length - 3)]).toEqual([1, 0, 1]);
  });

  it('keeps names that look like integers in the order given', () => {
    const t = (v: number): TensorRecord => ({ dtype: 'uint8', shape: [1], data: new Uint8Array([v]) });
    const bytes = encodeSafetensors(new Map([['b', t(1)], ['10', t(2)], ['2', t(3)]]));
    expect([...bytes.subarray(bytes.length - 3)]).toEqual([1, 2, 3]);
    expect([...decodeSafetensors(bytes).tensors.keys()]).toEqual(['b', '10', '2']);
  });
});

describe('saving is atomic', () => {
  let dir: string;
  const v1 = { w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } };
  const v2 = { w: { dtype: 'float32', shape: [3], data: new Float32Array([3, 4, 5]) } };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whittle-st-'));
    crash.rename = false;
    crash.write = false;
  });

  it('saves and loads', () => {
    saveSafetensors(join(dir, 'm.safetensors'), v1, { epoch: '3' });
    const loaded = loadSafetensors(join(dir, 'm.safetensors'));
    expect(loaded.tensors.get('w')).toEqual(v1.w);
    expect(loaded.metadata).toEqual({ epoch: '3' });
  });

  it.each(['rename', 'write'] as const)('a crash during %s leaves the previous file intact and no temp file', (where) => {
    const path = join(dir, 'm.safetensors');
    saveSafetensors(path, v1);
    const before = readFileSync(path);
    crash[where] = true;
    // the error names the file asked for and why (the OS's code kept), not the temp file
    expect(() => saveSafetensors(path, v2)).toThrow(where === 'rename' ? `cannot write ${path}: EIO: simulated crash during rename` : `cannot write ${path}: no space left on the device (ENOSPC)`);
    crash[where] = false;
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
    expect(loadSafetensors(path).tensors.get('w')).toEqual(v1.w);
  });

  it('an invalid model is refused before anything is written', () => {
    const path = join(dir, 'm.safetensors');
    saveSafetensors(path, v1);
    expect(() => saveSafetensors(path, { w: { dtype: 'float32', shape: [9], data: new Float32Array(2) } })).toThrow();
    expect(loadSafetensors(path).tensors.get('w')).toEqual(v1.w);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });

  it('saving into a missing directory fails and leaves nothing', () => {
    expect(() => saveSafetensors(join(dir, 'nope', 'm.safetensors'), v1)).toThrow(`cannot write ${join(dir, 'nope', 'm.safetensors')}: the folder ${join(dir, 'nope')} does not exist (ENOENT)`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
