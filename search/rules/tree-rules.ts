// Tree to rules, C4.5rules style: grow the CART of search/automl, prune it with C4.5's pessimistic error (CF 25%),
// read each root-to-leaf path as a rule, drop conditions whose removal does not raise the rule's pessimistic error,
// remove duplicate and subsumed rules, order classes by false positives, drop rules the list does not need, add a default.
import { ArgumentError } from '../../core/errors.js';
import { DecisionTree, compactTree, majority, type TreeNode } from '../automl/tree.js';
import { type Matrix, matrix } from '../automl/matrix.js';
import { type Condition, conditionKey, niceThreshold, simplifyConditions } from './condition.js';
import { type Encoded, type Table, encodeTable } from './data.js';
import { type RuleModel, conditionMask, finalizeRules, ruleMask } from './model.js';
import { addErrs, pessimisticRate } from './pessimistic.js';

export interface TreeRulesOptions {
  seed?: number;
  /** Confidence for the pessimistic error, in (0, 0.5]; default 0.25 as in C4.5. */
  cf?: number;
  /** Smallest leaf of the grown tree; default 2 as in C4.5. */
  minSamplesLeaf?: number;
  /** How the grown tree is pruned: C4.5's pessimistic error (default) or CART's cost-complexity with this alpha. */
  pruning?: 'pessimistic' | { ccpAlpha: number };
  features?: readonly string[];
  /** Called as the work goes: after the tree is grown (1) and after each of its paths is simplified (1 + paths). */
  onProgress?: (done: number, total: number) => void;
}

/** Which feature a design-matrix column holds: a numeric feature, or the 0/1 indicator of one category. */
export interface DesignColumn {
  feature: number;
  /** -1 for a numeric feature. */
  category: number;
}

export interface PrunedTree {
  nodes: TreeNode[];
  columns: DesignColumn[];
  data: Encoded;
}

/** Numeric features as they are (NaN stays), categorical ones one-hot (all 0 when missing), in float64. */
export function designMatrix(data: Encoded): { x: Matrix; columns: DesignColumn[] } {
  const columns: DesignColumn[] = [];
  data.features.forEach((f, j) => {
    if (f.kind === 'numeric') columns.push({ feature: j, category: -1 });
    else f.categories.forEach((_, c) => columns.push({ feature: j, category: c }));
  });
  const x = matrix(data.n, columns.length);
  for (let i = 0; i < data.n; i++) {
    columns.forEach((col, j) => {
      const v = data.x[col.feature][i];
      x.data[i * columns.length + j] = col.category < 0 ? v : v === col.category ? 1 : 0;
    });
  }
  return { x, columns };
}

/**
 * Grows a full CART (gini, search/automl) on the design matrix and prunes it: by default bottom-up wherever a leaf's
 * pessimistic error is no worse than its subtree's, or by CART's weakest-link pruning at a given alpha.
 */
export function growPrunedTree(data: Encoded, opts: TreeRulesOptions = {}): PrunedTree {
  const { x, columns } = designMatrix(data);
  const pruning = opts.pruning ?? 'pessimistic';
  const ccpAlpha = pruning === 'pessimistic' ? 0 : pruning.ccpAlpha;
  const tree = new DecisionTree({ minSamplesLeaf: opts.minSamplesLeaf ?? 2, seed: opts.seed ?? 0, ccpAlpha });
  tree.fit(x, data.y, undefined, data.classes.length);
  return { nodes: pruning === 'pessimistic' ? pessimisticPrune(tree.nodes, opts.cf ?? 0.25) : tree.nodes, columns, data };
}

export function pessimisticPrune(nodes: readonly TreeNode[], cf: number): TreeNode[] {
  const work = nodes.map((n) => ({ ...n }));
  const estimate = (i: number): number => {
    const n = work[i];
    const e = n.samples - Math.max(...n.counts);
    const asLeaf = e + addErrs(n.samples, e, cf);
    if (n.feature < 0) return asLeaf;
    const sub = estimate(n.left) + estimate(n.right);
    if (asLeaf > sub + 0.1) return sub;
    n.feature = -1;
    n.left = -1;
    n.right = -1;
    return asLeaf;
  };
  estimate(0);
  return compactTree(work);
}

