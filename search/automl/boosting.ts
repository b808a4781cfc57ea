// Histogram gradient-boosted trees (as LightGBM / sklearn's HistGradientBoosting): features are binned into at most
// maxBins quantile bins once; each tree is grown leaf-wise on per-bin gradient/hessian sums with Newton leaf values.
// Classification is multiclass softmax with one tree per class per round; regression uses squared error.
import { ArgumentError, FormatError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { type Learner, type LearnerJSON, type Task, arr, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, lowerBound, matrix, softmaxInPlace, softmaxRows } from './matrix.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

export interface BoostingParams {
  /** Maximum number of boosting rounds. */
  nEstimators: number;
  learningRate: number;
  maxDepth: number | null;
  maxLeaves: number;
  minSamplesLeaf: number;
  /** L2 penalty on leaf values. */
  l2: number;
  maxBins: number;
  /** Hold out validationFraction of the rows and stop after nIterNoChange rounds without a better validation loss. */
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  seed: number;
}

export const defaultBoostingParams: BoostingParams = {
  nEstimators: 100,
  learningRate: 0.1,
  maxDepth: null,
  maxLeaves: 31,
  minSamplesLeaf: 5,
  l2: 1,
  maxBins: 255,
  earlyStopping: true,
  validationFraction: 0.1,
  nIterNoChange: 10,
  seed: 0,
};

/** One regression tree in flat arrays; leaf when feature < 0; left when x[feature] <= threshold. */
interface FlatTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

interface Leaf {
  node: number;
  rows: Int32Array;
  depth: number;
  g: number;
  h: number;
  split: { gain: number; feature: number; bin: number } | null;
  /** The leaf's histograms while it may still be split (a child's is the parent's minus its sibling's). */
  hist: Histogram | null;
}

/** Per-(feature, bin) sums of gradient, hessian and row count for one node, all features in one flat array:
 * feature f's bins are [offset[f], offset[f + 1]). */
export interface Histogram {
  g: Float64Array;
  h: Float64Array;
  count: Int32Array;
}

/** The histogram of `rows`, filled in one pass that reads each row's bins contiguously. */
export function buildHistogram(bins: Uint8Array, cols: number, offset: Int32Array, rows: Int32Array, grad: Float64Array, hess: Float64Array): Histogram {
  const total = offset[cols];
  const hg = new Float64Array(total);
  const hh = new Float64Array(total);
  const hc = new Int32Array(total);
  for (const r of rows) {
    const base = r * cols;
    const g = grad[r];
    const h = hess[r];
    for (let f = 0; f < cols; f++) {
      const i = offset[f] + bins[base + f];
      hg[i] += g;
      hh[i] += h;
      hc[i]++;
    }
  }
  return { g: hg, h: hh, count: hc };
}

/** parent - child, in place into `parent` (LightGBM's histogram subtraction: the larger child costs nothing). */
export function subtractHistogram(parent: Histogram, child: Histogram): Histogram {
  for (let i = 0; i < parent.g.length; i++) {
    parent.g[i] -= child.g[i];
    parent.h[i] -= child.h[i];
    parent.count[i] -= child.count[i];
  }
  return parent;
}

/**
 * A child's least hessian sum (scikit-learn's min_hessian_to_split, LightGBM's min_sum_hessian_in_leaf, both 1e-3):
 * where the rows are all but certain of their class, p(1 - p) is tiny and a Newton leaf value -G / (H + l2) with a
 * small l2 would be a huge step on a few rows.
 */
const MIN_CHILD_HESSIAN = 1e-3;

/**
 * The split of a node with gradient sum g, hessian sum h and n rows that maximizes the XGBoost gain
 * G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2), over every feature and every bin boundary leaving at least
 * minSamplesLeaf rows and a hessian sum of MIN_CHILD_HESSIAN each side; null if none gains more than 1e-12. Ties
 * (gains within a relative 1e-10) go to the lower feature, then bin.
 */
export function bestSplit(hist: Histogram, offset: Int32Array, g: number, h: number, n: number, l2: number, minSamplesLeaf: number): Leaf['split'] {
  const parentScore = (g * g) / (h + l2);
  let best: Leaf['split'] = null;
  const cols = offset.length - 1;
  for (let f = 0; f < cols; f++) {
    const o = offset[f];
    const nb = offset[f + 1] - o;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < nb - 1; b++) {
      gl += hist.g[o + b];
      hl += hist.h[o + b];
      cl += hist.count[o + b];
      const cr = n - cl;
      if (cl < minSamplesLeaf) continue;
      if (cr < minSamplesLeaf) break;
      const gr = g - gl;
      const hr = h - hl;
      if (hl < MIN_CHILD_HESSIAN || hr < MIN_CHILD_HESSIAN) continue;
      const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
      // a tie goes to the lower feature, then bin: two splits of the same rows (or the same counts) had gains a few
      // ulps apart, summed over different bins, and the tie went wherever the rounding fell
      if (gain > 1e-12 && (!best || gain > best.gain * (1 + 1e-10))) best = { gain, feature: f, bin: b };
    }
  }
  return best;
}

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const boostingParamRules: Record<keyof BoostingParams, ParamRule> = {
  nEstimators: rule.integer(1),
  learningRate: rule.above(0),
  maxDepth: rule.orNull(rule.atLeast(0)),
  maxLeaves: rule.integer(2),
  minSamplesLeaf: rule.atLeast(1),
  l2: rule.atLeast(0),
  // the bins of a feature are bytes
  maxBins: { what: 'an integer in [2, 256]', ok: (v) => Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 256 },
  earlyStopping: rule.boolean,
  // 0 holds out no rows (no early stopping); 1 would leave none to fit
  validationFraction: { what: 'a number in [0, 1)', ok: (v) => typeof v === 'number' && v >= 0 && v < 1 },
  nIterNoChange: rule.integer(1),
  seed: rule.finite,
};

