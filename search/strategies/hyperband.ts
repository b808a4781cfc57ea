// Hyperband, Li et al. 2017, in its asynchronous form (ASHA, Li et al. 2020; as Optuna's
// HyperbandPruner): each trial is assigned a bracket in the Hyperband proportions and may run up to
// `maxResource`, reporting intermediate values; at each rung of its bracket (resources
// maxResource / eta^k) it continues only when its value is within the best 1/eta of the trials of
// that bracket that reached the rung. Bracket s has s rungs, so bracket 0 never stops early.
// Configurations come from another strategy (random search by default; TPE gives a BOHB flavour).

import { ArgumentError } from '../../core/errors.js';
import { randomSearch } from './random.js';
import { checkOptionsObject, describeValue } from './util.js';
import type { AskContext, GenericPruner, GenericStrategy, PruneContext, Report, RunningTrial } from './types.js';

export interface HyperbandOptions {
  /** The smallest resource a trial gets before it can be stopped (default 1). */
  minResource?: number;
  /** The full resource (e.g. epochs); given to the objective as `trial.budget`. */
  maxResource: number;
  /** Reduction factor (default 3). */
  eta?: number;
  /** Where configurations come from (default random search). */
  sampler?: GenericStrategy;
  /** Use only the most aggressive bracket: plain successive halving. */
  singleBracket?: boolean;
}

export interface HyperbandStrategy extends GenericStrategy {
  readonly pruner: GenericPruner;
  /** Rung resources of bracket s, ascending, below maxResource. */
  rungs(bracket: number): number[];
}

export function hyperband(options: HyperbandOptions): HyperbandStrategy {
  checkOptionsObject('hyperband', options, 'an object with maxResource, e.g. { maxResource: 27 }');
  const { maxResource } = options;
  const minResource = options.minResource ?? 1;
  const eta = options.eta ?? 3;
  if (maxResource === undefined) throw new ArgumentError('hyperband: options must give maxResource, the full resource of a trial (e.g. epochs), got none');
  // finite: an infinite maxResource makes infinitely many brackets, and the schedule below would never end
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!finite(maxResource) || !finite(minResource) || !(minResource > 0) || minResource > maxResource) throw new ArgumentError(`hyperband: need 0 < minResource <= maxResource, both finite, got ${describeValue(minResource)} and ${describeValue(maxResource)}`);
  if (!finite(eta) || !(eta >= 2)) throw new ArgumentError(`hyperband: eta must be a finite number >= 2, got ${describeValue(eta)}`);
  const sampler = options.sampler ?? randomSearch();
  const sMax = Math.floor(Math.log(maxResource / minResource) / Math.log(eta) + 1e-9);
  const schedule: number[] = [];
  for (let s = sMax; s >= (options.singleBracket ? sMax : 0); s--) {
    const n = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s);
    for (let i = 0; i < n; i++) schedule.push(s);
  }
  const rungs = (s: number): number[] => Array.from({ length: s }, (_, k) => maxResource / eta ** (s - k));

  const pruner: GenericPruner = {
    name: 'hyperband',
    shouldPrune<C>(trial: RunningTrial<C>, ctx: PruneContext<C>): boolean {
      const bracket = Number(trial.meta?.bracket ?? 0);
      const reports = trial.reports;
      if (reports.length === 0) return false;
      const [step, value] = reports[reports.length - 1];
      const prevStep = reports.length > 1 ? reports[reports.length - 2][0] : -Infinity;
      // Judge once per rung: at the first report that reaches it.
      const rung = rungs(bracket).filter((r) => prevStep < r && r <= step).pop();
      if (rung === undefined) return false;
      const sign = ctx.directions[0] === 'maximize' ? -1 : 1;
      const peers: number[] = [];
      for (const t of [...ctx.history, ...ctx.running]) {
        if (t.index === trial.index || Number(t.meta?.bracket ?? 0) !== bracket) continue;
        const v = valueAt(t.reports, rung);
        if (v !== undefined) peers.push(sign * v);
      }
      const keep = Math.max(1, Math.floor((peers.length + 1) / eta));
      const better = peers.filter((v) => v < sign * value).length;
      return better >= keep;
    },
  };

  return {
    name: options.singleBracket ? 'successive-halving' : 'hyperband',
    pruner,
    rungs,
    ask<C>(ctx: AskContext<C>) {
      const s = sampler.ask(ctx);
      if (!s) return null;
      return { config: s.config, budget: maxResource, meta: { ...s.meta, bracket: schedule[ctx.index % schedule.length] } };
    },
  };
}

/** Successive halving: Hyperband with only its most aggressive bracket. */
export function successiveHalving(options: Omit<HyperbandOptions, 'singleBracket'>): HyperbandStrategy {
  checkOptionsObject('successiveHalving', options, 'an object with maxResource, e.g. { maxResource: 27 }');
  return hyperband({ ...options, singleBracket: true });
}

/** The value of the first report at or past `step`. */
function valueAt(reports: readonly Report[], step: number): number | undefined {
  for (const [s, v] of reports) if (s >= step) return v;
  return undefined;
}
