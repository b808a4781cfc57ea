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
