// CART decision tree (Breiman et al. 1984): binary splits `x[feature] <= threshold`, gini/entropy or squared error,
// grown greedily depth-first, then cost-complexity (weakest-link) pruned with ccpAlpha as sklearn does.
import { ArgumentError, FormatError, ShapeError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { checkEvery } from './deadline.js';
import { type Learner, type LearnerJSON, type Task, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type MaxFeatures, type Target, checkCols, checkXy, countClasses, lowerBound, matrix, resolveMaxFeatures } from './matrix.js';
import { JsonFields, type ParamRule, checkParams, describeJSON, paramsFromJSON, rule } from './json-fields.js';

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

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const treeParamRules: Record<keyof DecisionTreeParams, ParamRule> = {
  criterion: rule.oneOf(['gini', 'entropy', 'squared-error']),
  maxDepth: rule.orNull(rule.atLeast(0)),
  minSamplesSplit: rule.atLeast(2),
  minSamplesLeaf: rule.atLeast(1),
  maxFeatures: rule.maxFeatures,
  ccpAlpha: rule.atLeast(0),
  splitter: rule.oneOf(['best', 'random']),
  seed: rule.finite,
};

export class DecisionTree implements Learner {
  readonly kind = 'decision-tree';
  readonly params: DecisionTreeParams;
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;
  /** The fitted nodes, field by field (what the tree keeps and predicts from); null before fit. */
  private arrays: TreeArrays | null = null;
  /** `nodes` as objects, built on first read: a forest's trees, never read that way, keep only the arrays. */
  private objects: TreeNode[] | null = null;

  constructor(params: Partial<DecisionTreeParams> = {}) {
    this.params = { ...defaultTreeParams, ...params };
    checkParams('DecisionTree', this.params as unknown as Record<string, unknown>, treeParamRules);
  }

  /**
   * The fitted tree as node objects, `nodes[0]` the root (empty before fit). Built from the tree's typed arrays on
   * first read and kept. They are a copy: changing them changes nothing the tree predicts; assigning an array
   * replaces the tree (and is copied in turn).
   */
  get nodes(): TreeNode[] {
    if (!this.arrays) return [];
    this.objects ??= nodesOf(this.arrays);
    return this.objects;
  }

  set nodes(nodes: readonly TreeNode[]) {
    this.arrays = nodes.length === 0 ? null : arraysOf(nodes, this.task === 'classification' ? this.nClasses : 0);
    this.objects = null;
  }

  /** `ranks` (from columnRanks(x)) may be passed by a caller that fits many trees on the same x, e.g. a forest. */
  fit(x: Matrix, y: Target, sampleWeight?: Float64Array, nClasses?: number, ranks?: ColumnRanks): this {
    checkXy('DecisionTree.fit', x, y);
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? Math.max(nClasses ?? 0, countClasses(y as Int32Array)) : 0;
    this.nFeatures = x.cols;
    if (sampleWeight) {
      // a short array had left its missing rows out silently (undefined > 0 is false), a NaN weight its row
      if (sampleWeight.length !== x.rows) throw new ShapeError(`DecisionTree.fit: sampleWeight must hold one weight per row of X, got ${sampleWeight.length} for [${x.rows},${x.cols}]`);
      const bad = sampleWeight.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
      if (bad >= 0) throw new ArgumentError(`DecisionTree.fit: sampleWeight must hold finite weights >= 0, got ${sampleWeight[bad]} at row ${bad}`);
      if (!sampleWeight.some((v) => v > 0)) throw new ArgumentError('DecisionTree.fit: sampleWeight must give some row a weight above 0, got none');
    }
    const w = sampleWeight ?? new Float64Array(x.rows).fill(1);
    const idx: number[] = [];
    for (let i = 0; i < x.rows; i++) if (w[i] > 0) idx.push(i);
    const grower = new Grower(x, y, w, this.nClasses, this.task, this.params, this.params.splitter === 'best' ? (ranks ?? columnRanks(x)) : null);
    const grown = grower.grow(Int32Array.from(idx));
    this.nodes = this.params.ccpAlpha > 0 ? pruneTree(grown, this.params.ccpAlpha) : grown;
    return this;
  }

  /** Index into `nodes` of the leaf that row r of x falls in. */
  leafOf(x: Matrix, r: number): number {
    return leafIn(this.fitted('DecisionTree.leafOf'), x, r);
  }

  predict(x: Matrix): Target {
    const a = this.check(x);
    if (this.task === 'regression') {
      const out = new Float64Array(x.rows);
      for (let r = 0; r < x.rows; r++) out[r] = a.value[leafIn(a, x, r)];
      return out;
    }
    const out = new Int32Array(x.rows);
    for (let r = 0; r < x.rows; r++) out[r] = a.value[leafIn(a, x, r)];
    return out;
  }

  predictProba(x: Matrix): Matrix {
    this.check(x);
    if (this.task !== 'classification') throw new ArgumentError('DecisionTree.predictProba: needs a classification tree, got a regression tree');
    return this.addProba(x, matrix(x.rows, this.nClasses), 1);
  }

  /**
   * Adds each row's leaf value (regression) or leaf class probabilities (classification), divided by `divisor`, to
   * `out` (x.rows numbers, or x.rows x nClasses): how a forest sums its trees without a matrix per tree.
   */
  addTo(x: Matrix, out: Float64Array, divisor = 1): void {
    const a = this.check(x);
    const per = this.task === 'regression' ? 1 : this.nClasses;
    if (out.length !== x.rows * per) throw new ShapeError(`DecisionTree.addTo: out must hold ${x.rows} x ${per} numbers, got ${out.length}`);
    if (this.task === 'regression') for (let r = 0; r < x.rows; r++) out[r] += a.value[leafIn(a, x, r)] / divisor;
    else this.addProba(x, matrix(x.rows, per, out), divisor);
  }

  private addProba(x: Matrix, out: Matrix, divisor: number): Matrix {
    const a = this.fitted('DecisionTree.predictProba');
    const { countStart, countClass, countValue, samples } = a;
    const k = this.nClasses;
    // the classes a leaf holds no rows of add nothing (0 / samples), so only the others are visited
    for (let r = 0; r < x.rows; r++) {
      const leaf = leafIn(a, x, r);
      for (let j = countStart[leaf]; j < countStart[leaf + 1]; j++) out.data[r * k + countClass[j]] += countValue[j] / samples[leaf] / divisor;
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
    return this.arrays ? this.arrays.feature.reduce((a, f) => a + (f < 0 ? 1 : 0), 0) : 0;
  }

  get depth(): number {
    return this.arrays ? this.arrays.depth.reduce((d, v) => Math.max(d, v), 0) : 0;
  }

  /**
   * Version 3: the nodes column by column (`nodeColumns`; counts flat, nClasses per node), leaving out what the rest
   * determines exactly: `depth` (from the structure), `left` (nodes are stored depth-first, so an inner node's left
   * child is the next node; written only if that does not hold) and, for classification, `value` (argmax of counts,
   * ties to the lower class, as fitted) and `impurity` (of counts and samples by the criterion). A forest file is a
   * third smaller than version 2 and reads back to the same nodes, bit for bit.
   * Version 4, written when it is the smaller (many classes, few in each node), is version 3 with the counts sparse:
   * per node how many classes it holds rows of (`countsSize`), then those classes in ascending order (`countsClass`)
   * and their counts (`countsValue`), node after node. A default forest on 20,000 rows of 220 classes held 3.2 GB
   * of counts, nearly all zeros, and its version 3 file was past the longest string JSON.stringify can make.
   */
  toJSON(): LearnerJSON {
    const a = this.fitted('DecisionTree.toJSON');
    const depthFirst = a.feature.every((f, i) => f < 0 || a.left[i] === i + 1);
    const written = scalarFields.filter((k) => !derivable(k, this.task) || (k === 'left' && !depthFirst));
    const sparse = this.task === 'classification' && sparseIsShorter(a);
    const counts = this.task !== 'classification' ? {} : sparse ? { countsSize: Array.from(a.countStart.subarray(1), (end, i) => end - a.countStart[i]), countsClass: Array.from(a.countClass), countsValue: Array.from(a.countValue) } : { counts: Array.from(denseCounts(a)) };
    const nodeColumns = { ...Object.fromEntries(written.map((k) => [k, Array.from(a[k])])), ...counts };
    return { kind: this.kind, version: sparse ? 4 : 3, task: this.task, nClasses: this.nClasses, nFeatures: this.nFeatures, params: this.params, nodeColumns };
  }

  /** Reads versions 4 and 3 (sparse or dense counts), 2 (columns, every field) and 1 (an array of node objects). */
  static fromJSON(json: LearnerJSON): DecisionTree {
    expectKind(json, 'decision-tree');
    const t = new DecisionTree(paramsFromJSON<DecisionTreeParams>('DecisionTree.fromJSON', json.params, treeParamRules));
    const fields = new JsonFields('DecisionTree.fromJSON');
    ({ task: t.task, nClasses: t.nClasses } = fields.taskAndClasses(json));
    t.nFeatures = fields.at('nFeatures').integer(json.nFeatures, 0);
    const v1 = json.version === 1 || json.nodeColumns === undefined;
    const columns = v1 ? columnsOfV1(json, t.task === 'classification' ? t.nClasses : 0) : (json.nodeColumns as NodeColumns);
    t.arrays = arraysFromColumns(columns, t.nClasses, t.task, t.params.criterion, v1 ? nodeNames(t.task === 'classification' ? t.nClasses : 0) : columnName);
    walkTree(t.arrays, t.nFeatures, t.task, t.nClasses, columns.depth !== undefined);
    return t;
  }

  private fitted(op: string): TreeArrays {
    if (!this.arrays) notFitted(op);
    return this.arrays;
  }

  private check(x: Matrix): TreeArrays {
    const a = this.fitted('DecisionTree.predict');
    checkCols('DecisionTree.predict', x, this.nFeatures);
    return a;
  }
}
registerLearner('decision-tree', DecisionTree.fromJSON);

/** TreeNode's one-number fields; with counts, what DecisionTree JSON holds one array each of (version 3 leaves some out). */
const scalarFields = ['feature', 'threshold', 'left', 'right', 'value', 'samples', 'impurity', 'depth'] as const;

/**
 * TreeNode's fields as one array each (DecisionTree JSON versions 2-4); counts holds nClasses numbers per node, or
 * (version 4) countsSize, countsClass and countsValue hold them sparse.
 */
type NodeColumns = Partial<Record<(typeof scalarFields)[number] | 'counts' | 'countsSize' | 'countsClass' | 'countsValue', number[]>>;

/**
 * Version 1's node objects as columns (`nodes[i].field` in refusals), read by the columns' reader so that both check
 * the same things.
 */
function columnsOfV1(json: LearnerJSON, k: number): NodeColumns {
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw new FormatError('DecisionTree.fromJSON: nodes must be a non-empty array, got none');
  const nodes = json.nodes as Record<string, unknown>[];
  const badNode = nodes.findIndex((n) => typeof n !== 'object' || n === null || Array.isArray(n));
  if (badNode >= 0) throw new FormatError(`DecisionTree.fromJSON: nodes[${badNode}] must be a node object, got ${describeJSON(nodes[badNode])}`);
  const bad = nodes.findIndex((n) => !Array.isArray(n.counts) || n.counts.length !== k);
  if (bad >= 0) throw new FormatError(`DecisionTree.fromJSON: nodes[${bad}].counts must hold ${k} numbers, got ${Array.isArray(nodes[bad].counts) ? (nodes[bad].counts as unknown[]).length : 'none'}`);
  // a field no node holds is left out where the rest determines it (depth; a classifier's value and impurity)
  const task = k > 0 ? 'classification' : 'regression';
  const held = scalarFields.filter((f) => !(f !== 'left' && derivable(f, task) && nodes.every((n) => n[f] === undefined)));
  return { ...Object.fromEntries(held.map((f) => [f, nodes.map((n) => n[f])])), counts: nodes.flatMap((n) => n.counts as unknown[]) } as NodeColumns;
}

/** The fields version 3 leaves out (`left` only while nodes are depth-first, which toJSON checks). */
const derivable = (k: string, task: Task): boolean => k === 'depth' || k === 'left' || (task === 'classification' && (k === 'value' || k === 'impurity'));

/**
 * Where entry i of column k stands in the file: `nodeColumns.k[i]` (versions 2-4) or `nodes[i].k` (version 1, whose
 * counts column holds nClasses entries per node: entry i is `nodes[i / nClasses].counts[i % nClasses]`).
 */
type FieldName = (k: string, i: number) => string;
const columnName: FieldName = (k, i) => `nodeColumns.${k}[${i}]`;
const nodeNames = (nClasses: number): FieldName => (k, i) => (k === 'counts' ? `nodes[${Math.floor(i / nClasses)}].counts[${i % nClasses}]` : `nodes[${i}].${k}`);

function arraysFromColumns(c: NodeColumns, nClasses: number, task: Task, criterion: Criterion, name: FieldName = columnName): TreeArrays {
  const n = Array.isArray(c?.feature) ? c.feature.length : 0;
  if (n === 0) throw new FormatError('DecisionTree.fromJSON: nodeColumns.feature must be a non-empty array, got none');
  const refuse = (k: string, i: number, what: string): never => {
    throw new FormatError(`DecisionTree.fromJSON: ${name(k, i)} must be ${what}, got ${describeJSON((c[k as keyof NodeColumns] as unknown[])[i])}`);
  };
  for (const k of scalarFields) {
    if (c[k] === undefined && derivable(k, task)) continue;
    if (!Array.isArray(c[k]) || c[k].length !== n) throw new FormatError(`DecisionTree.fromJSON: nodeColumns.${k} must hold one number per node (${n}), got ${Array.isArray(c[k]) ? c[k].length : 'none'}`);
    // a typed array reads null (a hand-edited file) as 0: a feature 0 split, a threshold 0, class 0 at a leaf
    const bad = c[k].findIndex((v) => !(typeof v === 'number' && Number.isFinite(v)));
    if (bad >= 0 && (k !== 'threshold' || c.feature![bad] >= 0)) refuse(k, bad, k === 'threshold' ? 'a finite number at a split' : k === 'samples' && task === 'classification' ? 'a positive finite number' : 'a finite number');
  }
  // a classifier's leaf divides its counts by samples: a negative or zero one made its probabilities NaN
  if (task === 'classification') {
    const bad = c.samples!.findIndex((v) => !(v > 0));
    if (bad >= 0) refuse('samples', bad, 'a positive finite number');
  }
  const k = task === 'classification' ? nClasses : 0;
  const a = emptyArrays(n, k, task === 'classification' ? sparseCounts(c, n, k, name) : sparse(n, 0));
  for (const f of scalarFields) if (c[f] !== undefined) a[f].set(c[f]!);
  if (c.left === undefined) for (let i = 0; i < n; i++) a.left[i] = a.feature[i] < 0 ? -1 : i + 1;
  if (task === 'classification') {
    for (let i = 0; i < n; i++) {
      const from = a.countStart[i];
      const to = a.countStart[i + 1];
      if (c.value === undefined) a.value[i] = majorityOf(a.countClass.subarray(from, to), a.countValue.subarray(from, to));
      if (c.impurity === undefined) a.impurity[i] = impurityOf(a.countValue.subarray(from, to), a.samples[i], criterion);
      // a leaf's probabilities are its counts over samples: they sum to 1 only if the counts sum to samples (weights included)
      if (a.feature[i] >= 0) continue;
      let sum = 0;
      for (let j = from; j < to; j++) sum += a.countValue[j];
      if (!(Math.abs(sum - a.samples[i]) <= 1e-9 * a.samples[i])) refuse('samples', i, `its counts' sum (${sum}) at a leaf`);
    }
  }
  return a;
}

/**
 * Checks that read arrays are a tree predict ends in, for every version (a file with a saved depth, version 2, had
 * not been walked: a child pointing back made predict loop forever): from the root, every child index inside the
 * nodes and reached once, every node reached; a split's feature a column below nFeatures (past it, a row read its
 * neighbour's values); a classifier's leaf a class below nClasses (the reader has checked every entry is a finite number).
 * Fills in the depths unless `keepDepth`.
 */
function walkTree(a: TreeArrays, nFeatures: number, task: Task, nClasses: number, keepDepth: boolean): void {
  const n = a.feature.length;
  const broken = (what: string): never => {
    throw new FormatError(`DecisionTree.fromJSON: nodeColumns must describe a tree, got ${what}`);
  };
  const seen = new Uint8Array(n);
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [i, depth] = stack.pop()!;
    if (!(i >= 0 && i < n) || seen[i]) broken(`child ${i} ${seen[i] ? 'reached twice' : `outside the ${n} nodes`}`);
    seen[i] = 1;
    if (!keepDepth) a.depth[i] = depth;
    const f = a.feature[i];
    if (f >= 0) {
      if (f >= nFeatures) broken(`node ${i} splitting on feature ${f}, past the ${nFeatures} features`);
      stack.push([a.right[i], depth + 1], [a.left[i], depth + 1]);
    } else if (task === 'classification' && !(Number.isInteger(a.value[i]) && a.value[i] >= 0 && a.value[i] < nClasses)) {
      broken(`leaf ${i} with value ${a.value[i]} (a class below ${nClasses} expected)`);
    }
  }
  const lost = seen.indexOf(0);
  if (lost >= 0) broken(`node ${lost} that no node leads to`);
}

/** The nonzero class counts of every node: node i's are entries countStart[i] .. countStart[i + 1] - 1. */
interface SparseCounts {
  countStart: Int32Array;
  /** Ascending within a node. */
  countClass: Int32Array;
  countValue: Float64Array;
}

function sparse(n: number, nnz: number): SparseCounts {
  return { countStart: new Int32Array(n + 1), countClass: new Int32Array(nnz), countValue: new Float64Array(nnz) };
}

/** A file's class counts, dense (`counts`) or sparse (`countsSize`, `countsClass`, `countsValue`), checked. */
function sparseCounts(c: NodeColumns, n: number, k: number, name: FieldName): SparseCounts {
  const where = 'DecisionTree.fromJSON: nodeColumns';
  // a count that is no number read as 0, a negative one gave a negative probability
  const badCount = (col: unknown[]) => col.findIndex((v) => !(typeof v === 'number' && v >= 0 && Number.isFinite(v)));
  if (c.counts !== undefined || c.countsSize === undefined) {
    const counts = c.counts;
    if (!Array.isArray(counts) || counts.length !== n * k) throw new FormatError(`${where}.counts must hold ${k} per node (${n * k}), got ${Array.isArray(counts) ? counts.length : 'none'}`);
    const bad = badCount(counts);
    if (bad >= 0) throw new FormatError(`DecisionTree.fromJSON: ${name('counts', bad)} must be a non-negative finite number, got ${describeJSON(counts[bad])}`);
    return sparseOf(n, k, (i) => counts.slice(i * k, (i + 1) * k));
  }
  const { countsSize: size, countsClass: cls, countsValue: val } = c;
  if (!Array.isArray(size) || size.length !== n) throw new FormatError(`${where}.countsSize must hold one number per node (${n}), got ${Array.isArray(size) ? size.length : 'none'}`);
  const s = sparse(n, 0);
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(size[i]) && size[i] >= 0 && size[i] <= k)) throw new FormatError(`${where}.countsSize[${i}] must be a whole number in [0, ${k}], got ${size[i]}`);
    s.countStart[i + 1] = s.countStart[i] + size[i];
  }
  const nnz = s.countStart[n];
  for (const [name, col] of [['countsClass', cls], ['countsValue', val]] as const) {
    if (!Array.isArray(col) || col.length !== nnz) throw new FormatError(`${where}.${name} must hold countsSize's total (${nnz}) numbers, got ${Array.isArray(col) ? col.length : 'none'}`);
  }
  const bad = badCount(val!);
  if (bad >= 0) throw new FormatError(`${where}.countsValue[${bad}] must be a non-negative finite number, got ${describeJSON(val![bad])}`);
  for (let i = 0; i < n; i++) {
    for (let j = s.countStart[i]; j < s.countStart[i + 1]; j++) {
      const prev = j > s.countStart[i] ? cls![j - 1] : -1;
      if (!(Number.isInteger(cls![j]) && cls![j] > prev && cls![j] < k)) throw new FormatError(`${where}.countsClass[${j}] (node ${i}) must be a class in (${prev}, ${k}), ascending within the node, got ${cls![j]}`);
    }
  }
  return { countStart: s.countStart, countClass: Int32Array.from(cls!), countValue: Float64Array.from(val!) };
}