export class GradientBoosting implements Learner {
  readonly kind = 'gradient-boosting';
  readonly params: BoostingParams;
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;
  /** Per output (class or the one regression output): the initial raw score. */
  init = new Float64Array(0);
  /** rounds[r][k]: the tree for output k in round r. */
  rounds: FlatTree[][] = [];

  constructor(params: Partial<BoostingParams> = {}) {
    this.params = { ...defaultBoostingParams, ...params };
    checkParams('GradientBoosting', this.params as unknown as Record<string, unknown>, boostingParamRules);
  }

  get outputs(): number {
    return this.task === 'classification' ? this.nClasses : 1;
  }

  fit(x: Matrix, y: Target): this {
    checkXy('GradientBoosting.fit', x, y);
    const p = this.params;
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? countClasses(y as Int32Array) : 0;
    this.nFeatures = x.cols;
    const k = this.outputs;
    const rng = new Random(p.seed);
    // validation split for early stopping
    let trainRows = Int32Array.from({ length: x.rows }, (_, i) => i);
    let valRows = new Int32Array(0);
    const nVal = Math.floor(x.rows * p.validationFraction);
    if (p.earlyStopping && nVal >= 2 && x.rows - nVal >= 2 * p.minSamplesLeaf) {
      const perm = rng.permutation(x.rows);
      valRows = perm.slice(0, nVal).sort();
      trainRows = perm.slice(nVal).sort();
    }
    const { edges, bins } = binFeatures(x, trainRows, p.maxBins);
    // initial scores: class log-priors or the mean
    this.init = new Float64Array(k);
    if (this.task === 'classification') {
      const counts = new Float64Array(k);
      for (const r of trainRows) counts[y[r]]++;
      for (let c = 0; c < k; c++) this.init[c] = Math.log(Math.max(counts[c], 1e-3) / trainRows.length);
    } else {
      let s = 0;
      for (const r of trainRows) s += y[r];
      this.init[0] = s / trainRows.length;
    }
    const raw = new Float64Array(x.rows * k);
    for (let r = 0; r < x.rows; r++) raw.set(this.init, r * k);
    const grad = new Float64Array(x.rows);
    const hess = new Float64Array(x.rows);
    // each row's log-sum-exp of its scores at the start of the round: p(c) = exp(raw[c] - lse)
    const lse = new Float64Array(this.task === 'classification' ? x.rows : 0);
    this.rounds = [];
    let bestLoss = Infinity;
    let bestRound = 0;
    for (let round = 0; round < p.nEstimators; round++) {
      // Every class's tree of a round fits the gradients of the scores the round started from, and the scores move
      // once all k are grown (as scikit-learn's HistGradientBoosting, LightGBM and XGBoost do): a tree had seen the
      // scores the round's earlier classes had already moved, and each row's softmax was taken again per class,
      // k^2 work a row (220 classes had made a round 8 s long).
      if (this.task === 'classification') {
        for (const r of trainRows) {
          let m = -Infinity;
          for (let c = 0; c < k; c++) m = Math.max(m, raw[r * k + c]);
          let sum = 0;
          for (let c = 0; c < k; c++) sum += Math.exp(raw[r * k + c] - m);
          lse[r] = m + Math.log(sum);
        }
      }
      const trees: FlatTree[] = [];
      for (let c = 0; c < k; c++) {
        // per tree, not per round: a round grows a tree per class
        checkDeadline('gradient boosting fit');
        for (const r of trainRows) {
          if (this.task === 'regression') {
            grad[r] = raw[r] - y[r];
            hess[r] = 1;
          } else {
            const pc = Math.exp(raw[r * k + c] - lse[r]);
            grad[r] = pc - (y[r] === c ? 1 : 0);
            hess[r] = Math.max(pc * (1 - pc), 1e-6);
          }
        }
        trees.push(this.growTree(bins, edges, x.cols, trainRows, grad, hess));
      }
      // thresholds are bin edges: the same test as on the bins
      for (let c = 0; c < k; c++) for (let r = 0; r < x.rows; r++) raw[r * k + c] += predictRaw(trees[c], x, r);
      this.rounds.push(trees);
      if (valRows.length > 0) {
        const loss = this.lossOn(raw, y, valRows);
        if (loss < bestLoss - 1e-7) {
          bestLoss = loss;
          bestRound = round + 1;
        } else if (round + 1 - bestRound >= p.nIterNoChange) break;
      }
    }
    if (valRows.length > 0) this.rounds.length = Math.max(bestRound, 1);
    return this;
  }

