// Checked reads of a saved model's fields: a malformed file is a FormatError naming the field
// ('pipeline JSON: members[1].spec.learner is missing'), not a TypeError deep inside a prediction. The file name is
// added by whoever read the file (loadPipeline).
import { ArgumentError, FormatError } from '../../core/errors.js';

type Task = 'classification' | 'regression';

/** A JSON value as a message shows it: 'none' when absent, a string quoted and cut at 40 characters, a short flat array as its values ([NaN]). */
export function describeJSON(v: unknown): string {
  if (v === undefined) return 'none';
  // a short array of plain values is shown as it is ([NaN] says more than "an array of 1"); a longer or nested one by its length
  if (Array.isArray(v)) return v.length <= 4 && v.every((e) => e === null || ['number', 'string', 'boolean'].includes(typeof e)) ? `[${v.map(describeJSON).join(', ')}]` : `an array of ${v.length}`;
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

  /** An integer of at least `min` (a count: classes, features). */
  integer(v: unknown, min: number): number {
    if (!Number.isSafeInteger(v) || (v as number) < min) this.fail(`an integer >= ${min}`, v);
    return v as number;
  }

  numbers(v: unknown, length?: number, positive = false): number[] {
    const a = this.array(v, length);
    // a path is made only for the entry refused: a kNN model holds millions of numbers
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x !== 'number' || !Number.isFinite(x) || (positive && !(x > 0))) this.at(i).number(x, positive);
    }
    return a as number[];
  }

  /** Integers in [0, below) (class indices, columns). */
  indices(v: unknown, below: number, length?: number): number[] {
    const a = this.array(v, length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (!(Number.isInteger(x) && (x as number) >= 0 && (x as number) < below)) this.at(i).fail(`an integer in [0, ${below})`, x);
    }
    return a as number[];
  }

  /** A fitted learner's task, and its class count: at least 1 for a classifier, 0 for a regressor (whatever was saved). */
  taskAndClasses(json: Record<string, unknown>): { task: Task; nClasses: number } {
    const task = this.at('task').oneOf<Task>(json.task, ['classification', 'regression']);
    return { task, nClasses: task === 'classification' ? this.at('nClasses').integer(json.nClasses, 1) : 0 };
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

/**
 * What one learner parameter must be: `what` for messages ('a number >= 1'), `ok` the test. A learner's constructor
 * checks its parameters against its rules (an ArgumentError) and its fromJSON the saved ones (a FormatError naming
 * params.<name>), so what a constructor accepts, toJSON writes and fromJSON reads back.
 */
export interface ParamRule {
  what: string;
  ok: (v: unknown) => boolean;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const rule = {
  /** A finite number (a seed). */
  finite: { what: 'a finite number', ok: finite } as ParamRule,
  atLeast: (min: number): ParamRule => ({ what: `a number >= ${min}`, ok: (v) => finite(v) && v >= min }),
  above: (min: number): ParamRule => ({ what: `a number > ${min}`, ok: (v) => finite(v) && v > min }),
  within: (lo: number, hi: number): ParamRule => ({ what: `a number in [${lo}, ${hi}]`, ok: (v) => finite(v) && v >= lo && v <= hi }),
  integer: (min: number): ParamRule => ({ what: `an integer >= ${min}`, ok: (v) => Number.isInteger(v) && (v as number) >= min }),
  oneOf: (allowed: readonly string[]): ParamRule => ({ what: `one of ${allowed.map((s) => `'${s}'`).join(', ')}`, ok: (v) => allowed.includes(v as string) }),
  boolean: { what: 'true or false', ok: (v) => typeof v === 'boolean' } as ParamRule,
  orNull: (r: ParamRule): ParamRule => ({ what: `${r.what} or null`, ok: (v) => v === null || r.ok(v) }),
  /** A tree's maxFeatures (MaxFeatures): a name, a fraction of the columns in (0, 1], or a count past 1. */
  maxFeatures: { what: "'sqrt', 'log2', 'all' or a number > 0", ok: (v) => v === 'sqrt' || v === 'log2' || v === 'all' || (finite(v) && v > 0) } as ParamRule,
};

/** The parameters of `params` that break their rule (one absent, or without a rule, is not read). */
function brokenParams(params: Record<string, unknown>, rules: Record<string, ParamRule>): { key: string; rule: ParamRule }[] {
  return Object.entries(rules).flatMap(([key, r]) => (params[key] !== undefined && !r.ok(params[key]) ? [{ key, rule: r }] : []));
}

/** A constructor's check: the first parameter that breaks its rule is an ArgumentError `<op>: <name> must be <what>, got <value>`. */
export function checkParams(op: string, params: Record<string, unknown>, rules: Record<string, ParamRule>): void {
  const [bad] = brokenParams(params, rules);
  if (bad) throw new ArgumentError(`${op}: ${bad.key} must be ${bad.rule.what}, got ${describeJSON(params[bad.key])}`);
}

/**
 * A learner's saved parameters (`json.params`), each checked against its rule: a FormatError naming the field
 * ('DecisionTree.fromJSON: params.maxDepth must be a number >= 0 or null, got -1'). Absent: none (the defaults); a
 * parameter absent from the object takes its default too (a file written before the parameter existed).
 */
export function paramsFromJSON<T>(op: string, params: unknown, rules: Record<string, ParamRule>): Partial<T> {
  if (params === undefined) return {};
  const fields = new JsonFields(op).at('params');
  const o = fields.object(params);
  for (const { key, rule: r } of brokenParams(o, rules)) fields.at(key).fail(r.what, o[key]);
  return o as Partial<T>;
}