/** Sparse counts of n nodes whose dense counts (k each) `dense(i)` gives. */
function sparseOf(n: number, k: number, dense: (i: number) => ArrayLike<number>): SparseCounts {
  const start = new Int32Array(n + 1);
  const cls: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = dense(i);
    for (let c = 0; c < k; c++) {
      if (d[c] !== 0) {
        cls.push(c);
        val.push(d[c]);
      }
    }
    start[i + 1] = cls.length;
  }
  return { countStart: start, countClass: Int32Array.from(cls), countValue: Float64Array.from(val) };
}

/**
 * Whether the sparse counts' JSON text (three columns) is shorter than the dense column's: both write the nonzero
 * counts the same way, so this compares the rest exactly, the dense zeros ("0,") against the sparse sizes and classes.
 */
function sparseIsShorter(a: TreeArrays): boolean {
  const n = a.feature.length;
  const nnz = a.countClass.length;
  const digits = (v: number) => String(v).length;
  const commas = (items: number) => Math.max(items - 1, 0);
  const dense = '"counts":[]'.length + (n * a.nClasses - nnz) + commas(n * a.nClasses);
  let sparse = '"countsSize":[],"countsClass":[],"countsValue":[]'.length + commas(n) + 2 * commas(nnz);
  for (let i = 0; i < n; i++) sparse += digits(a.countStart[i + 1] - a.countStart[i]);
  for (let j = 0; j < nnz; j++) sparse += digits(a.countClass[j]);
  return sparse < dense;
}

