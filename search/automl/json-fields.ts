// Checked reads of a saved model's fields: a malformed file is a FormatError naming the field
// ('pipeline JSON: members[1].spec.learner is missing'), not a TypeError deep inside a prediction. The file name is
// added by whoever read the file (loadPipeline).
import { FormatError } from '../../core/errors.js';

/** A JSON value as a message shows it: 'none' when absent, a string quoted and cut at 40 characters. */
export function describeJSON(v: unknown): string {
  if (v === undefined) return 'none';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Reads the field at `path` of a document that `op` names ('pipeline JSON'); `at` steps into a field. */
export class JsonFields {
  constructor(
    readonly op: string,
    readonly path = '',
  ) {}

  at(key: string | number): JsonFields {
    return new JsonFields(this.op, typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key);
  }

  /** `<op>: <path> is missing`, or `<op>: <path> must be <what>, got <value>`. */
  fail(what: string, got: unknown): never {
    const field = this.path || 'the document';
    throw new FormatError(got === undefined ? `${this.op}: ${field} is missing` : `${this.op}: ${field} must be ${what}, got ${describeJSON(got)}`);
  }

  /** `<op>: <path> <message>`: the field is the sentence's subject ('classes has 2 entries where ...'). */
  failThat(message: string): never {
    throw new FormatError(`${this.op}: ${this.path || 'the document'} ${message}`);
  }

  /** `<op>: <path>: <message>`, for what a check further in found. */
  failWith(message: string): never {
    throw new FormatError(`${this.op}: ${this.path ? `${this.path}: ` : ''}${message}`);
  }

  object(v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('an object', v);
    return v as Record<string, unknown>;
  }

  array(v: unknown, length?: number): unknown[] {
    if (!Array.isArray(v) || (length !== undefined && v.length !== length)) this.fail(length === undefined ? 'an array' : `an array of ${length}`, v);
    return v;
  }

  string(v: unknown): string {
    if (typeof v !== 'string') this.fail('a string', v);
    return v;
  }

  /** A finite number; `positive`: also > 0 (a standard deviation that is divided by). */
  number(v: unknown, positive = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) this.fail(positive ? 'a positive finite number' : 'a finite number', v);
    return v;
  }

  numbers(v: unknown, length?: number, positive = false): number[] {
    const a = this.array(v, length);
    a.forEach((x, i) => this.at(i).number(x, positive));
    return a as number[];
  }

  strings(v: unknown): string[] {
    const a = this.array(v);
    a.forEach((x, i) => this.at(i).string(x));
    return a as string[];
  }

  oneOf<T extends string>(v: unknown, allowed: readonly T[]): T {
    if (!allowed.includes(v as T)) this.fail(`one of ${allowed.map((s) => `'${s}'`).join(', ')}`, v);
    return v as T;
  }
}
