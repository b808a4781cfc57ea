// Grid search: every combination of categorical choices and integer values, floats at `resolution`
// evenly spaced points (on the log axis for log floats). Conditional parameters only expand under
// parents that activate them. Returns null once the grid is exhausted, which ends the study.

import { ArgumentError } from '../../core/errors.js';
import type { Config, Param, Space, Value } from '../space.js';
import type { AskContext } from './types.js';
import type { GenericStrategy } from './types.js';

export interface GridOptions {
  /** Points per float parameter (default 5), or per parameter name. */
  resolution?: number | Record<string, number>;
  /** Cap on the values of one integer parameter; wider ranges are subsampled evenly (default 100). */
  maxIntValues?: number;
}

export function gridSearch(options: GridOptions = {}): GenericStrategy {
  // The grid is built once, on the first ask; a strategy object belongs to one study (one space).
  let grid: unknown[] | null = null;
  return {
    name: 'grid',
    ask<C>({ space, index }: AskContext<C>) {
      grid ??= gridPoints(space, options);
      return index < grid.length ? { config: grid[index] as C } : null;
    },
  };
}

/** All grid points in a fixed order (the first parameter varies slowest). */
export function gridPoints<C>(space: Space<C>, options: GridOptions = {}): C[] {
  const valuesOf = (p: Param): Value[] => {
    if (p.kind === 'categorical') return [...p.choices];
    const res = typeof options.resolution === 'number' ? options.resolution : (options.resolution?.[p.name] ?? 5);
    if (p.kind === 'int') {
      const n = (p.high - p.low) / p.step + 1;
      const cap = options.maxIntValues ?? 100;
      if (n <= cap && !p.log) return Array.from({ length: n }, (_, i) => p.low + i * p.step);
      return evenly(p, Math.min(cap, n));
    }
    if (!Number.isInteger(res) || res < 1) throw new ArgumentError(`gridSearch: resolution of '${p.name}' must be a positive integer, got ${res}`);
    return evenly(p, res);
  };
  let partials: Config[] = [{}];
  for (const p of space.params) {
    const vs = valuesOf(p);
    partials = partials.flatMap((c) => (space.isActive(p, c) ? vs.map((v) => ({ ...c, [p.name]: v })) : [c]));
  }
  return partials as C[];
}

function evenly(p: Param & { kind: 'int' | 'float' }, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 0.5 : i / (n - 1);
    let x = p.log ? Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low))) : p.low + t * (p.high - p.low);
    x = Math.min(p.high, Math.max(p.low, x)); // exp(log(high)) may overshoot by an ulp
    if (p.kind === 'int') x = p.low + p.step * Math.round((x - p.low) / p.step);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}
