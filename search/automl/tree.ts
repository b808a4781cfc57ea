// CART decision tree (Breiman et al. 1984): binary splits `x[feature] <= threshold`, gini/entropy or squared error,
// grown greedily depth-first, then cost-complexity (weakest-link) pruned with ccpAlpha as sklearn does.
import { ArgumentError, FormatError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { checkEvery } from './deadline.js';
import { type Learner, type LearnerJSON, type Task, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type MaxFeatures, type Target, checkCols, checkXy, countClasses, matrix, resolveMaxFeatures } from './matrix.js';

/**
 * One node of a fitted tree; `nodes[0]` is the root (the JSON holds the same fields, column by column), so rule
 * extraction can walk it:
 * an internal node sends row x to `left` when `x[feature] <= threshold`, else to `right`; a leaf has feature = -1 and
 * left = right = -1. `counts[k]` is the (sample-weighted) number of training rows of class k that reached the node,
 * so a leaf predicts `argmax(counts)` with probabilities `counts / samples`. For regression `counts` is empty and
 * `value` is the mean target of the rows reaching the node (for classification `value` is the majority class).
 */
export interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  counts: number[];
  value: number;
  samples: number;
  impurity: number;
  depth: number;
}

export type Criterion = 'gini' | 'entropy' | 'squared-error';

export interface DecisionTreeParams {
  /** 'gini' | 'entropy' for classification; 'squared-error' is used for regression whatever is given. */
  criterion: Criterion;
  /** null: grow until pure or too small. */
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: MaxFeatures;
  /** Cost-complexity pruning strength; 0 keeps the full tree. */
  ccpAlpha: number;
  /** 'best': exhaustive threshold search (CART); 'random': one uniform threshold per feature (extra trees). */
  splitter: 'best' | 'random';
  seed: number;
}

export const defaultTreeParams: DecisionTreeParams = {
  criterion: 'gini',
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: 'all',
  ccpAlpha: 0,
  splitter: 'best',
  seed: 0,
};

export class DecisionTree implements Learner {
  readonly kind = 'decision-tree';
  readonly params: DecisionTreeParams;
  nodes: TreeNode[] = [];
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;

  constructor(params: Partial<DecisionTreeParams> = {}) {
    this.params = { ...defaultTreeParams, ...params };
    const p = this.params;
    if (p.minSamplesSplit < 2) throw new ArgumentError(`DecisionTree: minSamplesSplit must be >= 2, got ${p.minSamplesSplit}`);
    if (p.minSamplesLeaf < 1) throw new ArgumentError(`DecisionTree: minSamplesLeaf must be >= 1, got ${p.minSamplesLeaf}`);
    if (p.ccpAlpha < 0) throw new ArgumentError(`DecisionTree: ccpAlpha must be >= 0, got ${p.ccpAlpha}`);
    if (p.maxDepth !== null && p.maxDepth < 0) throw new ArgumentError(`DecisionTree: maxDepth must be >= 0 or null, got ${p.maxDepth}`);
  }

  /** `ranks` (from columnRanks(x)) may be passed by a caller that fits many trees on the same x, e.g. a forest. */
  fit(x: Matrix, y: Target, sampleWeight?: Float64Array, nClasses?: number, ranks?: ColumnRanks): this {
    checkXy('DecisionTree.fit', x, y);
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? Math.max(nClasses ?? 0, countClasses(y as Int32Array)) : 0;
    this.nFeatures = x.cols;
    const w = sampleWeight ?? new Float64Array(x.rows).fill(1);
    const idx: number[] = [];
    for (let i = 0; i < x.rows; i++) if (w[i] > 0) idx.push(i);
    const grower = new Grower(x, y, w, this.nClasses, this.task, this.params, this.params.splitter === 'best' ? (ranks ?? columnRanks(x)) : null);
    this.nodes = grower.grow(Int32Array.from(idx));
    if (this.params.ccpAlpha > 0) this.nodes = pruneTree(this.nodes, this.params.ccpAlpha);
    return this;
  }

