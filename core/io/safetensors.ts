// safetensors (https://github.com/huggingface/safetensors): u64 LE header length N, N bytes of JSON header, then the
// tensors' little-endian bytes laid out contiguously. Reading validates everything before it returns anything.
import { ArgumentError, DTypeError, FormatError, ShapeError, fmtShape } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { type TensorRecord, type TypedArray, shapeSize } from './record.js';
import { readFileOf } from '../node-builtins.js';

/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length must not allocate gigabytes). */
export const MAX_HEADER_BYTES = 100_000_000;

/** What a decoded file holds. `tensors` is in data-offset order (the order the writer laid them out). */
export interface SafetensorsFile {
  tensors: Map<string, TensorRecord>;
  metadata: Record<string, string>;
}

export type TensorDict = Map<string, TensorRecord> | Record<string, TensorRecord>;

const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, F16: 2, BF16: 2, I32: 4, F32: 4, F64: 8, I64: 8,
};
/** dtypes the format defines that whittle does not read, so the error can say "unsupported" rather than "unknown". */
const KNOWN_UNSUPPORTED = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toEntries(tensors: TensorDict): [string, TensorRecord][] {
  return tensors instanceof Map ? [...tensors] : Object.entries(tensors);
}

/** The safetensors dtype a record is written as, checked against its typed array. */
function fileDType(name: string, t: TensorRecord): string {
  const pairs: [string, new (...a: never[]) => TypedArray, string][] = [
    ['float32', Float32Array, 'F32'], ['int32', Int32Array, 'I32'], ['int8', Int8Array, 'I8'],
    ['uint8', Uint8Array, 'U8'], ['float64', Float64Array, 'F64'], ['int64', BigInt64Array, 'I64'],
    ['int16', Int16Array, 'I16'], ['bool', Uint8Array, 'BOOL'],
  ];
  for (const [dtype, ctor, st] of pairs) {
    if (t.dtype === dtype) {
      if (!(t.data instanceof ctor)) {
        throw new DTypeError(`encodeSafetensors: tensor "${name}" has dtype ${dtype} and needs a ${ctor.name}, got ${t.data.constructor.name}`);
      }
      const bad = dtype === 'bool' ? (t.data as Uint8Array).findIndex((v) => v > 1) : -1;
      if (bad >= 0) throw new DTypeError(`encodeSafetensors: tensor "${name}" is bool and must hold only 0 and 1, got ${t.data[bad]} at ${bad}`);
      return st;
    }
  }
  throw new DTypeError(`encodeSafetensors: tensor "${name}" dtype must be one of ${pairs.map((p) => p[0]).join(', ')}, got ${t.dtype}`);
}

function checkShape(name: string, t: TensorRecord): void {
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`encodeSafetensors: tensor "${name}" shape must be non-negative integers, got ${JSON.stringify(t.shape)}`);
  }
  if (shapeSize(t.shape) !== t.data.length) {
    throw new ShapeError(`encodeSafetensors: tensor "${name}" data length must equal the product of its shape ${fmtShape(t.shape)}, got ${t.data.length}`);
  }
}

/** Little-endian bytes of a typed array, as a view (LE host) or a swapped copy. */
function leBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndianHost || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const k = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += k) for (let j = 0; j < k; j++) out[i + j] = bytes[i + k - 1 - j]!;
  return out;
}

/**
 * Serializes tensors to safetensors bytes the way the reference writer does: compact JSON header (`__metadata__`
 * first), padded with spaces to a multiple of 8, data little-endian without gaps. The reference sorts tensors by dtype
 * alignment then name; we keep the caller's order (both are valid files, and equal bytes for a single tensor).
 */