/** Class index the tree gives each row of `data` (coded like the training data). */
export function treePredict(tree: PrunedTree, data: Encoded): Int32Array {
  const out = new Int32Array(data.n);
  for (let i = 0; i < data.n; i++) {
    let k = 0;
    while (tree.nodes[k].feature >= 0) {
      const n = tree.nodes[k];
      const col = tree.columns[n.feature];
      const v = data.x[col.feature][i];
      const xv = col.category < 0 ? v : v === col.category ? 1 : 0;
      k = xv <= n.threshold ? n.left : n.right;
    }
    out[i] = tree.nodes[k].value;
  }
  return out;
}

/** One rule per leaf: the tests on its path (thresholds moved to a short decimal with the same training split). */
export function pathRules(tree: PrunedTree): { conditions: Condition[]; class: number }[] {
  const { nodes, columns, data } = tree;
  const sortedValues = data.x.map((col) => Float64Array.from(col.filter((v) => !Number.isNaN(v))).sort());
  const out: { conditions: Condition[]; class: number }[] = [];
  const walk = (i: number, path: Condition[]): void => {
    const n = nodes[i];
    if (n.feature < 0) {
      out.push({ conditions: simplifyConditions(path), class: n.value });
      return;
    }
    const col = columns[n.feature];
    const f = data.features[col.feature];
    if (col.category >= 0) {
      const v = f.categories[col.category];
      walk(n.left, [...path, { feature: f.name, op: '!=', value: v }]);
      walk(n.right, [...path, { feature: f.name, op: '==', value: v }]);
      return;
    }
    const t = readableThreshold(sortedValues[col.feature], n.threshold);
    walk(n.left, [...path, { feature: f.name, op: '<=', value: t }]);
    walk(n.right, [...path, { feature: f.name, op: '>', value: t }]);
  };
  walk(0, []);
  return out;
}

function readableThreshold(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0 || lo === sorted.length) return t;
  return niceThreshold(sorted[lo - 1], sorted[lo]);
}

/**
 * Condition masks (conditionMask) by condition, the most recently used kept up to a byte budget: a tree's paths share
 * most of their conditions (4,883 paths of a 200,000-row tree hold 19,391 conditions, 3,266 distinct), and paths come
 * in walk order, so siblings find their common conditions here. The masks are shared: readers must not write them.
 */
export class MaskCache {
  private readonly masks = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly data: Encoded,
    /** Bytes of masks kept; 0 keeps none. */
    private readonly budget = 64 * 2 ** 20,
  ) {}

  get(c: Condition): Uint8Array {
    const key = conditionKey(c);
    const hit = this.masks.get(key);
    if (hit) {
      // most recently used last
      this.masks.delete(key);
      this.masks.set(key, hit);
      return hit;
    }
    const mask = conditionMask(c, this.data.x, this.data.features, this.data.n);
    if (mask.length > this.budget) return mask;
    this.masks.set(key, mask);
    this.bytes += mask.length;
    for (const [oldest, m] of this.masks) {
      if (this.bytes <= this.budget) break;
      this.masks.delete(oldest);
      this.bytes -= m.length;
    }
    return mask;
  }

  /** The rows a whole rule covers (every row for no conditions), in a fresh array. */
  rule(conds: readonly Condition[]): Uint8Array {
    return ruleMask(conds, this.data.x, this.data.features, this.data.n, (c) => this.get(c));
  }
}

/**
 * Drops, one at a time, the condition whose removal gives the lowest pessimistic error rate while it is no higher.
 * Each condition is tested on every row once: a row keeps how many of the remaining conditions it fails and the sum of
 * their indices, which is the failing condition's index when it fails just one (the rows that count for a removal).
 */
