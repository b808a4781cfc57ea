// JSON files of any size. JSON.stringify and JSON.parse go through one string, and V8 makes none longer than
// 2^29 - 24 characters (about 512 MiB): a default random forest fitted on 200,000 rows is past that (its JSON
// would be some 600 MB), so saving it threw "Invalid string length" at the end of the run that fitted it. Here the
// writer streams the same text to the file a chunk at a time, and the reader parses files past the limit from their
// bytes.
import { ArgumentError, FormatError } from '../errors.js';
import { writeFileAtomicWith } from '../fs-atomic.js';
import { fileSizeOf, nodeBuiltin } from '../node-builtins.js';
const nodeFs = () => nodeBuiltin('fs', 'readJSONFile');

/** Bytes buffered before a write to the file. */
const CHUNK = 1 << 20;

/**
 * Writes JSON.stringify(value) to `path`, atomically (temp file, then rename), without ever holding the whole text:
 * the same bytes as writeFileAtomic(path, JSON.stringify(value)) for every value JSON.stringify can write whole.
 */
export function writeJSONFile(path: string, value: unknown): void {
  writeFileAtomicWith(path, (write) => {
    const out = new JSONWriter(write);
    out.value(value, '', true);
    out.flush();
  });
}

/** JSON.stringify's text of `value`, built by the streaming writer (what writeJSONFile writes; for tests). */
export function streamedJSON(value: unknown, chunk = CHUNK): string {
  const parts: string[] = [];
  const out = new JSONWriter((bytes) => parts.push(Buffer.from(bytes).toString('utf8')), chunk);
  out.value(value, '', true);
  out.flush();
  return parts.join('');
}

class JSONWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    private readonly chunk = CHUNK,
  ) {}

  private push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.chunk) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(Buffer.from(this.parts.join(''), 'utf8'));
    this.parts = [];
    this.size = 0;
  }

  /**
   * Writes `v` as JSON.stringify would in `holder`'s `key`; returns false, writing nothing, for what an object
   * leaves out (undefined, a function, a symbol). `top` is the value given to writeJSONFile.
   */
  value(v: unknown, key: string, top = false, resolved = false): boolean {
    if (!resolved) v = resolve(v, key);
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
      if (top) throw new ArgumentError(`writeJSONFile: value must be something JSON can hold, got ${v === undefined ? 'undefined' : typeof v}`);
      return false;
    }
    if (v === null || typeof v !== 'object') {
      this.push(JSON.stringify(v));
      return true;
    }
    if (v instanceof Number || v instanceof String || v instanceof Boolean) {
      this.push(JSON.stringify(v));
      return true;
    }
    if (Array.isArray(v)) {
      this.push('[');
      for (let i = 0; i < v.length; ) {
        // runs of plain numbers (the columns of a fitted model) go through JSON.stringify a slice at a time
        let j = i;
        while (j < v.length && j - i < 8192 && typeof v[j] === 'number') j++;
        if (j > i) {
          const text = JSON.stringify(v.slice(i, j));
          this.push((i > 0 ? ',' : '') + text.slice(1, -1));
          i = j;
          continue;
        }
        if (i > 0) this.push(',');
        if (!this.value(v[i], String(i))) this.push('null');
        i++;
      }
      this.push(']');
      return true;
    }
    this.push('{');
    let first = true;
    for (const k of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[k];
      // what JSON.stringify leaves out of an object, after toJSON
      const shown = resolve(item, k);
      if (shown === undefined || typeof shown === 'function' || typeof shown === 'symbol') continue;
      this.push((first ? '' : ',') + JSON.stringify(k) + ':');
      first = false;
      this.value(shown, k, false, true);
    }
    this.push('}');
    return true;
  }
}

/** What JSON.stringify writes in place of `v` under `key`: v.toJSON(key) where v has one, else v. */
function resolve(v: unknown, key: string): unknown {
  if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON: (k: string) => unknown }).toJSON(key);
  return v;
}

/** Files up to this many bytes are read with JSON.parse (the fastest way); longer ones by parseJSONBytes. */
const PARSE_WHOLE = 256 * 2 ** 20;

/**
 * Reads the JSON value in `path`: JSON.parse for files up to `wholeBytes` (default 256 MiB), parseJSONBytes past
 * it (a file longer than the longest string V8 makes still reads). Malformed JSON is a FormatError naming `op`,
 * the file and where it went wrong.
 */
export function readJSONFile(path: string, op = 'readJSONFile', wholeBytes = PARSE_WHOLE): unknown {
  if (fileSizeOf(path, op) <= wholeBytes) {
    try {
      return JSON.parse(nodeFs().readFileSync(path, 'utf8'));
    } catch (err) {
      if (err instanceof SyntaxError) throw new FormatError(`${op}: file must be JSON, got ${err.message}`, path);
      throw err;
    }
  }
  return parseJSONBytes(nodeFs().readFileSync(path), path, op);
}