function denseCounts(a: TreeArrays): Float64Array {
  const n = a.feature.length;
  const out = new Float64Array(n * a.nClasses);
  for (let i = 0; i < n; i++) for (let j = a.countStart[i]; j < a.countStart[i + 1]; j++) out[i * a.nClasses + a.countClass[j]] = a.countValue[j];
  return out;
}

/**
 * A tree's nodes field by field, index i for node i (TreeNode's fields, class counts sparse): about 56 bytes a node
 * plus 12 per class present, where node objects took about 130 plus 8 per class (a default forest on 50,000 rows of
 * a regression: 0.2 GB, not 0.8; on 20,000 rows of 220 classes, most nodes hold one or two).
 */
export interface TreeArrays extends SparseCounts {
  /** Classes of a classification tree (what `counts` spans), 0 for regression. */
  nClasses: number;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  samples: Float64Array;
  impurity: Float64Array;
  depth: Int32Array;
}

/** Index of the leaf that row r of x falls in. */
function leafIn(a: TreeArrays, x: Matrix, r: number): number {
  const { feature, threshold, left, right } = a;
  const base = r * x.cols;
  let n = 0;
  while (feature[n] >= 0) n = x.data[base + feature[n]] <= threshold[n] ? left[n] : right[n];
  return n;
}

