// Ensemble selection (Caruana et al. 2004), as auto-sklearn uses it: start empty, then `size` times add (with
// replacement) the candidate whose inclusion gives the best metric of the averaged out-of-fold predictions.
// The weights are how often each candidate was picked, divided by `size`. Ties on the metric (common with
// accuracy) go to the lower log loss for classification, then to the earlier candidate (pass them best first).
import { ArgumentError } from '../../core/errors.js';
import { type Matrix, matrix } from './matrix.js';
import { type MetricName, greaterIsBetter, score } from './metrics.js';

/** A candidate's out-of-fold output: class probabilities [n, K] or regression values. */
export type OutOfFold = { proba: Matrix } | { pred: Float64Array };

export function ensembleSelection(candidates: readonly OutOfFold[], y: ArrayLike<number>, metric: MetricName, size = 50): number[] {
  if (candidates.length === 0) throw new ArgumentError('ensembleSelection: needs at least one candidate, got 0');
  if (!(size >= 1)) throw new ArgumentError(`ensembleSelection: size must be >= 1, got ${size}`);
  const flat = candidates.map((c) => ('proba' in c ? c.proba.data : c.pred));
  const len = flat[0].length;
  const cols = 'proba' in candidates[0] ? candidates[0].proba.cols : 1;
  const sum = new Float64Array(len);
  const trial = new Float64Array(len);
  const counts = new Array<number>(candidates.length).fill(0);
  const better = greaterIsBetter(metric);
  const evaluate = (v: Float64Array): number => ('proba' in candidates[0] ? score(metric, y, { proba: matrix(len / cols, cols, v) }) : score(metric, y, { pred: v }));
  const secondary = 'proba' in candidates[0] && metric !== 'log-loss' ? (v: Float64Array) => score('log-loss', y, { proba: matrix(len / cols, cols, v) }) : null;
  for (let step = 1; step <= size; step++) {
    let bestIdx = -1;
    let bestScore = better ? -Infinity : Infinity;
    let bestSecondary = Infinity;
    for (let c = 0; c < candidates.length; c++) {
      const f = flat[c];
      for (let i = 0; i < len; i++) trial[i] = (sum[i] + f[i]) / step;
      const s = evaluate(trial);
      const tie = bestIdx >= 0 && Math.abs(s - bestScore) <= 1e-12;
      const tieBreak = tie && secondary !== null ? secondary(trial) : Infinity;
      if (tie && tieBreak < bestSecondary) {
        bestIdx = c;
        bestSecondary = tieBreak;
      } else if (!tie && (bestIdx < 0 || (better ? s > bestScore : s < bestScore))) {
        bestIdx = c;
        bestScore = s;
        bestSecondary = secondary !== null ? secondary(trial) : Infinity;
      }
    }
    counts[bestIdx]++;
    const f = flat[bestIdx];
    for (let i = 0; i < len; i++) sum[i] += f[i];
  }
  return counts.map((n) => n / size);
}

/** The averaged output of the candidates under `weights` (to score the ensemble itself). */
export function blend(candidates: readonly OutOfFold[], weights: readonly number[]): OutOfFold {
  const first = candidates[0];
  const len = 'proba' in first ? first.proba.data.length : first.pred.length;
  const out = new Float64Array(len);
  candidates.forEach((c, i) => {
    if (weights[i] === 0) return;
    const f = 'proba' in c ? c.proba.data : c.pred;
    for (let j = 0; j < len; j++) out[j] += weights[i] * f[j];
  });
  return 'proba' in first ? { proba: matrix(first.proba.rows, first.proba.cols, out) } : { pred: out };
}
