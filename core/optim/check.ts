// Option checks shared by the optimizers and schedulers. Not exported from core: a bad option must fail at
// construction, because a NaN or negative lr only shows up later as NaN weights, far from its cause.
import { ArgumentError } from '../errors.js';

/** A value as a message shows it: numbers as JS prints them, a string quoted and called one, so `'3'` is not read as 3. */
export function fmtValue(v: unknown): string {
  if (typeof v === 'number' || v === undefined || v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Returns v when it is a number and ok(v); otherwise throws `<op>: <name> must be <want>, got <v>`. */
export function checkNumber(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new ArgumentError(`${op}: ${name} must be ${want}, got ${fmtValue(v)}`);
  return v;
}

export const finiteNonNegative = (x: number): boolean => Number.isFinite(x) && x >= 0;
/** [0, 1): a momentum or a beta of 1 never forgets (Adam's bias correction then divides by zero), above 1 it grows. */
export const unitInterval = (x: number): boolean => x >= 0 && x < 1;
export const positiveInteger = (x: number): boolean => Number.isInteger(x) && x >= 1;

/** The options object a constructor was given must be an object (undefined already replaced by its default). */
export function checkOptions(op: string, o: unknown, want: string): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ArgumentError(`${op}: options must be ${want}, got ${fmtValue(o)}`);
}
