// Regularized (aging) evolution, Real et al. 2019: the population is the last `populationSize`
// complete trials (so the oldest is always the one removed); each new trial mutates one parameter
// of the best of `sampleSize` population members drawn at random. The first `populationSize`
// trials are random draws.

import { ArgumentError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { decodeParam, encodeParam, sampleParam, type Config, type Param, type Space, type Value } from '../space.js';
import type { AskContext, GenericStrategy } from './types.js';
import { bestFirst, checkOption, checkOptionsObject } from './util.js';

export interface EvolutionOptions {
  /** Population size P (default 20). */
  populationSize?: number;
  /** Tournament size S (default 5). */
  sampleSize?: number;
  /** Std of the Gaussian step in the [0,1] encoding for numeric mutations (default 0.15). */
  mutationScale?: number;
}

export function regularizedEvolution(options: EvolutionOptions = {}): GenericStrategy {
  checkOptionsObject('regularizedEvolution', options);
  const populationSize = options.populationSize ?? 20;
  const sampleSize = options.sampleSize ?? 5;
  const scale = options.mutationScale ?? 0.15;
  if (!Number.isInteger(populationSize) || populationSize < 2) throw new ArgumentError(`regularizedEvolution: populationSize must be an integer >= 2, got ${populationSize}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1 || sampleSize > populationSize) throw new ArgumentError(`regularizedEvolution: sampleSize must be an integer in [1, populationSize], got ${sampleSize}`);
  // a std: NaN or 0 leaves every numeric step to the uniform fallback, and a negative one is no scale at all
  checkOption('regularizedEvolution', 'mutationScale', scale, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  return {
    name: 'evolution',
    ask<C>({ space, rng, history, index, directions }: AskContext<C>) {
      const population = history.filter((t) => t.state === 'complete').slice(-populationSize);
      if (index < populationSize || population.length === 0) return { config: space.sample(rng) };
      const sample = rng.shuffle(population.slice()).slice(0, sampleSize);
      const parent = bestFirst(sample, directions)[0];
      return { config: mutate(space, parent.config, rng, scale) };
    },
  };
}

/** Changes one active parameter to a different value; parameters it (de)activates are resolved. */
export function mutate<C>(space: Space<C>, config: C, rng: Random, scale = 0.15): C {
  const c = config as Config;
  // a parameter of one value cannot change: an int with low == high (mlpSpace({ widths: [32, 32] })) had been picked
  // as often as any other and the parent returned unchanged (534 of 1,000 mutations)
  const mutable = space.params.filter((p) => c[p.name] !== undefined && !singleValued(p));
  if (mutable.length === 0) return space.complete(c, rng);
  const p = rng.choice(mutable);
  return space.complete({ ...c, [p.name]: mutateValue(p, c[p.name], rng, scale) }, rng);
}

function singleValued(p: Param): boolean {
  return p.kind === 'categorical' ? p.choices.length === 1 : p.kind === 'int' && p.low === p.high;
}

function mutateValue(p: Param, v: Value, rng: Random, scale: number): Value {
  if (p.kind === 'categorical') {
    const others = p.choices.filter((x) => x !== v);
    return rng.choice(others);
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const u = attempt < 4 ? encodeParam(p, v) + rng.normal(0, scale) : rng.next();
    const w = decodeParam(p, Math.min(1, Math.max(0, u)));
    if (w !== v) return w;
  }
  // eight draws that all landed on v (an int of two values can): another value, uniformly
  if (p.kind === 'int') {
    const n = (p.high - p.low) / p.step + 1;
    const j = rng.int(n - 1);
    const w = p.low + p.step * j;
    return w >= (v as number) ? w + p.step : w;
  }
  let w = sampleParam(p, rng);
  while (w === v) w = sampleParam(p, rng);
  return w;
}