  private lossOn(raw: Float64Array, y: Target, rows: Int32Array): number {
    const k = this.outputs;
    let loss = 0;
    const prob = new Float64Array(k);
    for (const r of rows) {
      if (this.task === 'regression') loss += (raw[r] - y[r]) ** 2;
      else {
        prob.set(raw.subarray(r * k, r * k + k));
        softmaxInPlace(prob, 0, k);
        loss -= Math.log(Math.max(prob[y[r]], 1e-15));
      }
    }
    return loss / rows.length;
  }

  private growTree(bins: Uint8Array, edges: Float64Array[], cols: number, rows: Int32Array, grad: Float64Array, hess: Float64Array): FlatTree {
    const p = this.params;
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const newNode = (g: number, h: number): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      value.push((-g / (h + p.l2)) * p.learningRate);
      return feature.length - 1;
    };
    const offset = new Int32Array(cols + 1);
    for (let f = 0; f < cols; f++) offset[f + 1] = offset[f] + edges[f].length + 1;
    const splittable = (rs: Int32Array, depth: number) => (p.maxDepth === null || depth < p.maxDepth) && rs.length >= 2 * p.minSamplesLeaf;
    const makeLeaf = (node: number, rs: Int32Array, depth: number, hist: Histogram | null): Leaf => {
      let g = 0;
      let h = 0;
      for (const r of rs) {
        g += grad[r];
        h += hess[r];
      }
      const leaf: Leaf = { node, rows: rs, depth, g, h, split: null, hist: null };
      if (splittable(rs, depth)) {
        leaf.hist = hist ?? buildHistogram(bins, cols, offset, rs, grad, hess);
        leaf.split = bestSplit(leaf.hist, offset, g, h, rs.length, p.l2, p.minSamplesLeaf);
        if (!leaf.split) leaf.hist = null;
      }
      return leaf;
    };
    let g0 = 0;
    let h0 = 0;
    for (const r of rows) {
      g0 += grad[r];
      h0 += hess[r];
    }
    const open: Leaf[] = [makeLeaf(newNode(g0, h0), rows, 0, null)];
    let nLeaves = 1;
    while (nLeaves < p.maxLeaves) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) if (open[i].split && (bi < 0 || open[i].split!.gain > open[bi].split!.gain)) bi = i;
      if (bi < 0) break;
      const leaf = open[bi];
      open.splice(bi, 1);
      const s = leaf.split!;
      const lr: number[] = [];
      const rr: number[] = [];
      for (const r of leaf.rows) (bins[r * cols + s.feature] <= s.bin ? lr : rr).push(r);
      const lRows = Int32Array.from(lr);
      const rRows = Int32Array.from(rr);
      // only the smaller child's histogram is built; the larger one's is the parent's minus it
      const smallIsLeft = lRows.length <= rRows.length;
      const [small, large] = smallIsLeft ? [lRows, rRows] : [rRows, lRows];
      const smallHist = splittable(small, leaf.depth + 1) || splittable(large, leaf.depth + 1) ? buildHistogram(bins, cols, offset, small, grad, hess) : null;
      const largeHist = smallHist && splittable(large, leaf.depth + 1) ? subtractHistogram(leaf.hist!, smallHist) : null;
      leaf.hist = null;
      const l = makeLeaf(newNode(0, 0), lRows, leaf.depth + 1, smallIsLeft ? smallHist : largeHist);
      const rt = makeLeaf(newNode(0, 0), rRows, leaf.depth + 1, smallIsLeft ? largeHist : smallHist);
      value[l.node] = (-l.g / (l.h + p.l2)) * p.learningRate;
      value[rt.node] = (-rt.g / (rt.h + p.l2)) * p.learningRate;
      feature[leaf.node] = s.feature;
      threshold[leaf.node] = edges[s.feature][s.bin];
      left[leaf.node] = l.node;
      right[leaf.node] = rt.node;
      open.push(l, rt);
      nLeaves++;
    }
    return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
  }

  /** Raw scores [rows, outputs]. */
  decisionFunction(x: Matrix): Matrix {
    if (this.rounds.length === 0) notFitted('GradientBoosting.predict');
    checkCols('GradientBoosting.predict', x, this.nFeatures);
    const k = this.outputs;
    const out = matrix(x.rows, k);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < k; c++) {
        let s = this.init[c];
        for (const trees of this.rounds) s += predictRaw(trees[c], x, r);
        out.data[r * k + c] = s;
      }
    }
    return out;
  }

  predictProba(x: Matrix): Matrix {
    if (this.task !== 'classification') throw new ArgumentError('GradientBoosting.predictProba: needs a classifier, got a regressor');
    return softmaxRows(this.decisionFunction(x));
  }

  predict(x: Matrix): Target {
    if (this.task === 'classification') return argmaxRows(this.predictProba(x));
    return Float64Array.from(this.decisionFunction(x).data);
  }

  toJSON(): LearnerJSON {
    return {
      kind: this.kind,
      version: 1,
      task: this.task,
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      params: this.params,
      init: arr(this.init),
      rounds: this.rounds.map((trees) =>
        trees.map((t) => ({ feature: arr(t.feature), threshold: arr(t.threshold), left: arr(t.left), right: arr(t.right), value: arr(t.value) })),
      ),
    };
  }

  static fromJSON(json: LearnerJSON): GradientBoosting {
    expectKind(json, 'gradient-boosting');
    if (!Array.isArray(json.rounds)) throw new FormatError(`GradientBoosting.fromJSON: rounds must be an array, got ${typeof json.rounds}`);
    const m = new GradientBoosting(paramsFromJSON<BoostingParams>('GradientBoosting.fromJSON', json.params, boostingParamRules));
    const fields = new JsonFields('GradientBoosting.fromJSON');
    ({ task: m.task, nClasses: m.nClasses } = fields.taskAndClasses(json));
    m.nFeatures = fields.at('nFeatures').integer(json.nFeatures, 0);
    m.init = Float64Array.from(fields.at('init').numbers(json.init, m.outputs));
    m.rounds = fields.at('rounds').array(json.rounds).map((trees, r) =>
      fields.at('rounds').at(r).array(trees, m.outputs).map((t, k) => flatTreeFromJSON(fields.at('rounds').at(r).at(k), t, m.nFeatures)),
    );
    return m;
  }
}
registerLearner('gradient-boosting', GradientBoosting.fromJSON);