function emptyArrays(n: number, k: number, counts: SparseCounts): TreeArrays {
  return {
    nClasses: k,
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n),
    samples: new Float64Array(n),
    impurity: new Float64Array(n),
    depth: new Int32Array(n),
    ...counts,
  };
}

function arraysOf(nodes: readonly TreeNode[], k: number): TreeArrays {
  const bad = nodes.findIndex((node) => node.counts.length !== k);
  if (bad >= 0) throw new ShapeError(`DecisionTree.nodes: every node must hold ${k} counts, got ${nodes[bad].counts.length} at node ${bad}`);
  const a = emptyArrays(nodes.length, k, sparseOf(nodes.length, k, (i) => nodes[i].counts));
  nodes.forEach((node, i) => {
    for (const f of scalarFields) a[f][i] = node[f];
  });
  return a;
}

function nodesOf(a: TreeArrays): TreeNode[] {
  const dense = denseCounts(a);
  const k = a.nClasses;
  return Array.from({ length: a.feature.length }, (_, i): TreeNode => ({
    feature: a.feature[i],
    threshold: a.threshold[i],
    left: a.left[i],
    right: a.right[i],
    counts: Array.from(dense.subarray(i * k, (i + 1) * k)),
    value: a.value[i],
    samples: a.samples[i],
    impurity: a.impurity[i],
    depth: a.depth[i],
  }));
}