/** The first `bytes` bytes of a file, as text (to tell what a file holds without reading all of it). */
export function fileHead(path: string, bytes: number): string {
  const fd = nodeFs().openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = nodeFs().readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    nodeFs().closeSync(fd);
  }
}

/**
 * JSON.parse of UTF-8 bytes, without making one string of them: the same value for every text JSON.parse takes.
 * A malformed text is a FormatError naming `file` and the byte offset.
 */
export function parseJSONBytes(bytes: Uint8Array, file?: string, op = 'parseJSONBytes'): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const fail = (what: string): never => {
    const got = at < buf.length ? JSON.stringify(buf.toString('utf8', at, Math.min(at + 12, buf.length))) : 'the end of the file';
    throw new FormatError(`${op}: file must be JSON, got ${got} at byte ${at} where ${what} should be`, file, `byte ${at}`);
  };
  const space = () => {
    while (at < buf.length) {
      const c = buf[at];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else break;
    }
  };
  const literal = (word: string, v: unknown): unknown => {
    for (let i = 0; i < word.length; i++) if (buf[at + i] !== word.charCodeAt(i)) fail(`'${word}'`);
    at += word.length;
    return v;
  };
  const number = (): number => {
    const start = at;
    if (buf[at] === 0x2d) at++;
    if (buf[at] === 0x30) at++;
    else if (buf[at] >= 0x31 && buf[at] <= 0x39) while (buf[at] >= 0x30 && buf[at] <= 0x39) at++;
    else fail('a digit');
    if (buf[at] === 0x2e) {
      at++;
      if (!(buf[at] >= 0x30 && buf[at] <= 0x39)) fail('a digit after the point');
      while (buf[at] >= 0x30 && buf[at] <= 0x39) at++;
    }
    if (buf[at] === 0x65 || buf[at] === 0x45) {
      at++;
      if (buf[at] === 0x2b || buf[at] === 0x2d) at++;
      if (!(buf[at] >= 0x30 && buf[at] <= 0x39)) fail('a digit in the exponent');
      while (buf[at] >= 0x30 && buf[at] <= 0x39) at++;
    }
    return Number(buf.toString('latin1', start, at));
  };
  const string = (): string => {
    const start = ++at; // past the opening quote
    let escaped = false;
    for (;;) {
      if (at >= buf.length) fail('a closing quote');
      const c = buf[at];
      if (c === 0x22) break;
      if (c < 0x20) fail('no control character in a string');
      if (c === 0x5c) {
        escaped = true;
        at++;
      }
      at++;
    }
    at++; // past the closing quote
    if (!escaped) return buf.toString('utf8', start, at - 1);
    try {
      return JSON.parse(buf.toString('utf8', start - 1, at)) as string;
    } catch {
      at = start - 1;
      return fail('a string with valid escapes');
    }
  };
  const value = (): unknown => {
    space();
    const c = buf[at];
    if (c === 0x7b) {
      at++;
      const o: Record<string, unknown> = {};
      space();
      if (buf[at] === 0x7d) {
        at++;
        return o;
      }
      for (;;) {
        space();
        if (buf[at] !== 0x22) fail('a key in quotes');
        const k = string();
        space();
        if (buf[at] !== 0x3a) fail("':'");
        at++;
        const v = value();
        // as JSON.parse: a repeated key keeps its last value, and __proto__ is an own key, not the prototype
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        else o[k] = v;
        space();
        if (buf[at] === 0x2c) at++;
        else if (buf[at] === 0x7d) {
          at++;
          return o;
        } else fail("',' or '}'");
      }
    }
    if (c === 0x5b) {
      at++;
      const a: unknown[] = [];
      space();
      if (buf[at] === 0x5d) {
        at++;
        return a;
      }
      for (;;) {
        a.push(value());
        space();
        if (buf[at] === 0x2c) at++;
        else if (buf[at] === 0x5d) {
          at++;
          return a;
        } else fail("',' or ']'");
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return literal('true', true);
    if (c === 0x66) return literal('false', false);
    if (c === 0x6e) return literal('null', null);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number();
    return fail('a value');
  };
  // a UTF-8 byte order mark is not JSON (JSON.parse of such a file's text fails too)
  let v: unknown;
  try {
    v = value();
  } catch (err) {
    // arrays or objects nested some thousands deep outrun the stack of this recursive reader
    if (err instanceof RangeError && /call stack/.test(err.message)) throw new FormatError(`${op}: file must be JSON nested at most a few thousand deep, got deeper at byte ${at}`, file, `byte ${at}`);
    throw err;
  }
  space();
  if (at < buf.length) fail('the end of the file');
  return v;
}