  /** Index into `nodes` of the leaf that row r of x falls in. */
  leafOf(x: Matrix, r: number): number {
    const nodes = this.nodes;
    let n = 0;
    while (nodes[n].feature >= 0) n = x.data[r * x.cols + nodes[n].feature] <= nodes[n].threshold ? nodes[n].left : nodes[n].right;
    return n;
  }

  predict(x: Matrix): Target {
    this.check(x);
    if (this.task === 'regression') {
      const out = new Float64Array(x.rows);
      for (let r = 0; r < x.rows; r++) out[r] = this.nodes[this.leafOf(x, r)].value;
      return out;
    }
    const out = new Int32Array(x.rows);
    for (let r = 0; r < x.rows; r++) out[r] = this.nodes[this.leafOf(x, r)].value;
    return out;
  }

  predictProba(x: Matrix): Matrix {
    this.check(x);
    if (this.task !== 'classification') throw new ArgumentError('DecisionTree.predictProba: needs a classification tree, got a regression tree');
    const k = this.nClasses;
    const out = matrix(x.rows, k);
    for (let r = 0; r < x.rows; r++) {
      const leaf = this.nodes[this.leafOf(x, r)];
      for (let c = 0; c < k; c++) out.data[r * k + c] = leaf.counts[c] / leaf.samples;
    }
    return out;
  }

  /** Prunes the fitted tree in place with a new alpha (weakest-link pruning never needs regrowing). */
  prune(ccpAlpha: number): this {
    this.nodes = pruneTree(this.nodes, ccpAlpha);
    this.params.ccpAlpha = ccpAlpha;
    return this;
  }

  get leafCount(): number {
    return this.nodes.filter((n) => n.feature < 0).length;
  }

  get depth(): number {
    return this.nodes.reduce((d, n) => Math.max(d, n.depth), 0);
  }

  /**
   * Version 3: the nodes column by column (`nodeColumns`; counts flat, nClasses per node), leaving out what the rest
   * determines exactly: `depth` (from the structure), `left` (nodes are stored depth-first, so an inner node's left
   * child is the next node; written only if that does not hold) and, for classification, `value` (argmax of counts,
   * ties to the lower class, as fitted) and `impurity` (of counts and samples by the criterion). A forest file is a
   * third smaller than version 2 and reads back to the same nodes, bit for bit.
   */
  toJSON(): LearnerJSON {
    const depthFirst = this.nodes.every((n, i) => n.feature < 0 || n.left === i + 1);
    const written = scalarFields.filter((k) => !derivable(k, this.task) || (k === 'left' && !depthFirst));
    const nodeColumns = {
      ...Object.fromEntries(written.map((k) => [k, this.nodes.map((n) => n[k])])),
      ...(this.task === 'classification' ? { counts: this.nodes.flatMap((n) => n.counts) } : {}),
    };
    return { kind: this.kind, version: 3, task: this.task, nClasses: this.nClasses, nFeatures: this.nFeatures, params: this.params, nodeColumns };
  }

  /** Reads version 3 and 2 (columns; 2 holds every field) and version 1 (an array of node objects, as written before). */
  static fromJSON(json: LearnerJSON): DecisionTree {
    expectKind(json, 'decision-tree');
    const t = new DecisionTree(json.params as DecisionTreeParams);
    t.nodes = json.version === 1 || json.nodeColumns === undefined ? nodesV1(json) : nodesFromColumns(json.nodeColumns as NodeColumns, json.nClasses as number, json.task as Task, t.params.criterion);
    t.task = json.task as Task;
    t.nClasses = json.nClasses as number;
    t.nFeatures = json.nFeatures as number;
    return t;
  }

  private check(x: Matrix): void {
    if (this.nodes.length === 0) notFitted('DecisionTree.predict');
    checkCols('DecisionTree.predict', x, this.nFeatures);
  }
}
registerLearner('decision-tree', DecisionTree.fromJSON);

