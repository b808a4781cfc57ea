// Search spaces: typed parameter lists with seeded sampling, validation, a [0,1]^d encoding and a
// readable printout. A parameter may be conditional on earlier categorical parents (`when`).

import { ArgumentError } from '../core/errors.js';
import { Random } from '../core/random.js';

/** A value a parameter can take. */
export type Value = number | string | boolean;

/** What a configuration is at runtime: one value per active parameter. */
export type Config = Record<string, Value>;

/** `{ learner: ['tree'] }`: active only when every named parent is active and holds one of the values. */
export type Condition = Readonly<Record<string, readonly Value[]>>;

interface ParamBase {
  readonly name: string;
  readonly when?: Condition;
}

export interface CategoricalParam extends ParamBase {
  readonly kind: 'categorical';
  readonly choices: readonly Value[];
}

export interface IntParam extends ParamBase {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly step: number;
  readonly log: boolean;
}

export interface FloatParam extends ParamBase {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
}

export type Param = CategoricalParam | IntParam | FloatParam;

export interface IntOptions {
  step?: number;
  log?: boolean;
  when?: Condition;
}

export interface FloatOptions {
  log?: boolean;
  when?: Condition;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Add<C, K extends string, V, W> = W extends undefined ? C & { [P in K]: V } : C & { [P in K]?: V };

/**
 * Builds a Space; each call adds one parameter and widens the inferred Config type. Conditional
 * parameters are optional in the type. Conditions may name only parameters added before.
 *
 *   const s = space()
 *     .categorical('learner', ['tree', 'linear'])
 *     .int('maxDepth', 1, 12, { when: { learner: ['tree'] } })
 *     .float('lr', 1e-4, 1, { log: true })
 *     .build();
 */
export class SpaceBuilder<C = {}> {
  private readonly params: Param[] = [];

  categorical<K extends string, const V extends Value, W extends Condition | undefined = undefined>(
    name: K,
    choices: readonly V[],
    options?: { when?: W },
  ): SpaceBuilder<Add<C, K, V, W>> {
    if (choices.length === 0) throw new ArgumentError(`space.categorical: '${name}' needs at least one choice, got 0`);
    if (new Set(choices).size !== choices.length) throw new ArgumentError(`space.categorical: '${name}' choices must be distinct, got [${choices.join(',')}]`);
    return this.add({ kind: 'categorical', name, choices: [...choices], when: options?.when });
  }

  int<K extends string, W extends Condition | undefined = undefined>(
    name: K,
    low: number,
    high: number,
    options?: IntOptions & { when?: W },
  ): SpaceBuilder<Add<C, K, number, W>> {
    const step = options?.step ?? 1;
    const log = options?.log ?? false;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low > high) throw new ArgumentError(`space.int: '${name}' needs integers low <= high, got [${low}, ${high}]`);
    if (!Number.isInteger(step) || step < 1) throw new ArgumentError(`space.int: '${name}' step must be a positive integer, got ${step}`);
    if (log && (low < 1 || step !== 1)) throw new ArgumentError(`space.int: '${name}' log scale needs low >= 1 and step 1, got low ${low}, step ${step}`);
    if ((high - low) % step !== 0) throw new ArgumentError(`space.int: '${name}' range must be a multiple of step, got [${low}, ${high}] step ${step}`);
    return this.add({ kind: 'int', name, low, high, step, log, when: options?.when });
  }