export function encodeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const entries = toEntries(tensors);
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`encodeSafetensors: metadata values must be strings, got ${typeof v} for "${k}"`);
    }
    parts.push(`"__metadata__":{${Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new ArgumentError('encodeSafetensors: tensor name "__metadata__" is reserved by the format');
    if (seen.has(name)) throw new ArgumentError(`encodeSafetensors: tensor names must be unique, got "${name}" twice`);
    seen.add(name);
    const st = fileDType(name, t);
    checkShape(name, t);
    const bytes = leBytes(t.data);
    parts.push(`${JSON.stringify(name)}:{"dtype":"${st}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes.length}]}`);
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The first key of a JSON object's text that repeats an earlier key of the same object (after unescaping, so "\u0041"
 * repeats "A"), with the offsets of both in `text` and the key of the top-level field holding that object ('' for the
 * top level itself: a tensor name; '__metadata__' for a metadata key); null when every object's keys are unique.
 * JSON.parse keeps the last value of a repeated key without a word, so it cannot tell. `text` must already have
 * parsed as a JSON object.
 */
export function duplicateTopLevelKey(text: string): { key: string; first: number; at: number; within: string } | null {
  // one frame per open object or array: an object's keys so far, whether a key comes next, the last key read
  type Frame = { object: boolean; seen: Map<string, number>; keyNext: boolean; lastKey: string; within: string };
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (top?.object && top.keyNext) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const first = top.seen.get(key);
        if (first !== undefined) return { key, first, at: i, within: top.within };
        top.seen.set(key, i);
        top.lastKey = key;
      }
      if (top) top.keyNext = false;
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const within = stack.length === 0 ? '' : stack.length === 1 ? top.lastKey : top.within;
      stack.push({ object: c === 0x7b, seen: new Map(), keyNext: c === 0x7b, lastKey: '', within });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */ && top) {
      top.keyNext = top.object;
    }
  }
  return null;
}