/** TreeNode's one-number fields; with counts, what DecisionTree JSON holds one array each of (version 3 leaves some out). */
const scalarFields = ['feature', 'threshold', 'left', 'right', 'value', 'samples', 'impurity', 'depth'] as const;

/** TreeNode's fields as one array each (DecisionTree JSON versions 2 and 3); counts holds nClasses numbers per node. */
type NodeColumns = Partial<Record<(typeof scalarFields)[number] | 'counts', number[]>>;

function nodesV1(json: LearnerJSON): TreeNode[] {
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw new FormatError('DecisionTree.fromJSON: nodes must be a non-empty array, got none');
  return json.nodes as TreeNode[];
}

/** The fields version 3 leaves out (`left` only while nodes are depth-first, which toJSON checks). */
const derivable = (k: string, task: Task): boolean => k === 'depth' || k === 'left' || (task === 'classification' && (k === 'value' || k === 'impurity'));

function nodesFromColumns(c: NodeColumns, nClasses: number, task: Task, criterion: Criterion): TreeNode[] {
  const n = Array.isArray(c?.feature) ? c.feature.length : 0;
  if (n === 0) throw new FormatError('DecisionTree.fromJSON: nodeColumns.feature must be a non-empty array, got none');
  for (const k of scalarFields) {
    if (c[k] === undefined && derivable(k, task)) continue;
    if (!Array.isArray(c[k]) || c[k].length !== n) throw new FormatError(`DecisionTree.fromJSON: nodeColumns.${k} must hold one number per node (${n}), got ${Array.isArray(c[k]) ? c[k].length : 'none'}`);
  }
  const k = task === 'classification' ? nClasses : 0;
  const counts = c.counts ?? [];
  if (!Array.isArray(counts) || counts.length !== n * k) throw new FormatError(`DecisionTree.fromJSON: nodeColumns.counts must hold ${k} per node (${n * k}), got ${Array.isArray(c.counts) ? c.counts.length : 'none'}`);
  const nodes = Array.from({ length: n }, (_, i): TreeNode => {
    const node = { ...Object.fromEntries(scalarFields.filter((f) => c[f] !== undefined).map((f) => [f, c[f]![i]])), counts: counts.slice(i * k, (i + 1) * k) } as TreeNode;
    if (c.left === undefined) node.left = node.feature < 0 ? -1 : i + 1;
    if (task === 'classification') {
      if (c.value === undefined) node.value = majority(node.counts);
      if (c.impurity === undefined) node.impurity = impurityOf(node.counts, node.samples, criterion);
    }
    return node;
  });
  if (c.depth === undefined) {
    // depth from the root down; a child index outside the nodes, or a node reached twice, is a broken file
    const seen = new Uint8Array(n);
    const stack: [number, number][] = [[0, 0]];
    while (stack.length) {
      const [i, depth] = stack.pop()!;
      if (!(Number.isInteger(i) && i >= 0 && i < n) || seen[i]) throw new FormatError(`DecisionTree.fromJSON: nodeColumns must describe a tree, got child ${i} ${seen[i] ? 'reached twice' : `outside the ${n} nodes`}`);
      seen[i] = 1;
      nodes[i].depth = depth;
      if (nodes[i].feature >= 0) stack.push([nodes[i].right, depth + 1], [nodes[i].left, depth + 1]);
    }
    const lost = seen.indexOf(0);
    if (lost >= 0) throw new FormatError(`DecisionTree.fromJSON: nodeColumns must describe a tree, got node ${lost} that no node leads to`);
  }
  return nodes;
}

