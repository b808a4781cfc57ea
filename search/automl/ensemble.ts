// Ensemble selection (Caruana et al. 2004, 2006): greedily add (with replacement) the candidate whose inclusion gives
// the best metric of the averaged out-of-fold predictions; the weights are how often each candidate was picked.
// The 2004 paper's guards against overfitting the selection rows are options here: sorted initialization (start
// from the `init` best candidates), bagged selection (run on `bags` random subsets of the library and average the
// weights), and hill-climbing on a smooth `objective` (log loss) while the user reports another metric. Ties on the
// objective (common with accuracy) go to the lower log loss for classification, then to the earlier candidate
// (pass them best first).
import { ArgumentError, ShapeError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { checkEvery } from './deadline.js';
import { type Matrix, matrix } from './matrix.js';
import { type MetricName, checkLabels, greaterIsBetter, logLoss, score } from './metrics.js';

/** A candidate's out-of-fold output: class probabilities [n, K] or regression values. */
export type OutOfFold = { proba: Matrix } | { pred: Float64Array };

/** An out-of-fold output's numbers, flat: the probabilities row by row, or the regression values. */
export function oofValues(o: OutOfFold): Float64Array {
  return 'proba' in o ? o.proba.data : o.pred;
}

export interface SelectionOptions {
  /** Sorted initialization: the `init` candidates best on their own enter once each before the greedy steps (default 0). */
  init?: number;
  /** Bagged selection: this many runs, each over a random `fraction` of the candidates (default 1 run over all). */
  bags?: number;
  /** Share of the candidates each bag draws, at least 2 of them (default 0.5). */
  fraction?: number;
  /** Seeds the bags' draws. */
  seed?: number;
  /** What the greedy steps optimize (default `metric` itself). */
  objective?: MetricName;
  /**
   * Past this many rows, select on every step-th row, about maxRows of them (default all rows). The greedy steps
   * read every candidate's rows bags x size times: 200,000 rows of 3 candidates took 6 s.
   */
  maxRows?: number;
}

/** Weights (summing to 1) over `candidates` after `size` picks per run; see the header for the options. */
export function ensembleSelection(candidates: readonly OutOfFold[], y: ArrayLike<number>, metric: MetricName, size = 50, opts: SelectionOptions = {}): number[] {
  checkCandidates('ensembleSelection', candidates, y.length);
  if (!(Number.isInteger(size) && size >= 1)) throw new ArgumentError(`ensembleSelection: size must be an integer >= 1, got ${size}`);
  const init = opts.init ?? 0;
  if (!(Number.isInteger(init) && init >= 0)) throw new ArgumentError(`ensembleSelection: init must be an integer >= 0, got ${init}`);
  const bags = opts.bags ?? 1;
  if (!(Number.isInteger(bags) && bags >= 1)) throw new ArgumentError(`ensembleSelection: bags must be a positive integer, got ${bags}`);
  const fraction = opts.fraction ?? 0.5;
  if (!(fraction > 0 && fraction <= 1)) throw new ArgumentError(`ensembleSelection: fraction must be in (0, 1], got ${fraction}`);
  const objective = opts.objective ?? metric;
  const maxRows = opts.maxRows ?? Infinity;
  if (!(maxRows >= 1)) throw new ArgumentError(`ensembleSelection: maxRows must be >= 1, got ${maxRows}`);
  const prepared = prepare(...everyStepRow(candidates, y, maxRows), objective);
  const all = candidates.map((_, i) => i);
  // stops at a time limit (withDeadline) as a fit does, checked about every million numbers read
  const spend = checkEvery('ensemble selection');
  if (bags === 1) return hillClimb(prepared, all, objective, size, init, spend);
  const rng = new Random(opts.seed ?? 0);
  const take = Math.min(candidates.length, Math.max(2, Math.round(fraction * candidates.length)));
  const weights = new Array<number>(candidates.length).fill(0);
  for (let b = 0; b < bags; b++) {
    // the bag keeps the library's best-first order, so ties still go to the better candidate
    const bag = Array.from(rng.permutation(candidates.length).subarray(0, take)).sort((p, q) => p - q);
    hillClimb(prepared, bag, objective, size, init, spend).forEach((w, i) => (weights[i] += w / bags));
  }
  return weights;
}

/**
 * Refuses candidates that are not all of one kind (class probabilities or regression values) and one shape, `rows`
 * rows (default candidate 0's), or that hold a number that is not finite or a negative probability: a candidate of
 * other rows had been read past its end (NaN in the blend) or short, a NaN had been picked as if it scored. `name`
 * says candidate i in a message.
 */
function checkCandidates(op: string, candidates: readonly OutOfFold[], rows?: number, name = (i: number) => `candidate ${i}`): void {
  if (candidates.length === 0) throw new ArgumentError(`${op}: needs at least one candidate, got 0`);
  const shape = (c: OutOfFold): [number, number] => ('proba' in c ? [c.proba.rows, c.proba.cols] : [c.pred.length, 1]);
  const proba = 'proba' in candidates[0];
  const [rows0, cols] = shape(candidates[0]);
  const want = rows ?? rows0;
  candidates.forEach((c, i) => {
    if ('proba' in c !== proba) throw new ArgumentError(`${op}: candidates must all be class probabilities or all regression values, got candidate 0 ${proba ? 'probabilities' : 'values'} and candidate ${i} ${proba ? 'values' : 'probabilities'}`);
    const [r, k] = shape(c);
    if (r !== want || k !== cols) throw new ShapeError(`${op}: every candidate must be [${want},${cols}] (${rows === undefined ? 'as candidate 0' : `a row per label${proba ? ', the classes of candidate 0' : ''}`}), got [${r},${k}] at candidate ${i}`);
    const v = oofValues(c);
    const bad = v.findIndex((x) => !(Number.isFinite(x) && (!proba || x >= 0)));
    if (bad >= 0) throw new ArgumentError(`${op}: ${name(i)} must hold finite ${proba ? 'probabilities >= 0' : 'values'}, got ${v[bad]} at row ${Math.floor(bad / k)}`);
  });
}

/** The candidates' outputs and the labels on every step-th row, about maxRows of them (all when there are no more). */
function everyStepRow(candidates: readonly OutOfFold[], y: ArrayLike<number>, maxRows: number): [readonly OutOfFold[], ArrayLike<number>] {
  const rows = y.length;
  if (rows <= maxRows) return [candidates, y];
  const step = Math.ceil(rows / maxRows);
  const sub = candidates.map((c): OutOfFold => {
    const cols = 'proba' in c ? c.proba.cols : 1;
    const v = oofValues(c);
    if (v.length !== rows * cols) throw new ShapeError(`ensembleSelection: every candidate must have ${rows} rows, got ${v.length / cols}`);
    const out = rowsEvery(v, cols, step);
    return 'proba' in c ? { proba: matrix(out.length / cols, cols, out) } : { pred: out };
  });
  return [sub, rowsEvery(Float64Array.from(y), 1, step)];
}

/** Rows 0, step, 2 step, ... of row-major `values` with `cols` numbers a row. */
function rowsEvery(values: Float64Array, cols: number, step: number): Float64Array {
  const picked = Math.ceil(values.length / cols / step);
  const out = new Float64Array(picked * cols);
  for (let i = 0; i < picked; i++) out.set(values.subarray(i * step * cols, (i * step + 1) * cols), i * cols);
  return out;
}

/** The candidates' outputs as hill climbing reads them: flat numbers, `cols` per row, and the labels to score on. */
interface Prepared {
  flat: Float64Array[];
  cols: number;
  isProba: boolean;
  y: ArrayLike<number>;
}

/**
 * Log loss reads only each row's probability of its true class, and the average of the candidates' rows holds it
 * at the same place: for that objective each candidate keeps only those numbers (one column, labels all 0). The
 * same additions in the same order, so the same weights bit for bit, K times less work for K classes (220 airports
 * took a minute).
 */
function prepare(candidates: readonly OutOfFold[], y: ArrayLike<number>, objective: MetricName): Prepared {
  const isProba = 'proba' in candidates[0];
  if (!isProba) return { flat: candidates.map(oofValues), cols: 1, isProba, y };
  const cols = (candidates[0] as { proba: Matrix }).proba.cols;
  if (objective !== 'log-loss') return { flat: candidates.map(oofValues), cols, isProba, y };
  checkLabels('logLoss', y, cols);
  const flat = candidates.map((c) => {
    const v = oofValues(c);
    return Float64Array.from({ length: y.length }, (_, r) => v[r * cols + y[r]]);
  });
  return { flat, cols: 1, isProba, y: new Int32Array(y.length) };
}

/** One greedy run over the candidates listed in `pool`; returns weights over all candidates. */
function hillClimb(prepared: Prepared, pool: readonly number[], metric: MetricName, size: number, init: number, spend: (work: number) => void): number[] {
  const { flat, cols, isProba, y } = prepared;
  const len = flat[0].length;
  const sum = new Float64Array(len);
  const trial = new Float64Array(len);
  const counts = new Array<number>(flat.length).fill(0);
  const better = greaterIsBetter(metric);
  const evaluate = (v: Float64Array): number => (isProba ? score(metric, y, { proba: matrix(len / cols, cols, v) }) : score(metric, y, { pred: v }));
  const secondary = isProba && metric !== 'log-loss' ? (v: Float64Array) => score('log-loss', y, { proba: matrix(len / cols, cols, v) }) : null;
  // log loss on prepare()'s true-class columns (one column, labels all 0): the hot loop of a large table
  const trueClassOnly = isProba && metric === 'log-loss' && cols === 1;
  let picks = 0;
  const add = (c: number): void => {
    counts[c]++;
    picks++;
    const f = flat[c];
    for (let i = 0; i < len; i++) sum[i] += f[i];
  };
  if (init > 0) {
    const alone = pool.map((c) => ({ c, s: evaluate(flat[c]) }));
    alone.sort((a, b) => (better ? b.s - a.s : a.s - b.s) || a.c - b.c);
    for (const { c } of alone.slice(0, Math.min(init, size))) add(c);
  }
  while (picks < size) {
    spend(pool.length * len);
    let bestIdx = -1;
    let bestScore = better ? -Infinity : Infinity;
    let bestSecondary = Infinity;
    const step = picks + 1;
    for (const c of pool) {
      const f = flat[c];
      let s: number;
      if (trueClassOnly) {
        // logLoss of the blend's true-class column, as logLoss computes it, without writing the blend out
        let loss = 0;
        for (let i = 0; i < len; i++) loss -= Math.log(Math.max((sum[i] + f[i]) / step, 1e-15));
        s = loss / len;
      } else {
        for (let i = 0; i < len; i++) trial[i] = (sum[i] + f[i]) / step;
        s = evaluate(trial);
      }
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
    add(bestIdx);
  }
  return counts.map((n) => n / picks);
}

/**
 * Refuses blend weights that are not as ensembleSelection gives them: finite, none negative, summing to 1 (within
 * 1e-9), so that a blend of probabilities is probabilities (a missing weight had made every number NaN, [1, 1] rows
 * summing to 2, [0, 0] rows of zeros). blend and EnsemblePipeline check theirs here.
 */
export function checkWeights(op: string, weights: readonly number[]): void {
  const bad = weights.findIndex((w) => !(Number.isFinite(w) && w >= 0));
  if (bad >= 0) throw new ArgumentError(`${op}: weights must be finite and >= 0, got ${weights[bad]} at ${bad}`);
  const total = weights.reduce((a, w) => a + w, 0);
  if (!(Math.abs(total - 1) <= 1e-9)) throw new ArgumentError(`${op}: weights must sum to 1, got ${total} ([${weights.join(', ')}])`);
}

/** The averaged output of the candidates under `weights` (to score the ensemble itself). */
export function blend(candidates: readonly OutOfFold[], weights: readonly number[]): OutOfFold {
  checkCandidates('blend', candidates);
  if (weights.length !== candidates.length) throw new ArgumentError(`blend: weights must hold one weight per candidate (${candidates.length}), got ${weights.length}`);
  checkWeights('blend', weights);
  const first = candidates[0];
  const len = oofValues(first).length;
  const out = new Float64Array(len);
  candidates.forEach((c, i) => {
    if (weights[i] === 0) return;
    const f = oofValues(c);
    for (let j = 0; j < len; j++) out[j] += weights[i] * f[j];
  });
  return 'proba' in first ? { proba: matrix(first.proba.rows, first.proba.cols, out) } : { pred: out };
}

/**
 * Temperature scaling (Guo et al. 2017) of class probabilities: each row becomes p^(1/T), renormalized, i.e. a
 * softmax of log p / T. The argmax never changes, so a member's own accuracy does not either; only how much say it
 * has in a blend: a margin-softmax (linear SVM) is far too unsure, a full-depth tree far too sure.
 */
export function temper(proba: Matrix, temperature: number): Matrix {
  // 0 divided log p by 0 (NaN rows), a negative one turned the argmax around
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new ArgumentError(`temper: temperature must be a positive finite number, got ${temperature}`);
  if (temperature === 1) return proba;
  const { rows, cols } = proba;
  const out = matrix(rows, cols);
  // checked against a time limit (withDeadline) about every million numbers: AutoML tempers each library member
  // after fitting its temperature, 4.4M numbers a member on 20k rows of 220 classes
  const spend = checkEvery('temperature scaling');
  for (let r = 0; r < rows; r++) {
    spend(cols);
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.log(proba.data[r * cols + c]) / temperature);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out.data[r * cols + c] = Math.exp(Math.log(proba.data[r * cols + c]) / temperature - max);
    for (let c = 0; c < cols; c++) out.data[r * cols + c] /= sum;
  }
  return out;
}

/**
 * The temperature in [e^-3, e^3] with the lowest log loss of temper(proba, T) on labels y (golden-section on log T).
 * Each step's loss is temper's arithmetic on the logs taken once, without the tempered matrix: the same numbers.
 * Past `maxNumbers` probabilities (default 2^20) it is fitted on every step-th row, about maxNumbers of them.
 */
export function fitTemperature(proba: Matrix, y: ArrayLike<number>, maxNumbers = 1 << 20): number {
  const { rows, cols } = proba;
  if (rows !== y.length) throw new ShapeError(`fitTemperature: proba rows must equal y length, got [${rows},${cols}] and [${y.length}]`);
  checkLabels('fitTemperature', y, cols);
  checkCandidates('fitTemperature', [{ proba }], rows, () => 'proba');
  if (rows * cols > maxNumbers && rows > 1) {
    // one number fitted on some 40 passes: past a million numbers, every step-th row is as good a sample and the
    // passes stay short (on 20k rows of 220 classes a member took seconds, and the ensemble never fitted a 60 s run)
    const step = Math.ceil((rows * cols) / maxNumbers);
    const sub = rowsEvery(proba.data, cols, step);
    return fitTemperature(matrix(sub.length / cols, cols, sub), rowsEvery(Float64Array.from(y), 1, step), Infinity);
  }
  // stops at a time limit (withDeadline) as a fit does, checked about every million numbers read
  const spend = checkEvery('temperature scaling');
  const logs = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    spend(cols);
    for (let i = r * cols; i < (r + 1) * cols; i++) logs[i] = Math.log(proba.data[i]);
  }
  // logLoss(y, temper(proba, T)), as those compute it
  const tempered = (temperature: number): number => {
    if (temperature === 1) {
      spend(rows * cols);
      return logLoss(y, proba);
    }
    let s = 0;
    for (let r = 0; r < rows; r++) {
      spend(cols);
      const at = r * cols;
      let max = -Infinity;
      for (let c = 0; c < cols; c++) max = Math.max(max, logs[at + c] / temperature);
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += Math.exp(logs[at + c] / temperature - max);
      s -= Math.log(Math.max(Math.exp(logs[at + y[r]] / temperature - max) / sum, 1e-15));
    }
    return s / rows;
  };
  // log loss is convex in 1/T (a one-parameter multinomial logistic fit on log p), so unimodal in log T
  const loss = (logT: number) => tempered(Math.exp(logT));
  const t = Math.exp(goldenSection(loss, -3, 3));
  // keep T = 1 unless scaling really helps (no change for an already calibrated member, and exact JSON round trips)
  return loss(Math.log(t)) < loss(0) - 1e-9 ? t : 1;
}

/** The middle of the bracket left by `iterations` golden-section steps minimizing a unimodal f on [lo, hi]. */
export function goldenSection(f: (x: number) => number, lo: number, hi: number, iterations = 40): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let it = 0; it < iterations; it++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = f(b);
    }
  }
  return (lo + hi) / 2;
}
