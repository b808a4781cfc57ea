// Small helpers shared by strategies: which trials count as observations and how they rank.

import { ArgumentError } from '../../core/errors.js';
import { rankOrder, type Direction } from '../pareto.js';
import type { TrialRecord } from './types.js';

/** Complete trials ordered best first (by Pareto front for several objectives); ties keep history order. */
export function bestFirst<C>(trials: readonly TrialRecord<C>[], directions: readonly Direction[]): TrialRecord<C>[] {
  const done = trials.filter((t) => t.state === 'complete');
  return rankOrder(
    done.map((t) => t.values),
    directions,
  ).map((i) => done[i]);
}

/** A 32-bit seed mixed from several integers (splitmix-style), for per-trial generators. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = (h ^ (p >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = (h + 0x9e3779b9) >>> 0;
  }
  return h;
}

/** A value as an error message shows it: a string quoted and called one, so that `'3'` is not taken for 3. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' || v === undefined || v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A strategy's options argument: undefined is the defaults; anything else must be an object. */
export function checkOptionsObject(op: string, o: unknown, want = 'an object'): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ArgumentError(`${op}: options must be ${want}, got ${describeValue(o)}`);
}

/** Returns v when it is a number and ok(v); otherwise throws `<op>: <name> must be <want>, got <v>`. */
export function checkOption(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new ArgumentError(`${op}: ${name} must be ${want}, got ${describeValue(v)}`);
  return v;
}