/**
 * A saved tree, checked so that predictRaw ends at a leaf: arrays of one length; a split node's feature a column
 * below nFeatures, its children later nodes (as growTree numbers them); a leaf's feature -1. A child index that
 * pointed back (a hand-edited or damaged file) had made predict loop forever.
 */
function flatTreeFromJSON(fields: JsonFields, raw: unknown, nFeatures: number): FlatTree {
  const o = fields.object(raw);
  const feature = fields.at('feature').numbers(o.feature);
  const n = feature.length;
  if (n === 0) fields.at('feature').fail('a non-empty array', feature);
  const threshold = fields.at('threshold').numbers(o.threshold, n);
  const left = fields.at('left').numbers(o.left, n);
  const right = fields.at('right').numbers(o.right, n);
  const value = fields.at('value').numbers(o.value, n);
  for (let i = 0; i < n; i++) {
    if (feature[i]! < 0) {
      if (feature[i] !== -1) fields.at('feature').at(i).fail('-1 (a leaf) or a column index', feature[i]);
      continue;
    }
    if (!Number.isInteger(feature[i]) || feature[i]! >= nFeatures) fields.at('feature').at(i).fail(`-1 (a leaf) or a column index below nFeatures ${nFeatures}`, feature[i]);
    for (const [name, child] of [['left', left], ['right', right]] as const) {
      if (!Number.isInteger(child[i]) || child[i]! <= i || child[i]! >= n) fields.at(name).at(i).fail(`a later node, an integer in (${i}, ${n})`, child[i]);
    }
  }
  return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
}

