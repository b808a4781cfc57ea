import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, readIdx, writeIdx } from '../../../core/data/idx.js';
import { FormatError } from '../../../core/errors.js';
import { byteMutation, fuzzRuns, mutateBytes, readsOrRefuses } from '../../fuzz.js';

describe('decodeIdx', () => {
  it('reads hand-written big-endian bytes of every type', () => {
    // ubyte [2,3]
    expect(decodeIdx(new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]))).toEqual({ dtype: 'uint8', shape: [2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 255]) });
    expect(decodeIdx(new Uint8Array([0, 0, 0x09, 1, 0, 0, 0, 2, 0xff, 0x80]))).toEqual({ dtype: 'int8', shape: [2], data: new Int8Array([-1, -128]) });
    expect(decodeIdx(new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]))).toEqual({ dtype: 'int16', shape: [2], data: new Int16Array([258, -2]) });
    expect(decodeIdx(new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x00]))).toEqual({ dtype: 'int32', shape: [1], data: new Int32Array([65536]) });
    expect(decodeIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0xc0, 0x20, 0, 0]))).toEqual({ dtype: 'float32', shape: [1], data: new Float32Array([-2.5]) });
    expect(decodeIdx(new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))).toEqual({ dtype: 'float64', shape: [1], data: new Float64Array([1]) });
  });

  const bad: [string, number[], RegExp][] = [
    ['too short', [0, 0, 8], /^f\.idx \(byte 0\): idx: file must start with a 4-byte magic number, got 3 bytes$/],
    ['bad magic', [1, 0, 8, 1, 0, 0, 0, 0], /^f\.idx \(byte 0\): idx: magic number must start with 0x00 0x00, got 0x01 0x00$/],
    ['bad type', [0, 0, 0x0a, 1, 0, 0, 0, 0], /^f\.idx \(byte 2\): idx: type code must be one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, got 0x0a$/],
    ['dims truncated', [0, 0, 8, 2, 0, 0, 0, 1, 0], /^f\.idx \(byte 9\): idx: header declares 2 dimensions \(8 bytes\) but the file ends at byte 9$/],
    ['data truncated', [0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0], /^f\.idx \(byte 14\): idx: truncated data, shape \[2\] of int32 needs 8 bytes from byte 8, got 6$/],
    ['trailing bytes', [0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3], /^f\.idx \(byte 10\): idx: size mismatch, shape \[2\] of uint8 needs 2 bytes, got 1 trailing bytes$/],
    ['corrupt gzip', [0x1f, 0x8b, 0, 0], /^f\.idx \(byte 0\): idx: gzip data is corrupt/],
  ];
  it.each(bad)('%s gives a FormatError with file and offset', (_n, bytes, pattern) => {
    expect(() => decodeIdx(new Uint8Array(bytes), 'f.idx')).toThrow(FormatError);
    expect(() => decodeIdx(new Uint8Array(bytes), 'f.idx')).toThrow(pattern);
  });

  it('with an expectation, a wrong number of dimensions is said as such, before the shape it misreads', () => {
    // images written as [2,1,2] under a header claiming 4 dims: read bare, the 4 pixel bytes become a 4th dim of 0
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 1, 2], data: new Uint8Array(4) });
    bytes[3] = 4;
    expect(decodeIdx(bytes, 'images.idx').shape).toEqual([2, 1, 2, 0]);
    const images = { what: 'images', dims: ['n', 'rows', 'cols'] };
    expect(() => decodeIdx(bytes, 'images.idx', images)).toThrow(FormatError);
    expect(() => decodeIdx(bytes, 'images.idx', images)).toThrow(/^images\.idx \(byte 3\): idx: images need 3 dimensions \(n, rows, cols\), the header says 4$/);
    expect(() => decodeIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 5]), 'labels.idx', { what: 'labels', dims: ['n'] })).toThrow(/^labels\.idx \(byte 3\): idx: labels need 1 dimension \(n\), the header says 2$/);
    bytes[3] = 3;
    expect(decodeIdx(bytes, 'images.idx', images).shape).toEqual([2, 1, 2]);
  });

  it('decodes a Node Buffer from a shared pool into an array of its own', () => {
    const t = decodeIdx(Buffer.from([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]));
    expect(t.data).toEqual(new Uint8Array([7, 9]));
    expect(t.data.buffer.byteLength).toBe(2);
  });

  it('a huge declared shape is a truncation error, not an allocation', () => {
    expect(() => decodeIdx(new Uint8Array([0, 0, 0x0e, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]), 'f')).toThrow(/truncated data, shape \[4294967295,4294967295,4294967295\]/);
  });

  it('says the size a huge header needs, not 2^53 - 1 (the clamp the size is checked with)', () => {
    // [4294967295,65535,65535] of uint8: 1.8447e19 bytes (had read 9007199254740991)
    const huge = new Uint8Array([0, 0, 0x08, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff]);
    expect(() => decodeIdx(huge, 'f.idx')).toThrow(/^f\.idx \(byte 16\): idx: truncated data, shape \[4294967295,65535,65535\] of uint8 needs about 1\.84e\+19 bytes from byte 16, got 0$/);
    // float64 of [2^32-1, 2^21]: 7.2e16 bytes, past 2^53 only as bytes
    expect(() => decodeIdx(new Uint8Array([0, 0, 0x0e, 2, 0xff, 0xff, 0xff, 0xff, 0, 0x20, 0, 0]), 'f.idx')).toThrow(/needs about 7\.21e\+16 bytes/);
    // still exact below 2^53
    expect(() => decodeIdx(new Uint8Array([0, 0, 0x0c, 2, 0, 0x10, 0, 0, 0, 0x10, 0, 0]), 'f.idx')).toThrow(/needs 4398046511104 bytes from byte 12, got 0$/);
  });
});

