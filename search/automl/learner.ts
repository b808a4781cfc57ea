// The one interface every classical learner here implements, and the registry that revives one from JSON.
import { ArgumentError, FormatError, WhittleError } from '../../core/errors.js';
import { describeJSON } from './json-fields.js';
import type { Matrix, Target } from './matrix.js';

export type Task = 'classification' | 'regression';

export interface Learner {
  /** Registry name, e.g. 'decision-tree'; `toJSON().kind` carries it. */
  readonly kind: string;
  /** y: Int32Array of class indices 0..K-1, or Float64Array for regression (learners that support it). */
  fit(x: Matrix, y: Target): this;
  /** Class indices (Int32Array) or real values (Float64Array). */
  predict(x: Matrix): Target;
  /** [rows, nClasses], each row sums to 1. Regression learners throw. */
  predictProba(x: Matrix): Matrix;
  toJSON(): LearnerJSON;
}

export interface LearnerJSON {
  kind: string;
  [key: string]: unknown;
}

type Reviver = (json: LearnerJSON) => Learner;
const revivers = new Map<string, Reviver>();

export function registerLearner(kind: string, revive: Reviver): void {
  revivers.set(kind, revive);
}

/**
 * Rebuilds any registered learner from its `toJSON()` form. What a learner's own reader does not check and trips
 * on (a field of the wrong type read as an object, a bad parameter its constructor refuses) is a FormatError here
 * too: a malformed file, not an internal error.
 */
export function learnerFromJSON(json: LearnerJSON): Learner {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(`learnerFromJSON: a learner must be an object, got ${describeJSON(json)}`);
  const revive = revivers.get(json.kind);
  if (!revive) throw new FormatError(`learnerFromJSON: kind must be one of ${[...revivers.keys()].join(', ')}, got ${describeJSON(json.kind)}`);
  if (json.version !== undefined && !(Number.isInteger(json.version) && (json.version as number) >= 1)) {
    throw new FormatError(`learnerFromJSON: ${json.kind} version must be a positive integer, got ${describeJSON(json.version)}`);
  }
  refuseArrayLikes(json, json.kind);
  try {
    return revive(json);
  } catch (err) {
    if (err instanceof FormatError || !(err instanceof WhittleError || err instanceof TypeError || err instanceof RangeError)) throw err;
    throw new FormatError(`learnerFromJSON: ${json.kind} could not be read from its JSON: ${err.message}`);
  }
}

/**
 * The revivers turn saved arrays into typed arrays with Float64Array.from and the like, which read any object with a
 * length as an array: { "length": 1e9 } where an array was saved made a billion-number allocation and a loop over it
 * (minutes, gigabytes) before any check. toJSON writes no object with a length key, so one is refused here, for
 * every learner at once, naming its path.
 */
function refuseArrayLikes(json: unknown, kind: string): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      // a fitted model's arrays hold mostly numbers: no path string is made for those
      let numbers = false;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'number') numbers = true;
        else if (typeof x === 'object' && x !== null) walk(x, `${path}[${i}]`);
      }
      // Float64Array.from reads "x" as NaN and "Infinity" as Infinity: a predict that gives NaN or an undefined class
      const odd = numbers ? v.findIndex((x) => typeof x !== 'number' && x !== null) : -1;
      if (odd >= 0) throw new FormatError(`learnerFromJSON: ${kind} ${path}[${odd}] must be a number as the rest of its array, got ${describeJSON(v[odd])}`);
      return;
    }
    if (Object.hasOwn(v, 'length')) throw new FormatError(`learnerFromJSON: ${kind} ${path || 'JSON'} must be an array or an object without a length, got an object with length ${describeJSON((v as { length: unknown }).length)}`);
    for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(json, '');
}

export function expectKind(json: LearnerJSON, kind: string): void {
  if (json?.kind !== kind) throw new FormatError(`${kind}.fromJSON: kind must be '${kind}', got ${JSON.stringify(json?.kind)}`);
}

export function requireClassification(op: string, y: Target): Int32Array {
  if (!(y instanceof Int32Array)) throw new ArgumentError(`${op}: supports classification only, y must be an Int32Array of class indices, got ${y.constructor.name}`);
  return y;
}

export function notFitted(op: string): never {
  throw new ArgumentError(`${op}: the learner must be fitted first, got an unfitted learner`);
}

/** JSON keeps typed arrays as plain arrays. */
export function arr(a: ArrayLike<number>): number[] {
  return Array.from(a);
}