export function simplifyRule(conds: readonly Condition[], cls: number, data: Encoded, cf: number, masksOf: MaskCache = new MaskCache(data, 0)): Condition[] {
  const m = conds.length;
  if (m <= 1) return conds.slice();
  const n = data.n;
  const masks = conds.map((c) => masksOf.get(c));
  const fails = new Int32Array(n);
  const failSum = new Int32Array(n);
  masks.forEach((mask, j) => {
    for (let i = 0; i < n; i++) {
      if (mask[i]) continue;
      fails[i]++;
      failSum[i] += j;
    }
  });
  const wrong = new Uint8Array(n);
  for (let i = 0; i < n; i++) wrong[i] = data.y[i] !== cls ? 1 : 0;
  const alive = new Uint8Array(m).fill(1);
  const dropN = new Float64Array(m);
  const dropE = new Float64Array(m);
  for (let left = m; left > 1; left--) {
    let covered = 0;
    let e = 0;
    dropN.fill(0);
    dropE.fill(0);
    for (let i = 0; i < n; i++) {
      if (fails[i] === 0) {
        covered++;
        e += wrong[i];
      } else if (fails[i] === 1) {
        dropN[failSum[i]]++;
        dropE[failSum[i]] += wrong[i];
      }
    }
    const now = pessimisticRate(covered, e, cf);
    let best = -1;
    let bestRate = Infinity;
    for (let j = 0; j < m; j++) {
      if (!alive[j]) continue;
      // the rows the rule covers are covered without any one of its conditions too
      const r = pessimisticRate(dropN[j] + covered, dropE[j] + e, cf);
      if (r < bestRate) {
        bestRate = r;
        best = j;
      }
    }
    if (!(bestRate <= now)) break;
    alive[best] = 0;
    const mask = masks[best];
    for (let i = 0; i < n; i++) {
      if (mask[i]) continue;
      fails[i]--;
      failSum[i] -= best;
    }
  }
  return conds.filter((_, j) => alive[j]);
}

/** Learns an ordered rule list for `target` from a table through a pruned tree. */
export function treeRules(table: Table, target: string, opts: TreeRulesOptions = {}): RuleModel {
  return treeRulesEncoded(encodeTable(table, target, { features: opts.features, op: 'treeRules' }), opts).model;
}

export function treeRulesEncoded(data: Encoded, opts: TreeRulesOptions = {}): { model: RuleModel; tree: PrunedTree } {
  const cf = opts.cf ?? 0.25;
  if (!(cf > 0 && cf <= 0.5)) throw new ArgumentError(`treeRules: cf must be in (0, 0.5], got ${cf}`);
  const tree = growPrunedTree(data, opts);
  return { model: rulesFromTree(tree, cf, opts.onProgress), tree };
}

/** The C4.5rules steps on a pruned tree's paths. */
export function rulesFromTree(tree: PrunedTree, cf = 0.25, onProgress?: (done: number, total: number) => void): RuleModel {
  const data = tree.data;
  const k = data.classes.length;
  const paths = pathRules(tree).filter((r) => r.conditions.length > 0);
  onProgress?.(1, paths.length + 1);
  const masks = new MaskCache(data);
  let rules = paths.map((r, i) => {
    const conditions = simplifyRule(r.conditions, r.class, data, cf, masks);
    onProgress?.(i + 2, paths.length + 1);
    return { conditions, class: r.class };
  });
  // duplicates and rules subsumed by a more general rule of the same class
  const keys = rules.map((r) => [...new Set(r.conditions.map(conditionKey))]);
  const keySets = keys.map((ks) => new Set(ks));
  const ofClass = new Array<number[]>(k);
  for (let a = 0; a < rules.length; a++) (ofClass[rules[a].class] ??= []).push(a);
  rules = rules.filter((r, a) =>
    !ofClass[r.class].some((b) => b !== a && keys[b].every((key) => keySets[a].has(key)) && (keys[b].length < keys[a].length || b < a)),
  );
  const cover = rules.map((r) => masks.rule(r.conditions));
  const rate = rules.map((r, j) => {
    let n = 0;
    let e = 0;
    for (let i = 0; i < data.n; i++) {
      if (!cover[j][i]) continue;
      n++;
      if (data.y[i] !== r.class) e++;
    }
    return pessimisticRate(n, e, cf);
  });
  // classes whose rules make the fewest false positives go first; within a class the most trusted rule first
  // fp[c]: rows of another class that some rule of class c covers, each row once (rule by rule: each cover read in order)
  const fp = new Array<number>(k).fill(0);
  const counted = new Int32Array(data.n).fill(-1); // the last class a row was counted for
  const byClass = rules.map((_, j) => j).sort((a, b) => rules[a].class - rules[b].class || a - b);
  for (const j of byClass) {
    const c = rules[j].class;
    const cov = cover[j];
    for (let i = 0; i < data.n; i++) {
      if (cov[i] && c !== data.y[i] && counted[i] !== c) {
        counted[i] = c;
        fp[c]++;
      }
    }
  }
  const order = rules.map((_, j) => j).sort((a, b) => fp[rules[a].class] - fp[rules[b].class] || rules[a].class - rules[b].class || rate[a] - rate[b]);
  const def = dropRules(order, rules.map((r) => r.class), cover, data.y, k);
  const learned = order.map((j) => ({ conditions: rules[j].conditions, class: data.classes[rules[j].class] }));
  return finalizeRules(data, learned, data.classes[def], 'ordered', 'tree');
}