function parseHeader(bytes: Uint8Array, file: string): { entries: HeaderEntry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new FormatError(`safetensors: file must be at least 8 bytes (the header length), got ${bytes.length}`, file, 'byte 0');
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    // eight printable characters where the length should be: some other file given for a model (JSON, CSV, ...)
    const text = Array.from(bytes.subarray(0, 8)).every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
    const start = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 24))).replace(/\s+/g, ' ');
    const hint = text ? `; the file begins with the text '${start}', so it is not a safetensors file (a model saved by whittle train or PyTorch)` : '';
    throw new FormatError(`safetensors: header length must be at most ${MAX_HEADER_BYTES} bytes, got ${n}${hint}`, file, 'byte 0');
  }
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    throw new FormatError(`safetensors: header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`, file, 'byte 0');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new FormatError('safetensors: header must be valid UTF-8', file, 'bytes 8..' + (8 + headerLen));
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`safetensors: header must be valid JSON, got ${(e as Error).message}`, file, 'bytes 8..' + (8 + headerLen));
  }
  if (!text.startsWith('{') || !isPlainObject(header)) {
    throw new FormatError('safetensors: header must be a JSON object', file, 'byte 8');
  }
  const dup = duplicateTopLevelKey(text);
  if (dup) {
    const byteOf = (i: number) => 8 + new TextEncoder().encode(text.slice(0, i)).length;
    const what = dup.within === '' ? (dup.key === '__metadata__' ? '__metadata__ must appear once' : 'tensor names must be unique')
      : dup.within === '__metadata__' ? '__metadata__ keys must be unique' : `the keys of ${JSON.stringify(dup.within)} must be unique`;
    throw new FormatError(`safetensors: ${what}, got ${JSON.stringify(dup.key)} twice (first at byte ${byteOf(dup.first)})`, file, `byte ${byteOf(dup.at)}`);
  }
  const dataLen = bytes.length - 8 - headerLen;
  const metaPairs: [string, string][] = [];
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    const field = `header field ${JSON.stringify(name)}`;
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) throw new FormatError('safetensors: __metadata__ must be an object of strings', file, field);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new FormatError(`safetensors: __metadata__ values must be strings, got ${JSON.stringify(v)} for "${k}"`, file, field);
        metaPairs.push([k, v]);
      }
      continue;
    }
    if (!isPlainObject(raw)) throw new FormatError('safetensors: tensor entry must be an object with dtype, shape, data_offsets', file, field);
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) {
      const why = typeof dtype === 'string' && KNOWN_UNSUPPORTED.has(dtype) ? 'unsupported' : 'unknown';
      throw new FormatError(`safetensors: ${why} dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(ELEMENT_BYTES).join(', ')}`, file, `${field}.dtype`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(`safetensors: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, file, `${field}.shape`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new FormatError(`safetensors: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`, file, `${field}.data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      throw new FormatError(`safetensors: data_offsets [${begin},${end}] out of range, the data section has ${dataLen} bytes`, file, `${field}.data_offsets`);
    }
    // the product can only exceed the data length by overflowing, and then it cannot match end - begin either
    const size = shape.reduce((a: number, d: number) => Math.min(a * d, Number.MAX_SAFE_INTEGER), 1);
    const expected = size * ELEMENT_BYTES[dtype]!;
    if (end - begin !== expected) {
      throw new FormatError(
        `safetensors: data_offsets must span ${ELEMENT_BYTES[dtype]} bytes * ${fmtShape(shape)} = ${expected} bytes, got [${begin},${end}] (${end - begin} bytes)`,
        file, `${field}.data_offsets`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let previous = '';
  for (const e of entries) {
    const field = `header field ${JSON.stringify(e.name)}.data_offsets`;
    if (e.begin < expectedBegin) throw new FormatError(`safetensors: tensor data overlaps "${previous}", which ends at ${expectedBegin}, got begin ${e.begin}`, file, field);
    if (e.begin > expectedBegin) throw new FormatError(`safetensors: tensor data must follow without gaps, expected begin ${expectedBegin}, got ${e.begin}`, file, field);
    expectedBegin = e.end;
    previous = e.name;
  }
  if (expectedBegin !== dataLen) {
    throw new FormatError(`safetensors: ${dataLen - expectedBegin} trailing bytes after the last tensor`, file, `byte ${8 + headerLen + expectedBegin}`);
  }
  // fromEntries defines own properties, so a key named __proto__ stays data and never touches the prototype
  return { entries, metadata: Object.fromEntries(metaPairs), dataStart: 8 + headerLen };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Copies the tensor's bytes into a fresh, aligned typed array; F16 and BF16 become float32. BOOL stays bool (it had
 * come back as uint8), and a byte other than 0 or 1 there is refused at its offset in the file (`dataStart`).
 */
function materialize(bytes: Uint8Array, e: HeaderEntry, file: string, dataStart: number): TensorRecord {
  const raw = bytes.slice(e.begin, e.end); // a copy: aligned, and no view into the caller's buffer
  const dv = new DataView(raw.buffer);
  const n = shapeSize(e.shape);
  const shape = [...e.shape];
  switch (e.dtype) {
    case 'U8': return { dtype: 'uint8', shape, data: raw };
    case 'BOOL': {
      const bad = raw.findIndex((v) => v > 1);
      if (bad >= 0) throw new FormatError(`safetensors: a BOOL tensor must hold bytes 0 and 1, got ${raw[bad]} in "${e.name}"`, file, `byte ${dataStart + e.begin + bad}`);
      return { dtype: 'bool', shape, data: raw };
    }
    case 'I8': return { dtype: 'int8', shape, data: new Int8Array(raw.buffer) };
    case 'F16': case 'BF16': {
      const out = new Float32Array(n);
      if (e.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      else {
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      }
      return { dtype: 'float32', shape, data: out };
    }
    default: break;
  }
  const kinds: Record<string, [string, new (b: ArrayBuffer) => TypedArray, (i: number) => number | bigint]> = {
    I16: ['int16', Int16Array, (i) => dv.getInt16(2 * i, true)],
    I32: ['int32', Int32Array, (i) => dv.getInt32(4 * i, true)],
    F32: ['float32', Float32Array, (i) => dv.getFloat32(4 * i, true)],
    F64: ['float64', Float64Array, (i) => dv.getFloat64(8 * i, true)],
    I64: ['int64', BigInt64Array, (i) => dv.getBigInt64(8 * i, true)],
  };
  const [dtype, ctor, get] = kinds[e.dtype]!;
  const data = new ctor(raw.buffer);
  if (!littleEndianHost) for (let i = 0; i < n; i++) (data as unknown as (number | bigint)[])[i] = get(i);
  return { dtype, shape, data };
}

/** Parses safetensors bytes. Throws FormatError naming `fileName` and the byte or header field; never returns a partial model. */
export function decodeSafetensors(bytes: Uint8Array, fileName = '<safetensors bytes>'): SafetensorsFile {
  // a Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array so every tensor gets its own buffer
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { entries, metadata, dataStart } = parseHeader(bytes, fileName);
  const data = bytes.subarray(dataStart);
  const tensors = new Map<string, TensorRecord>();
  for (const e of entries) tensors.set(e.name, materialize(data, e, fileName, dataStart));
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (temp file, fsync, rename): a crash leaves the previous file intact. */
export function saveSafetensors(path: string, tensors: TensorDict, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and validates a safetensors file. */
export function loadSafetensors(path: string): SafetensorsFile {
  const buf = readFileOf(path, 'loadSafetensors');
  return decodeSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