/** The class with the largest count, ties to the lower class: a node's prediction, when fitted and when read back. */
function majority(counts: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

function impurityOf(counts: Float64Array | number[], total: number, criterion: Criterion): number {
  if (total <= 0) return 0;
  let s = 0;
  if (criterion === 'entropy') {
    for (let c = 0; c < counts.length; c++) if (counts[c] > 0) s -= (counts[c] / total) * Math.log2(counts[c] / total);
    return s;
  }
  for (let c = 0; c < counts.length; c++) s += counts[c] * counts[c];
  return 1 - s / (total * total);
}

/** Grows one tree; kept apart from DecisionTree so its scratch buffers die with the fit. */
class Grower {
  private readonly rng: Random;
  private readonly nodes: TreeNode[] = [];
  private readonly criterion: Criterion;
  private readonly mtry: number;
  private readonly featureOrder: Int32Array;
  private readonly leftCounts: Float64Array;
  private readonly rightCounts: Float64Array;
  private readonly yc: Int32Array | null;
  private readonly yr: Float64Array | null;
  private readonly keys: Float64Array;
  private readonly counts: Int32Array;
  private readonly order: Int32Array;
  /**
   * Counts the split search's work (rows x features tried) and checks the fit's time limit every 2^18 of it (tens
   * of ms on a wide table).
   */
  private readonly spend = checkEvery('decision tree fit', 1 << 18);

  constructor(
    private readonly x: Matrix,
    y: Target,
    private readonly w: Float64Array,
    private readonly k: number,
    private readonly task: Task,
    private readonly p: DecisionTreeParams,
    private readonly ranks: ColumnRanks | null,
  ) {
    this.rng = new Random(p.seed);
    this.criterion = task === 'regression' ? 'squared-error' : p.criterion === 'squared-error' ? 'gini' : p.criterion;
    this.mtry = resolveMaxFeatures(p.maxFeatures, x.cols);
    this.featureOrder = Int32Array.from({ length: x.cols }, (_, i) => i);
    this.leftCounts = new Float64Array(k);
    this.rightCounts = new Float64Array(k);
    this.yc = y instanceof Int32Array ? y : null;
    this.yr = y instanceof Float64Array ? y : null;
    this.keys = new Float64Array(ranks ? x.rows : 0);
    this.counts = new Int32Array(ranks ? 2 * x.rows + 2 : 0);
    this.order = new Int32Array(ranks ? x.rows : 0);
  }

  grow(idx: Int32Array): TreeNode[] {
    this.build(idx, 0, idx.length, 0);
    return this.nodes;
  }

  private makeNode(idx: Int32Array, start: number, end: number, depth: number): TreeNode {
    let samples = 0;
    if (this.task === 'classification') {
      const counts = new Array<number>(this.k).fill(0);
      for (let i = start; i < end; i++) {
        counts[this.yc![idx[i]]] += this.w[idx[i]];
        samples += this.w[idx[i]];
      }
      return { feature: -1, threshold: 0, left: -1, right: -1, counts, value: majority(counts), samples, impurity: impurityOf(counts, samples, this.criterion), depth };
    }
    let s = 0;
    let s2 = 0;
    for (let i = start; i < end; i++) {
      const wi = this.w[idx[i]];
      const v = this.yr![idx[i]];
      samples += wi;
      s += wi * v;
      s2 += wi * v * v;
    }
    const mean = s / samples;
    return { feature: -1, threshold: 0, left: -1, right: -1, counts: [], value: mean, samples, impurity: Math.max(0, s2 / samples - mean * mean), depth };
  }

  private build(idx: Int32Array, start: number, end: number, depth: number): number {
    const node = this.makeNode(idx, start, end, depth);
    const id = this.nodes.length;
    this.nodes.push(node);
    const n = end - start;
    const p = this.p;
    if ((p.maxDepth !== null && depth >= p.maxDepth) || n < p.minSamplesSplit || n < 2 * p.minSamplesLeaf || node.impurity <= 1e-12) return id;
    this.spend(n * this.mtry);
    const split = this.bestSplit(idx, start, end, node);
    if (!split) return id;
    // partition idx[start..end) so rows going left come first
    let i = start;
    let j = end - 1;
    const x = this.x;
    while (i <= j) {
      if (x.data[idx[i] * x.cols + split.feature] <= split.threshold) i++;
      else {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        j--;
      }
    }
    if (i === start || i === end) return id;
    node.feature = split.feature;
    node.threshold = split.threshold;
    node.left = this.build(idx, start, i, depth + 1);
    node.right = this.build(idx, i, end, depth + 1);
    return id;
  }

  /**
   * Lowest weighted child impurity over mtry features drawn without replacement. A feature constant in the node
   * counts as drawn (Breiman's mtry, as R's randomForest and sklearn's splitter count it); only while every feature
   * drawn so far was constant does the draw go on past mtry, so a node that can still be split is split.
   */
  private bestSplit(idx: Int32Array, start: number, end: number, node: TreeNode): { feature: number; threshold: number } | null {
    const order = this.featureOrder;
    const nf = order.length;
    // like sklearn, a zero-gain split is still taken in an impure node (XOR needs one)
    let bestScore = Infinity;
    let best: { feature: number; threshold: number } | null = null;
    let usable = 0;
    const sub = idx.slice(start, end);
    const vals = new Float64Array(sub.length);
    for (let f = 0; f < nf && (f < this.mtry || usable === 0); f++) {
      const j = f + this.rng.int(nf - f);
      const feat = order[j];
      order[j] = order[f];
      order[f] = feat;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < sub.length; i++) {
        const v = this.x.data[sub[i] * this.x.cols + feat];
        vals[i] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      usable++;
      const cand = this.p.splitter === 'random' ? this.randomThreshold(sub, vals, lo, hi, node) : this.sweep(sub, vals, feat, node);
      if (cand && cand.score < bestScore) {
        bestScore = cand.score;
        best = { feature: feat, threshold: cand.threshold };
      }
    }
    return best;
  }

  private childScore(lCounts: Float64Array, lw: number, rCounts: Float64Array, rw: number): number {
    return lw * impurityOf(lCounts, lw, this.criterion) + rw * impurityOf(rCounts, rw, this.criterion);
  }

  /** Exhaustive search: sort by value, move rows left one at a time, score between distinct values. */
  private sweep(sub: Int32Array, vals: Float64Array, feat: number, node: TreeNode): { score: number; threshold: number } | null {
    const order = this.sortedPositions(sub, feat);
    const minLeaf = this.p.minSamplesLeaf;
    const n = sub.length;
    let best: { score: number; threshold: number } | null = null;
    let lw = 0;
    if (this.task === 'classification') {
      const lc = this.leftCounts.fill(0);
      const rc = this.rightCounts;
      for (let c = 0; c < this.k; c++) rc[c] = node.counts[c];
      for (let i = 0; i < n - 1; i++) {
        const row = sub[order[i]];
        const wi = this.w[row];
        lc[this.yc![row]] += wi;
        rc[this.yc![row]] -= wi;
        lw += wi;
        if (i + 1 < minLeaf || n - i - 1 < minLeaf) continue;
        const a = vals[order[i]];
        const b = vals[order[i + 1]];
        if (a === b) continue;
        const score = this.childScore(lc, lw, rc, node.samples - lw);
        if (!best || score < best.score) best = { score, threshold: midpoint(a, b) };
      }
      return best;
    }
    let ls = 0;
    let ls2 = 0;
    let ts = 0;
    let ts2 = 0;
    for (let i = 0; i < n; i++) {
      const row = sub[i];
      ts += this.w[row] * this.yr![row];
      ts2 += this.w[row] * this.yr![row] * this.yr![row];
    }
    for (let i = 0; i < n - 1; i++) {
      const row = sub[order[i]];
      const wi = this.w[row];
      const v = this.yr![row];
      lw += wi;
      ls += wi * v;
      ls2 += wi * v * v;
      if (i + 1 < minLeaf || n - i - 1 < minLeaf) continue;
      const a = vals[order[i]];
      const b = vals[order[i + 1]];
      if (a === b) continue;
      const rw = node.samples - lw;
      // weighted SSE of both children = sum y^2 - (sum y)^2 / w on each side
      const score = ls2 - (ls * ls) / lw + (ts2 - ls2) - ((ts - ls) * (ts - ls)) / rw;
      if (!best || score < best.score) best = { score, threshold: midpoint(a, b) };
    }
    return best;
  }

  /**
   * Positions 0..n-1 of `sub` ordered by feature value, ties by position: the same order as a stable comparator sort,
   * but each key (rank of the value in the column, position) packs exactly into one double, so the engine's native
   * numeric sort does the work instead of n log n calls back into a comparator.
   */
  private sortedPositions(sub: Int32Array, feat: number): Int32Array {
    const n = sub.length;
    const ranks = this.ranks!.ranks;
    const cols = this.x.cols;
    const distinct = this.ranks!.distinct[feat];
    if (distinct <= 2 * n) {
      // few distinct values (one-hot and integer columns): a stable counting sort over the ranks, O(n + distinct)
      const starts = this.counts.subarray(0, distinct + 2).fill(0);
      for (let i = 0; i < n; i++) starts[ranks[sub[i] * cols + feat] + 1]++;
      for (let r = 1; r <= distinct + 1; r++) starts[r] += starts[r - 1];
      const order = this.order.subarray(0, n);
      for (let i = 0; i < n; i++) order[starts[ranks[sub[i] * cols + feat]]++] = i;
      return order;
    }
    const keys = this.keys.subarray(0, n);
    for (let i = 0; i < n; i++) keys[i] = ranks[sub[i] * cols + feat] * POSITION_SPAN + i;
    keys.sort();
    const order = this.order.subarray(0, n);
    for (let i = 0; i < n; i++) order[i] = keys[i] % POSITION_SPAN;
    return order;
  }

  /** Extra-trees split: one uniform threshold in (min, max) of the node's values. */
  private randomThreshold(sub: Int32Array, vals: Float64Array, lo: number, hi: number, node: TreeNode): { score: number; threshold: number } | null {
    let threshold = this.rng.uniform(lo, hi);
    if (threshold >= hi) threshold = lo;
    let nl = 0;
    let lw = 0;
    if (this.task === 'classification') {
      const lc = this.leftCounts.fill(0);
      const rc = this.rightCounts.fill(0);
      for (let i = 0; i < sub.length; i++) {
        const row = sub[i];
        if (vals[i] <= threshold) {
          lc[this.yc![row]] += this.w[row];
          lw += this.w[row];
          nl++;
        } else rc[this.yc![row]] += this.w[row];
      }
      if (nl < this.p.minSamplesLeaf || sub.length - nl < this.p.minSamplesLeaf) return null;
      return { score: this.childScore(lc, lw, rc, node.samples - lw), threshold };
    }
    let ls = 0;
    let ls2 = 0;
    let rs = 0;
    let rs2 = 0;
    for (let i = 0; i < sub.length; i++) {
      const row = sub[i];
      const wv = this.w[row] * this.yr![row];
      if (vals[i] <= threshold) {
        lw += this.w[row];
        ls += wv;
        ls2 += wv * this.yr![row];
        nl++;
      } else {
        rs += wv;
        rs2 += wv * this.yr![row];
      }
    }
    if (nl < this.p.minSamplesLeaf || sub.length - nl < this.p.minSamplesLeaf) return null;
    return { score: ls2 - (ls * ls) / lw + rs2 - (rs * rs) / (node.samples - lw), threshold };
  }
}

// rank * POSITION_SPAN + position stays below 2^53 (exact in a double) for up to 2^26 rows
const POSITION_SPAN = 2 ** 26;

/** What columnRanks computes. */
export interface ColumnRanks {
  /** ranks[r * cols + f]: rank of x[r, f] among the distinct values of column f. */
  ranks: Int32Array;
  /** distinct[f]: how many distinct values column f has (NaNs each count as one, ranked last). */
  distinct: Int32Array;
}

/**
 * Per column, each row's value rank (equal values share a rank, NaN ranks last), row-major like x: the tree's
 * split search sorts these integers instead of the values. Computed once per x; a forest shares it across its trees.
 */
export function columnRanks(x: Matrix): ColumnRanks {
  if (x.rows > POSITION_SPAN) throw new ArgumentError(`columnRanks: at most ${POSITION_SPAN} rows, got ${x.rows}`);
  const ranks = new Int32Array(x.rows * x.cols);
  const distinct = new Int32Array(x.cols);
  const vals = new Float64Array(x.rows);
  const spend = checkEvery('decision tree fit (ranking the columns)', 1 << 18);
  for (let f = 0; f < x.cols; f++) {
    spend(x.rows);
    for (let r = 0; r < x.rows; r++) vals[r] = x.data[r * x.cols + f];
    const sorted = Float64Array.from(vals).sort();
    // distinct values in ascending order; a row's rank is its value's index among them
    let m = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || !(sorted[i] === sorted[m - 1])) sorted[m++] = sorted[i];
    for (let r = 0; r < x.rows; r++) ranks[r * x.cols + f] = lowerBound(sorted, m, vals[r]);
    distinct[f] = m;
  }
  return { ranks, distinct };
}

