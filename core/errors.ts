// One place for whittle's error types. Messages follow `<op>: <what must hold>, got <what came>`.

/** Base class: every error whittle throws on purpose is a WhittleError. */
export class WhittleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape does not fit the op: `matmul: inner dimensions must agree, got [2,3] and [4,5]`. */
export class ShapeError extends WhittleError {}

/** A dtype does not fit the op: `int8Matmul: operands must be int8, got float32`. */
export class DTypeError extends WhittleError {}

/** A bad argument that is neither a shape nor a dtype (a sparsity outside [0,1), an unknown layer name). */
export class ArgumentError extends WhittleError {}

/** A user file (CSV, IDX, safetensors, JSON) that does not follow its format; names the file and the place. */
export class FormatError extends WhittleError {
  constructor(
    message: string,
    readonly file?: string,
    readonly where?: string,
  ) {
    super(file ? `${file}${where ? ` (${where})` : ''}: ${message}` : message);
  }
}

/** A file could not be written: names the file the caller asked for (not a temp file) and why; `code` is the OS's (ENOENT, EACCES...). */
export class WriteError extends WhittleError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot write ${path}: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`);
  }
}

/** Numerical trouble found in debug mode (an op produced NaN). */
export class NumericError extends WhittleError {}

/** Prints a shape the way every message does: [2,3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * A value as a message shows it: numbers as JS prints them, a string quoted and called one (so `'3'` is not read as
 * 3); an array by its length or, with `arrays: 'items'`, item by item ('[1,"2" (a string)]').
 */
export function fmtValue(v: unknown, arrays: 'length' | 'items' = 'length'): string {
  if (typeof v === 'number' || v === undefined || v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (Array.isArray(v)) return arrays === 'items' ? `[${v.map((x) => fmtValue(x, arrays)).join(',')}]` : `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Returns v when it is a number and ok(v); otherwise throws `<op>: <name> must be <want>, got <v>` (an ArgumentError). */
export function checkNumber(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string, arrays: 'length' | 'items' = 'length'): number {
  if (typeof v !== 'number' || !ok(v)) throw new ArgumentError(`${op}: ${name} must be ${want}, got ${fmtValue(v, arrays)}`);
  return v;
}

/** An options argument (undefined already replaced by its default) must be an object: `<op>: options must be <want>, got <o>`. */
export function checkOptionsObject(op: string, o: unknown, want = 'an object', arrays: 'length' | 'items' = 'length'): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ArgumentError(`${op}: options must be ${want}, got ${fmtValue(o, arrays)}`);
}
