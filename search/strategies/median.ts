// Median stopping rule (Golovin et al. 2017, Google Vizier): stop a trial when its best value so far
// is worse than the median of the other complete trials' values at the same step. Works with any
// strategy; single objective only.

import { ArgumentError } from '../../core/errors.js';
import type { GenericPruner, PruneContext, Report, RunningTrial } from './types.js';

export interface MedianPrunerOptions {
  /** Complete trials needed before anything is stopped (default 5). */
  startupTrials?: number;
  /** Reports before this step are never judged (default 0). */
  warmupSteps?: number;
}

export function medianPruner(options: MedianPrunerOptions = {}): GenericPruner {
  const startup = options.startupTrials ?? 5;
  const warmup = options.warmupSteps ?? 0;
  if (!Number.isInteger(startup) || startup < 0) throw new ArgumentError(`medianPruner: startupTrials must be a non-negative integer, got ${startup}`);
  return {
    name: 'median',
    shouldPrune<C>(trial: RunningTrial<C>, ctx: PruneContext<C>) {
      if (trial.reports.length === 0) return false;
      const step = trial.reports[trial.reports.length - 1][0];
      if (step < warmup) return false;
      const complete = ctx.history.filter((t) => t.state === 'complete');
      if (complete.length < startup) return false;
      const sign = ctx.directions[0] === 'maximize' ? -1 : 1;
      // a loop, not Math.min(...reports): an objective that reports every step can report more values than a call takes
      let best = Infinity;
      for (const [, v] of trial.reports) best = Math.min(best, sign * v);
      const others: number[] = [];
      for (const t of complete) {
        const v = valueUpTo(t.reports, step);
        if (v !== undefined) others.push(sign * v);
      }
      if (others.length === 0) return false;
      others.sort((a, b) => a - b);
      const m = others.length;
      const median = m % 2 ? others[(m - 1) / 2] : 0.5 * (others[m / 2 - 1] + others[m / 2]);
      return best > median;
    },
  };
}

/** The value of the last report at or before `step`. */
function valueUpTo(reports: readonly Report[], step: number): number | undefined {
  let out: number | undefined;
  for (const [s, v] of reports) if (s <= step) out = v;
  return out;
}