function predictRaw(t: FlatTree, x: Matrix, r: number): number {
  let n = 0;
  while (t.feature[n] >= 0) n = x.data[r * x.cols + t.feature[n]] <= t.threshold[n] ? t.left[n] : t.right[n];
  return t.value[n];
}

/**
 * Per feature at most maxBins - 1 edges (midpoints between distinct values, or quantiles when there are more);
 * bin(x) = number of edges strictly below x, so x <= edges[b] exactly when bin(x) <= b. NaN is a value past every
 * number, as the decision tree ranks it: where a feature has NaNs, the numbers get maxBins - 1 bins and one more edge
 * at their largest value leaves NaN a bin of its own, last (scikit-learn's HistGradientBoosting also keeps the last
 * bin for missing values), so a split sends NaN right when fitting as its `x <= threshold` does when predicting. It
 * had been binned with the smallest values (left) and had made NaN edges of its own.
 */
function binFeatures(x: Matrix, rows: Int32Array, maxBins: number): { edges: Float64Array[]; bins: Uint8Array } {
  const edges: Float64Array[] = [];
  for (let f = 0; f < x.cols; f++) {
    const sorted = Float64Array.from(rows, (r) => x.data[r * x.cols + f]).sort();
    // a typed array sorts NaN last
    let numbers = sorted.length;
    while (numbers > 0 && Number.isNaN(sorted[numbers - 1])) numbers--;
    const vals = sorted.subarray(0, numbers);
    const gaps = numbers < sorted.length;
    const bins = gaps ? maxBins - 1 : maxBins;
    const distinct: number[] = [];
    for (let i = 0; i < vals.length; i++) if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]);
    const e: number[] = [];
    if (distinct.length <= bins) {
      for (let i = 0; i + 1 < distinct.length; i++) {
        const mid = (distinct[i] + distinct[i + 1]) / 2;
        // past ±1.8e308 the sum overflows
        e.push(Number.isFinite(mid) || !Number.isFinite(distinct[i]) || !Number.isFinite(distinct[i + 1]) ? mid : distinct[i] / 2 + distinct[i + 1] / 2);
      }
    } else {
      for (let q = 1; q < bins; q++) {
        const v = vals[Math.floor((q * vals.length) / bins)];
        if (e.length === 0 || v > e[e.length - 1]) e.push(v);
      }
    }
    if (gaps && numbers > 0 && (e.length === 0 || vals[numbers - 1] > e[e.length - 1])) e.push(vals[numbers - 1]);
    edges.push(Float64Array.from(e));
  }
  const binned = new Uint8Array(x.rows * x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let f = 0; f < x.cols; f++) {
      const v = x.data[r * x.cols + f];
      binned[r * x.cols + f] = Number.isNaN(v) ? edges[f].length : lowerBound(edges[f], v);
    }
  }
  return { edges, bins: binned };
}