function lowerBound(sorted: Float64Array, m: number, v: number): number {
  if (Number.isNaN(v)) return m;
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m >= b ? a : m; // guards against rounding up to b, which would send b left
}

/**
 * Minimal cost-complexity pruning (Breiman et al. 1984, ch. 3): the smallest subtree T of the tree minimizing
 * R(T) + ccpAlpha * leaves(T), where R(t) = (samples_t / samples_root) * impurity_t and R(T) sums R over T's leaves.
 * That is the tree weakest-link pruning ends with (collapse the inner node of smallest effective alpha
 * (R(t) - R(T_t)) / (leaves(T_t) - 1) while it is <= ccpAlpha), found here in one pass from the leaves up: a node
 * whose children are already pruned collapses when its own effective alpha is <= ccpAlpha. Linear in the nodes;
 * the weakest-link loop recounted the tree per collapse: 45 s for the default tree on 160k rows of a regression.
 * Returns a compacted copy (children re-indexed, root still at 0).
 */
export function pruneTree(nodes: readonly TreeNode[], ccpAlpha: number): TreeNode[] {
  const work = nodes.map((n) => ({ ...n }));
  const total = work[0].samples;
  const r = (n: TreeNode): number => (n.samples / total) * n.impurity;
  const subR = new Float64Array(work.length);
  const leaves = new Int32Array(work.length);
  for (const i of postOrder(work)) {
    const n = work[i];
    if (n.feature >= 0) {
      const below = subR[n.left] + subR[n.right];
      const count = leaves[n.left] + leaves[n.right];
      if ((r(n) - below) / (count - 1) > ccpAlpha) {
        subR[i] = below;
        leaves[i] = count;
        continue;
      }
      n.feature = -1;
      n.left = -1;
      n.right = -1;
      n.threshold = 0;
    }
    subR[i] = r(n);
    leaves[i] = 1;
  }
  return compactTree(work);
}

/** The indices of the nodes reachable from the root, every child before its parent. */
function postOrder(nodes: readonly TreeNode[]): Int32Array {
  const out = new Int32Array(nodes.length);
  let m = 0;
  const stack = [0];
  const expanded = new Uint8Array(nodes.length);
  while (stack.length) {
    const i = stack[stack.length - 1];
    const n = nodes[i];
    if (n.feature < 0 || expanded[i]) {
      stack.pop();
      out[m++] = i;
    } else {
      expanded[i] = 1;
      stack.push(n.right, n.left);
    }
  }
  return out.subarray(0, m);
}

/** The nodes still reachable from the root after pruning turned inner nodes into leaves, renumbered depth-first. */
export function compactTree(work: readonly TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const copy = (i: number): number => {
    const n = { ...work[i] };
    const id = out.length;
    out.push(n);
    if (n.feature >= 0) {
      n.left = copy(work[i].left);
      n.right = copy(work[i].right);
    }
    return id;
  };
  copy(0);
  return out;
}