describe('round trip', () => {
  const arb = fc.tuple(fc.constantFrom('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 })).chain(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const len = { minLength: n, maxLength: n };
    const data = {
      uint8: fc.uint8Array(len), int8: fc.int8Array(len), int16: fc.int16Array(len), int32: fc.int32Array(len),
      float32: fc.float32Array(len), float64: fc.float64Array(len),
    }[dtype];
    return data.map((d) => ({ dtype, shape, data: d }));
  });
  it('decodeIdx(encodeIdx(x)) is x', () => {
    fc.assert(fc.property(arb, (t) => {
      expect(decodeIdx(encodeIdx(t))).toEqual(t);
    }), { numRuns: 300 });
  });
  it('every truncation of a valid file is a FormatError', () => {
    const bytes = encodeIdx({ dtype: 'int16', shape: [2, 3], data: new Int16Array([1, 2, 3, 4, 5, 6]) });
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeIdx(bytes.subarray(0, cut), 'x')).toThrow(FormatError);
  });
  it('writes and reads files, plain and gzipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-idx-'));
    const t = { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
    writeIdx(join(dir, 'a.idx'), t);
    expect(readIdx(join(dir, 'a.idx'))).toEqual(t);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(readFileSync(join(dir, 'a.idx'))));
    expect(readIdx(join(dir, 'a.idx.gz'))).toEqual(t);
  });
  it('refuses records that do not fit', () => {
    expect(() => encodeIdx({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) })).toThrow(/dtype must be one of/);
    expect(() => encodeIdx({ dtype: 'uint8', shape: [3], data: new Uint8Array(2) })).toThrow(/product of shape \[3\], got 2/);
  });
});

describe('fuzz: a damaged file', () => {
  const t = { dtype: 'int16', shape: [3, 2, 2], data: new Int16Array([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12]) };
  const plain = encodeIdx(t);
  const gz = new Uint8Array(gzipSync(plain));
  it.each([['plain', plain], ['gzipped', gz]] as const)('%s: any cut or any one byte changed reads as a record of its shape or is a FormatError naming the file and byte', (_name, bytes) => {
    fc.assert(
      fc.property(byteMutation, (m) => {
        const { bytes: bad, what } = mutateBytes(bytes, m);
        readsOrRefuses(what, () => decodeIdx(bad, 'f.idx', { what: 'values', dims: ['a', 'b', 'c'] }), (r) => {
          expect(r.data.length, what).toBe(r.shape.reduce((a, b) => a * b, 1));
        }, /^f\.idx \(byte \d+\): idx: /);
      }),
      fuzzRuns(300),
    );
  });
});
