// Small helpers shared by strategies: which trials count as observations and how they rank.

import { checkNumber, checkOptionsObject as checkOptions, fmtValue } from '../../core/errors.js';
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

/** A value as a strategy's messages show it: core's fmtValue, an array item by item ('[1,"2" (a string)]'). */
export function describeValue(v: unknown): string {
  return fmtValue(v, 'items');
}

/** A strategy's options argument: undefined is the defaults; anything else must be an object. */
export function checkOptionsObject(op: string, o: unknown, want = 'an object'): void {
  checkOptions(op, o, want, 'items');
}

/** Returns v when it is a number and ok(v); otherwise throws `<op>: <name> must be <want>, got <v>`. */
export function checkOption(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  return checkNumber(op, name, v, ok, want, 'items');
}