  float<K extends string, W extends Condition | undefined = undefined>(
    name: K,
    low: number,
    high: number,
    options?: FloatOptions & { when?: W },
  ): SpaceBuilder<Add<C, K, number, W>> {
    const log = options?.log ?? false;
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) throw new ArgumentError(`space.float: '${name}' needs finite low < high, got [${low}, ${high}]`);
    if (log && low <= 0) throw new ArgumentError(`space.float: '${name}' log scale needs low > 0, got ${low}`);
    return this.add({ kind: 'float', name, low, high, log, when: options?.when });
  }

  /** A float on a log scale: `logFloat('lr', 1e-5, 1)`. */
  logFloat<K extends string, W extends Condition | undefined = undefined>(
    name: K,
    low: number,
    high: number,
    options?: { when?: W },
  ): SpaceBuilder<Add<C, K, number, W>> {
    return this.float(name, low, high, { log: true, when: options?.when });
  }

  build(): Space<Simplify<C>> {
    return new Space<Simplify<C>>(this.params);
  }

  private add<N>(p: Param): SpaceBuilder<N> {
    if (this.params.some((q) => q.name === p.name)) throw new ArgumentError(`space: parameter names must be unique, got '${p.name}' twice`);
    for (const [parent, values] of Object.entries(p.when ?? {})) {
      const q = this.params.find((x) => x.name === parent);
      if (!q || q.kind !== 'categorical') throw new ArgumentError(`space: '${p.name}' may be conditional only on an earlier categorical parameter, got '${parent}'`);
      for (const v of values) {
        if (!q.choices.includes(v)) throw new ArgumentError(`space: condition of '${p.name}' names '${String(v)}', which is not a choice of '${parent}'`);
      }
    }
    if (p.when && Object.keys(p.when).length === 0) p = { ...p, when: undefined };
    this.params.push(p);
    return this as unknown as SpaceBuilder<N>;
  }
}

/** Starts a space builder. */
export function space(): SpaceBuilder {
  return new SpaceBuilder();
}

/** An immutable search space. `C` is the inferred configuration type. */
export class Space<C = Config> {
  readonly params: readonly Param[];

  constructor(params: readonly Param[]) {
    this.params = params.map((p) => Object.freeze({ ...p }));
  }

  /** Number of parameters (the length of `encode`'s vector). */
  get dim(): number {
    return this.params.length;
  }

  /** True when every parent named in `p.when` is present in `partial` with an allowed value. */
  isActive(p: Param, partial: Readonly<Record<string, Value | undefined>>): boolean {
    if (!p.when) return true;
    for (const [parent, values] of Object.entries(p.when)) {
      const v = partial[parent];
      if (v === undefined || !values.includes(v)) return false;
    }
    return true;
  }

  /** Draws one configuration; parameters whose condition fails are left out. */
  sample(rng: Random): C {
    return this.complete({}, rng);
  }

  /**
   * Keeps the values of `partial` that are valid and active and samples the active parameters it
   * lacks, in order: what a mutation uses after changing a parent.
   */
  complete(partial: Readonly<Record<string, Value | undefined>>, rng: Random): C {
    const out: Config = {};
    for (const p of this.params) {
      if (!this.isActive(p, out)) continue;
      const v = partial[p.name];
      out[p.name] = v !== undefined && paramContains(p, v) ? v : sampleParam(p, rng);
    }
    return out as C;
  }

  /** Why `config` is not in the space, or null when it is. */
  check(config: unknown): string | null {
    if (typeof config !== 'object' || config === null) return `expected an object, got ${String(config)}`;
    const c = config as Record<string, unknown>;
    const known = new Set(this.params.map((p) => p.name));
    for (const k of Object.keys(c)) if (!known.has(k)) return `unknown parameter '${k}'`;
    for (const p of this.params) {
      const active = this.isActive(p, c as Record<string, Value>);
      const v = c[p.name];
      if (!active && v !== undefined) return `'${p.name}' is set but inactive (${fmtCondition(p.when)} fails)`;
      if (active && v === undefined) return `'${p.name}' is missing`;
      if (active && !paramContains(p, v)) return `'${p.name}' must be ${fmtRange(p)}, got ${JSON.stringify(v)}`;
    }
    return null;
  }

  contains(config: unknown): config is C {
    return this.check(config) === null;
  }

  /** Throws ArgumentError when `config` is not inside the space. */
  validate(config: unknown): asserts config is C {
    const why = this.check(config);
    if (why) throw new ArgumentError(`space.validate: config must lie in the space, ${why}`);
  }

  /** One number in [0,1] per parameter, NaN where the parameter is inactive. */
  encode(config: C): number[] {
    const c = config as Config;
    return this.params.map((p) => (c[p.name] === undefined ? NaN : encodeParam(p, c[p.name])));
  }

