// IDX (the MNIST file format): bytes 0-1 zero, byte 2 the type code, byte 3 the number of dims, then each dim as a
// big-endian u32, then the data, big-endian, row-major. Gzipped files (.gz, as distributed) are inflated first.
import { DTypeError, FormatError, ShapeError, fmtShape } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { type TensorRecord, type TypedArray, shapeSize } from '../io/record.js';
import { nodeBuiltin, readFileOf } from '../node-builtins.js';
const nodeZlib = () => nodeBuiltin('zlib', 'readIdx');

interface IdxType {
  code: number;
  dtype: string;
  bytes: number;
  make: (n: number) => TypedArray;
  get: (dv: DataView, at: number) => number;
  set: (dv: DataView, at: number, v: number) => void;
}

const TYPES: IdxType[] = [
  { code: 0x08, dtype: 'uint8', bytes: 1, make: (n) => new Uint8Array(n), get: (d, a) => d.getUint8(a), set: (d, a, v) => d.setUint8(a, v) },
  { code: 0x09, dtype: 'int8', bytes: 1, make: (n) => new Int8Array(n), get: (d, a) => d.getInt8(a), set: (d, a, v) => d.setInt8(a, v) },
  { code: 0x0b, dtype: 'int16', bytes: 2, make: (n) => new Int16Array(n), get: (d, a) => d.getInt16(a), set: (d, a, v) => d.setInt16(a, v) },
  { code: 0x0c, dtype: 'int32', bytes: 4, make: (n) => new Int32Array(n), get: (d, a) => d.getInt32(a), set: (d, a, v) => d.setInt32(a, v) },
  { code: 0x0d, dtype: 'float32', bytes: 4, make: (n) => new Float32Array(n), get: (d, a) => d.getFloat32(a), set: (d, a, v) => d.setFloat32(a, v) },
  { code: 0x0e, dtype: 'float64', bytes: 8, make: (n) => new Float64Array(n), get: (d, a) => d.getFloat64(a), set: (d, a, v) => d.setFloat64(a, v) },
];

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/** What a reader needs the file to hold, e.g. `{ what: 'images', dims: ['n', 'rows', 'cols'] }`. */
export interface IdxExpectation {
  what: string;
  dims: readonly string[];
}

/**
 * Parses IDX bytes into `{ dtype, shape, data }`; FormatError names `fileName` and the byte offset. With `expect`,
 * the header's number of dimensions is checked first: a wrong one (0x0804 for images) shifts where the data starts,
 * and was reported as a size mismatch of a nonsense shape ([500,28,28,0]) rather than as what is wrong.
 */
export function decodeIdx(bytes: Uint8Array, fileName = '<idx bytes>', expect?: IdxExpectation): TensorRecord {
  // a Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array so the result owns its buffer
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(nodeZlib().gunzipSync(bytes));
    } catch (e) {
      throw new FormatError(`idx: gzip data is corrupt, got ${(e as Error).message}`, fileName, 'byte 0');
    }
  }
  if (bytes.length < 4) throw new FormatError(`idx: file must start with a 4-byte magic number, got ${bytes.length} bytes`, fileName, 'byte 0');
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`idx: magic number must start with 0x00 0x00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`, fileName, 'byte 0');
  }
  const type = TYPES.find((t) => t.code === bytes[2]);
  if (!type) throw new FormatError(`idx: type code must be one of ${TYPES.map((t) => hex(t.code)).join(', ')}, got ${hex(bytes[2]!)}`, fileName, 'byte 2');
  const ndims = bytes[3]!;
  if (expect && ndims !== expect.dims.length) {
    const n = expect.dims.length;
    throw new FormatError(`idx: ${expect.what} need ${n} ${n === 1 ? 'dimension' : 'dimensions'} (${expect.dims.join(', ')}), the header says ${ndims}`, fileName, 'byte 3');
  }
  const dataStart = 4 + 4 * ndims;
  if (bytes.length < dataStart) {
    throw new FormatError(`idx: header declares ${ndims} dimensions (${4 * ndims} bytes) but the file ends at byte ${bytes.length}`, fileName, `byte ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(dv.getUint32(4 + 4 * i));
  const size = shape.reduce((a, d) => Math.min(a * d, Number.MAX_SAFE_INTEGER), 1);
  const expected = size * type.bytes;
  const got = bytes.length - dataStart;
  if (got < expected) {
    // the size unclamped for the message: past 2^53 the clamped one had read 9007199254740991 bytes for any header
    const needs = shape.reduce((a, d) => a * d, type.bytes);
    const said = Number.isSafeInteger(needs) ? String(needs) : needs === Infinity ? 'more than 1.8e308' : `about ${needs.toPrecision(3)}`;
    throw new FormatError(`idx: truncated data, shape ${fmtShape(shape)} of ${type.dtype} needs ${said} bytes from byte ${dataStart}, got ${got}`, fileName, `byte ${bytes.length}`);
  }
  if (got > expected) {
    throw new FormatError(`idx: size mismatch, shape ${fmtShape(shape)} of ${type.dtype} needs ${expected} bytes, got ${got - expected} trailing bytes`, fileName, `byte ${dataStart + expected}`);
  }
  let data: TypedArray;
  if (type.bytes === 1) {
    const copy = bytes.slice(dataStart);
    data = type.code === 0x08 ? copy : new Int8Array(copy.buffer);
  } else {
    data = type.make(size);
    const out = data as Float64Array;
    for (let i = 0, at = dataStart; i < size; i++, at += type.bytes) out[i] = type.get(dv, at);
  }
  return { dtype: type.dtype, shape, data };
}

/** Serializes a record to IDX bytes (big-endian). dtypes: uint8, int8, int16, int32, float32, float64. */
export function encodeIdx(t: TensorRecord): Uint8Array {
  const type = TYPES.find((x) => x.dtype === t.dtype);
  if (!type) throw new DTypeError(`encodeIdx: dtype must be one of ${TYPES.map((x) => x.dtype).join(', ')}, got ${t.dtype}`);
  if (t.shape.length > 255 || !t.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new ShapeError(`encodeIdx: shape must have at most 255 dims, each an integer in [0, 2^32), got ${fmtShape(t.shape)}`);
  }
  const size = shapeSize(t.shape);
  if (size !== t.data.length) throw new ShapeError(`encodeIdx: data length must equal the product of shape ${fmtShape(t.shape)}, got ${t.data.length}`);
  const dataStart = 4 + 4 * t.shape.length;
  const out = new Uint8Array(dataStart + size * type.bytes);
  const dv = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = t.shape.length;
  t.shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  const src = t.data as Float64Array;
  for (let i = 0, at = dataStart; i < size; i++, at += type.bytes) type.set(dv, at, src[i]!);
  return out;
}

/** Reads an IDX file (plain or gzipped); `expect` as decodeIdx's. */
export function readIdx(path: string, expect?: IdxExpectation): TensorRecord {
  const buf = readFileOf(path, 'readIdx');
  return decodeIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path, expect);
}

/** Writes an IDX file atomically. */
export function writeIdx(path: string, t: TensorRecord): void {
  writeFileAtomic(path, encodeIdx(t));
}
