// Tree-structured Parzen Estimator, Bergstra et al. 2011. Observations are split at the gamma
// quantile into good and bad; for each parameter (modelled only over the trials where it is
// active, which is how conditional parameters are handled) a Parzen estimator l(x) is fitted to the
// good values and g(x) to the bad ones; candidates drawn from l are scored by l(x)/g(x). Numbers are
// modelled in the [0,1] encoding (so log parameters in log space) as truncated Gaussian mixtures
// with a uniform prior component; categoricals as smoothed frequency tables.

import { ArgumentError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { decodeParam, encodeParam, type Config, type Param } from '../space.js';
import type { AskContext, GenericStrategy, TrialRecord } from './types.js';
import { bestFirst, checkOption, checkOptionsObject, describeValue } from './util.js';

export interface TpeOptions {
  /** Random trials before the model is used (default 10). */
  startupTrials?: number;
  /** Number of good observations for n observations (default min(ceil(0.15 n), 25)). */
  gamma?: (n: number) => number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  candidates?: number;
  /** Weight of the prior component of numeric estimators relative to one observation (default 1). */
  priorWeight?: number;
  /**
   * Pseudo-count each categorical choice gets in l and g (default 1). With a prior spread thinly
   * (1/k per choice) TPE tends to lock onto the choice that did best during startup; a full count per
   * choice keeps trying a choice until about (bad/good) of its trials have been bad.
   */
  categoricalPrior?: number;
  /**
   * Never propose a configuration already in the history while an unseen one can be found (default false): a
   * repeat is redrawn from the model up to 8 times, then drawn at random from the space up to 64 times. On a space
   * with few distinct configurations (integers and choices only) univariate TPE otherwise re-proposes the ones it
   * likes: in AutoML on two small learners, 19 of 60 trials were repeats, each fitting the same models again.
   */
  avoidRepeats?: boolean;
}

export function tpe(options: TpeOptions = {}): GenericStrategy {
  checkOptionsObject('tpe', options);
  const startup = options.startupTrials ?? 10;
  const gamma = options.gamma ?? ((n: number) => Math.min(Math.ceil(0.15 * n), 25));
  const nCandidates = options.candidates ?? 24;
  const priorWeight = options.priorWeight ?? 1;
  const categoricalPrior = options.categoricalPrior ?? 1;
  if (!Number.isInteger(startup) || startup < 0) throw new ArgumentError(`tpe: startupTrials must be a non-negative integer, got ${startup}`);
  if (!Number.isInteger(nCandidates) || nCandidates < 1) throw new ArgumentError(`tpe: candidates must be a positive integer, got ${nCandidates}`);
  // a NaN weight makes every density NaN, no candidate ever scores above -Infinity, and TPE proposes the centre forever
  const finiteNonNegative = (x: number) => Number.isFinite(x) && x >= 0;
  checkOption('tpe', 'priorWeight', priorWeight, finiteNonNegative, 'a finite number >= 0');
  checkOption('tpe', 'categoricalPrior', categoricalPrior, finiteNonNegative, 'a finite number >= 0');
  if (typeof gamma !== 'function') throw new ArgumentError(`tpe: gamma must be a function of the number of observations, got ${describeValue(gamma)}`);
  /** gamma(n), checked where it is called: a function can only be judged by what it returns. */
  const goodCount = (n: number): number => {
    const v: unknown = gamma(n);
    // (0, n]: rounding and the clamp below still turn 0.3 into 1 and n into n - 1, as they always have
    if (typeof v !== 'number' || !(v > 0 && v <= n)) throw new ArgumentError(`tpe: gamma(n) must return a number in (0, n], how many of the n observations count as good, got ${describeValue(v)} for n = ${n}`);
    return Math.min(n - 1, Math.max(1, Math.round(v)));
  };
  return {
    name: 'tpe',
    ask<C>({ space, rng, history, directions }: AskContext<C>) {
      const ranked = bestFirst(history as readonly TrialRecord<Config>[], directions);
      const propose = (): Config => {
        if (ranked.length < Math.max(startup, 2)) return space.sample(rng) as Config;
        const nGood = goodCount(ranked.length);
        const good = ranked.slice(0, nGood) as TrialRecord<Config>[];
        // Pruned trials were judged worse than their peers: they count as bad observations.
        const bad = [...ranked.slice(nGood), ...(history as readonly TrialRecord<Config>[]).filter((t) => t.state === 'pruned')];
        const out: Config = {};
        for (const p of space.params) {
          if (!space.isActive(p, out)) continue;
          const l = observed(p, good);
          const g = observed(p, bad);
          out[p.name] = p.kind === 'categorical' ? pickCategorical(p, l, g, rng, nCandidates, categoricalPrior) : pickNumeric(p, l, g, rng, nCandidates, priorWeight);
        }
        return out;
      };
      if (!options.avoidRepeats) return { config: propose() as C };
      const seen = new Set(history.map((t) => configKey(t.config as Config)));
      for (let i = 0; i < 8; i++) {
        const c = propose();
        if (!seen.has(configKey(c))) return { config: c as C };
      }
      for (let i = 0; i < 64; i++) {
        const c = space.sample(rng) as Config;
        if (!seen.has(configKey(c))) return { config: c as C };
      }
      // the space is all but used up
      return { config: propose() as C };
    },
  };
}

/** The same key for equal configurations whatever their keys' order. */
function configKey(c: Config): string {
  return JSON.stringify(Object.keys(c).sort().map((k) => [k, c[k]]));
}

function observed(p: Param, trials: readonly TrialRecord<Config>[]): number[] {
  const xs: number[] = [];
  for (const t of trials) {
    const v = t.config[p.name];
    if (v !== undefined) xs.push(encodeParam(p, v));
  }
  return xs;
}

function pickCategorical(p: Param & { kind: 'categorical' }, l: number[], g: number[], rng: Random, nCandidates: number, prior: number) {
  const k = p.choices.length;
  const probs = (xs: number[]): Float64Array => {
    const w = new Float64Array(k).fill(prior);
    for (const x of xs) w[Math.min(k - 1, Math.floor(x * k))] += 1;
    const total = xs.length + prior * k;
    return w.map((v) => v / total);
  };
  const pl = probs(l);
  const pg = probs(g);
  let best = -Infinity;
  let bestIdx = 0;
  for (let c = 0; c < nCandidates; c++) {
    let u = rng.next();
    let idx = 0;
    while (idx < k - 1 && u >= pl[idx]) u -= pl[idx++];
    const score = Math.log(pl[idx]) - Math.log(pg[idx]);
    if (score > best) {
      best = score;
      bestIdx = idx;
    }
  }
  return p.choices[bestIdx];
}

/** A truncated-Gaussian mixture on [0,1]: one kernel per observation plus a wide prior kernel at 0.5. */
interface Mixture {
  mus: number[];
  sigmas: number[];
  weights: number[];
}

function fitMixture(xs: number[], prior: number): Mixture {
  const mus = [...xs].sort((a, b) => a - b);
  // Bergstra's bandwidth: the larger gap to a neighbour (the interval ends count as neighbours), clipped.
  const minSigma = 1 / Math.min(100, mus.length + 1);
  const sigmas = mus.map((m, i) => {
    const left = m - (i > 0 ? mus[i - 1] : 0);
    const right = (i < mus.length - 1 ? mus[i + 1] : 1) - m;
    return Math.min(1, Math.max(minSigma, left, right));
  });
  const weights = mus.map(() => 1);
  mus.push(0.5);
  sigmas.push(1);
  weights.push(prior);
  const total = weights.reduce((a, b) => a + b, 0);
  return { mus, sigmas, weights: weights.map((w) => w / total) };
}

function logDensity(m: Mixture, x: number): number {
  let s = 0;
  for (let i = 0; i < m.mus.length; i++) {
    const mu = m.mus[i];
    const sd = m.sigmas[i];
    const z = normalCdf((1 - mu) / sd) - normalCdf((0 - mu) / sd);
    const d = (x - mu) / sd;
    s += (m.weights[i] * Math.exp(-0.5 * d * d)) / (sd * Math.sqrt(2 * Math.PI) * Math.max(z, 1e-12));
  }
  return Math.log(Math.max(s, 1e-300));
}

function sampleMixture(m: Mixture, rng: Random): number {
  let u = rng.next();
  let i = 0;
  while (i < m.weights.length - 1 && u >= m.weights[i]) u -= m.weights[i++];
  for (let attempt = 0; attempt < 64; attempt++) {
    const x = rng.normal(m.mus[i], m.sigmas[i]);
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, m.mus[i]));
}

function pickNumeric(p: Param, l: number[], g: number[], rng: Random, nCandidates: number, prior: number) {
  const ml = fitMixture(l, prior);
  const mg = fitMixture(g, prior);
  let best = -Infinity;
  let bestX = 0.5;
  for (let c = 0; c < nCandidates; c++) {
    const x = sampleMixture(ml, rng);
    const score = logDensity(ml, x) - logDensity(mg, x);
    if (score > best) {
      best = score;
      bestX = x;
    }
  }
  return decodeParam(p, bestX);
}

/** Standard normal CDF via erf (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}