  /** Inverse of encode: follows the conditions, so entries of inactive parameters are ignored. */
  decode(vector: ArrayLike<number>): C {
    if (vector.length !== this.dim) throw new ArgumentError(`space.decode: vector length must be ${this.dim}, got ${vector.length}`);
    const out: Config = {};
    this.params.forEach((p, i) => {
      if (!this.isActive(p, out)) return;
      const u = vector[i];
      if (!(u >= 0 && u <= 1)) throw new ArgumentError(`space.decode: entry ${i} ('${p.name}') must be in [0,1], got ${u}`);
      out[p.name] = decodeParam(p, u);
    });
    return out as C;
  }

  /** One line per parameter: name, kind, range or choices, scale and condition. */
  toString(): string {
    const w = Math.max(0, ...this.params.map((p) => p.name.length));
    return this.params
      .map((p) => {
        const cond = p.when ? `  if ${fmtCondition(p.when)}` : '';
        return `${p.name.padEnd(w)}  ${p.kind.padEnd(11)}  ${fmtRange(p)}${cond}`;
      })
      .join('\n');
  }
}

function fmtCondition(when: Condition | undefined): string {
  if (!when) return 'always';
  return Object.entries(when)
    .map(([k, vs]) => `${k} in {${vs.map(String).join(', ')}}`)
    .join(' and ');
}

function fmtRange(p: Param): string {
  if (p.kind === 'categorical') return `{${p.choices.map((c) => JSON.stringify(c)).join(', ')}}`;
  const scale = p.log ? ' log' : '';
  const step = p.kind === 'int' && p.step !== 1 ? ` step ${p.step}` : '';
  return `[${p.low}, ${p.high}]${step}${scale}`;
}

/** True when `v` is a legal value of `p`. */
export function paramContains(p: Param, v: unknown): boolean {
  if (p.kind === 'categorical') return p.choices.includes(v as Value);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < p.low || v > p.high) return false;
  if (p.kind === 'int') return Number.isInteger(v) && (v - p.low) % p.step === 0;
  return true;
}

/** Uniform draw (in log space for log parameters). */
export function sampleParam(p: Param, rng: Random): Value {
  if (p.kind === 'categorical') return p.choices[rng.int(p.choices.length)];
  return decodeParam(p, rng.next());
}

/** Maps a value to [0,1]: linear or log position for numbers, the middle of its cell for a choice. */
export function encodeParam(p: Param, v: Value): number {
  if (p.kind === 'categorical') return (p.choices.indexOf(v) + 0.5) / p.choices.length;
  const x = v as number;
  if (p.kind === 'int') {
    // Each integer owns an equal cell of [0,1] (on the log axis for log ints), so uniform u is uniform over values.
    if (p.log) return (0.5 * (Math.log(x) + Math.log(x + 1)) - Math.log(p.low)) / (Math.log(p.high + 1) - Math.log(p.low));
    const n = (p.high - p.low) / p.step + 1;
    return ((x - p.low) / p.step + 0.5) / n;
  }
  if (p.log) return (Math.log(x) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low));
  return (x - p.low) / (p.high - p.low);
}

/** Maps u in [0,1] back to a legal value of `p`. */
export function decodeParam(p: Param, u: number): Value {
  const t = Math.min(Math.max(u, 0), 1);
  if (p.kind === 'categorical') return p.choices[Math.min(p.choices.length - 1, Math.floor(t * p.choices.length))];
  if (p.kind === 'int') {
    if (p.log) {
      const x = Math.floor(Math.exp(Math.log(p.low) + t * (Math.log(p.high + 1) - Math.log(p.low))));
      return Math.min(p.high, Math.max(p.low, x));
    }
    const n = (p.high - p.low) / p.step + 1;
    return p.low + p.step * Math.min(n - 1, Math.floor(t * n));
  }
  const x = p.log ? Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low))) : p.low + t * (p.high - p.low);
  return Math.min(p.high, Math.max(p.low, x));
}