/**
 * C4.5rules' last step on an ordered list: drop, last to first and again until nothing changes, every rule whose
 * removal leaves the list's training errors (the rows the first covering rule gets wrong, plus those no rule covers
 * and the default class, their majority, gets wrong) no higher. Edits `order` in place; returns the default class.
 * Each row keeps its first and second covering rule, so trying a removal reads only the rows that rule comes first
 * for: the straightforward version rescanned every row against the list per try, some minutes on 20k rows of 220
 * classes. Same decisions (a property test holds it to that version).
 */
export function dropRules(order: number[], ruleClass: readonly number[], cover: readonly Uint8Array[], y: ArrayLike<number>, k: number): number {
  const n = y.length;
  const total = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) total[y[i]]++;
  const first = new Int32Array(n);
  const second = new Int32Array(n);
  const posOf = new Int32Array(ruleClass.length);
  const place = () => order.forEach((r, q) => (posOf[r] = q));
  place();
  // the first rule covering row i at list position `from` or later, -1 if none; the one after rule r
  const nextRule = (i: number, from: number): number => {
    for (let q = from; q < order.length; q++) if (cover[order[q]][i]) return order[q];
    return -1;
  };
  const after = (i: number, r: number): number => (r < 0 ? -1 : nextRule(i, posOf[r] + 1));
  const left = new Array<number>(k).fill(0);
  let wrong = 0;
  // each row's first two covering rules, rule by rule down the list (each cover read in order)
  first.fill(-1);
  second.fill(-1);
  for (const r of order) {
    const cov = cover[r];
    for (let i = 0; i < n; i++) {
      if (!cov[i]) continue;
      if (first[i] < 0) first[i] = r;
      else if (second[i] < 0) second[i] = r;
    }
  }
  for (let i = 0; i < n; i++) {
    if (first[i] < 0) left[y[i]]++;
    else if (ruleClass[first[i]] !== y[i]) wrong++;
  }
  const score = (lft: readonly number[], wrongCount: number): { errors: number; def: number } => {
    const def = majority(lft.some((c) => c > 0) ? lft : total);
    return { errors: wrongCount + lft.reduce((s, c, cls) => s + (cls === def ? 0 : c), 0), def };
  };
  // rows by the rule that comes first for them (rebuilt after each removal)
  let firstFor: number[][] = [];
  const bucket = () => {
    firstFor = ruleClass.map(() => []);
    for (let i = 0; i < n; i++) if (first[i] >= 0) firstFor[first[i]].push(i);
  };
  bucket();
  let best = score(left, wrong);
  for (let changed = true; changed; ) {
    changed = false;
    for (let p = order.length - 1; p >= 0; p--) {
      const r = order[p];
      const lft = left.slice();
      let w = wrong;
      for (const i of firstFor[r]) {
        if (ruleClass[r] !== y[i]) w--;
        if (second[i] < 0) lft[y[i]]++;
        else if (ruleClass[second[i]] !== y[i]) w++;
      }
      const tried = score(lft, w);
      if (tried.errors > best.errors) continue;
      // take it out: rows it came first for move to their second rule; rows it came second for find a new second
      order.splice(p, 1);
      place();
      for (let i = 0; i < n; i++) {
        if (first[i] === r) {
          first[i] = second[i];
          second[i] = after(i, first[i]);
        } else if (second[i] === r) second[i] = after(i, first[i]);
      }
      left.splice(0, k, ...lft);
      wrong = w;
      best = tried;
      bucket();
      changed = true;
    }
  }
  return best.def;
}

