// Scores for classification (labels or probabilities) and regression, and which way each is better.
import { ArgumentError, ShapeError } from '../../core/errors.js';
import type { Matrix } from './matrix.js';

export type ClassificationMetric = 'accuracy' | 'balanced-accuracy' | 'log-loss' | 'macro-f1';
export type RegressionMetric = 'rmse' | 'r2';
export type MetricName = ClassificationMetric | RegressionMetric;

export const classificationMetrics: readonly ClassificationMetric[] = ['accuracy', 'balanced-accuracy', 'log-loss', 'macro-f1'];
export const regressionMetrics: readonly RegressionMetric[] = ['rmse', 'r2'];

export function greaterIsBetter(m: MetricName): boolean {
  return m !== 'log-loss' && m !== 'rmse';
}

function sameLength(op: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new ShapeError(`${op}: yTrue and yPred must have the same length, got [${a.length}] and [${b.length}]`);
  if (a.length === 0) throw new ShapeError(`${op}: needs at least one sample, got [0]`);
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength('accuracy', yTrue, yPred);
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Mean recall over the classes present in yTrue. */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength('balancedAccuracy', yTrue, yPred);
  const total = new Map<number, number>();
  const hit = new Map<number, number>();
  for (let i = 0; i < yTrue.length; i++) {
    total.set(yTrue[i], (total.get(yTrue[i]) ?? 0) + 1);
    if (yTrue[i] === yPred[i]) hit.set(yTrue[i], (hit.get(yTrue[i]) ?? 0) + 1);
  }
  let s = 0;
  for (const [c, n] of total) s += (hit.get(c) ?? 0) / n;
  return s / total.size;
}

/** Unweighted mean of per-class F1 over the classes in yTrue or yPred; a class with no TP scores 0. */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength('macroF1', yTrue, yPred);
  const classes = new Set<number>([...Array.from(yTrue), ...Array.from(yPred)]);
  let s = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < yTrue.length; i++) {
      if (yPred[i] === c && yTrue[i] === c) tp++;
      else if (yPred[i] === c) fp++;
      else if (yTrue[i] === c) fn++;
    }
    s += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return s / classes.size;
}

/** Throws unless every label is a class index in [0, k): the check logLoss makes as it reads each row. */
export function checkLabels(op: string, y: ArrayLike<number>, k: number): void {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] < k)) throw new ArgumentError(`${op}: labels must be in [0,${k}), got ${y[i]}`);
}

/** Mean negative log-probability of the true class; probabilities are clipped to [eps, 1]. */
export function logLoss(yTrue: ArrayLike<number>, proba: Matrix, eps = 1e-15): number {
  if (proba.rows !== yTrue.length) throw new ShapeError(`logLoss: proba rows must equal yTrue length, got [${proba.rows},${proba.cols}] and [${yTrue.length}]`);
  if (yTrue.length === 0) throw new ShapeError('logLoss: needs at least one sample, got [0]');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] < 0 || yTrue[i] >= proba.cols) throw new ArgumentError(`logLoss: labels must be in [0,${proba.cols}), got ${yTrue[i]}`);
    s -= Math.log(Math.max(proba.data[i * proba.cols + yTrue[i]], eps));
  }
  return s / yTrue.length;
}

export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength('rmse', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(s / yTrue.length);
}

/** 1 - SSE/SST; 0 when yTrue is constant and predicted exactly, -Infinity-free: constant yTrue with errors gives 0. */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  sameLength('r2', yTrue, yPred);
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i] / yTrue.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < yTrue.length; i++) {
    sse += (yTrue[i] - yPred[i]) ** 2;
    sst += (yTrue[i] - mean) ** 2;
  }
  if (sst === 0) return sse === 0 ? 1 : 0;
  return 1 - sse / sst;
}

/**
 * One metric on predictions: `proba` ([n, K], classification) or `pred` (regression values). Labels for the
 * label-based metrics are the argmax of proba.
 */
export function score(metric: MetricName, yTrue: ArrayLike<number>, out: { proba?: Matrix; pred?: ArrayLike<number> }): number {
  if (metric === 'rmse' || metric === 'r2') {
    if (!out.pred) throw new ArgumentError(`score: ${metric} needs regression predictions, got none`);
    return metric === 'rmse' ? rmse(yTrue, out.pred) : r2(yTrue, out.pred);
  }
  if (!out.proba) throw new ArgumentError(`score: ${metric} needs class probabilities, got none`);
  if (metric === 'log-loss') return logLoss(yTrue, out.proba);
  const p = out.proba;
  const labels = new Int32Array(p.rows);
  for (let r = 0; r < p.rows; r++) {
    let best = 0;
    for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c] > p.data[r * p.cols + best]) best = c;
    labels[r] = best;
  }
  if (metric === 'accuracy') return accuracy(yTrue, labels);
  if (metric === 'balanced-accuracy') return balancedAccuracy(yTrue, labels);
  return macroF1(yTrue, labels);
}