/** The class with the largest count, ties to the lower class: a node's prediction, when fitted and when read back. */
export function majority(counts: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

/** majority() of sparse counts (classes ascending, the rest zero): the same class. */
function majorityOf(classes: Int32Array, values: Float64Array): number {
  let best = 0;
  let most = 0;
  for (let j = 0; j < classes.length; j++) {
    if (values[j] > most) {
      most = values[j];
      best = classes[j];
    }
  }
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

  /**
   * Extra-trees split: one uniform threshold in (min, max) of the node's values. An infinite min or max is replaced
   * by the node's finite min or max (a draw between infinities was NaN, which sent every row right: no split), so
   * the infinities fall to their sides; a node of infinities alone splits at 0. NaN, past every number, goes right.
   */
  private randomThreshold(sub: Int32Array, vals: Float64Array, lo: number, hi: number, node: TreeNode): { score: number; threshold: number } | null {
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      let flo = Infinity;
      let fhi = -Infinity;
      for (let i = 0; i < vals.length; i++) {
        if (Number.isFinite(vals[i])) {
          if (vals[i] < flo) flo = vals[i];
          if (vals[i] > fhi) fhi = vals[i];
        }
      }
      [lo, hi] = flo > fhi ? [0, 0] : [Number.isFinite(lo) ? lo : flo, Number.isFinite(hi) ? hi : fhi];
    }
    let threshold = lo < hi ? this.rng.uniform(lo, hi) : lo;
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
    for (let r = 0; r < x.rows; r++) ranks[r * x.cols + f] = Number.isNaN(vals[r]) ? m : lowerBound(sorted, vals[r], m);
    distinct[f] = m;
  }
  return { ranks, distinct };
}


function midpoint(a: number, b: number): number {
  // NaN ranks past every number: a split between the largest number and NaN sends the numbers left (the midpoint,
  // NaN, had sent every row right, and the node, whose best split that was, stayed a leaf)
  if (Number.isNaN(b)) return a;
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
