// Tree to rules, C4.5rules style: grow the CART of search/automl, prune it with C4.5's pessimistic error (CF 25%),
// read each root-to-leaf path as a rule, drop conditions whose removal does not raise the rule's pessimistic error,
// remove duplicate and subsumed rules, order classes by false positives, drop rules the list does not need, add a default.
import { ArgumentError } from '../../core/errors.js';
import { DecisionTree, compactTree, type TreeNode } from '../automl/tree.js';
import { type Matrix, matrix } from '../automl/matrix.js';
import { type Condition, conditionKey, niceThreshold, simplifyConditions } from './condition.js';
import { type Encoded, type Table, encodeTable } from './data.js';
import { dropRules } from './drop-rules.js';
import { type RuleModel, finalizeRules } from './model.js';
import { MaskCache, simplifyRule } from './simplify.js';
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
    // the rows it covers, as a list (the 2,012 rules of a 100,000-row tree cover 28 million rows, a seventh of a byte
    // a row a rule), while its bitsets are at hand
    return { conditions, class: r.class, cover: masks.rows(conditions) };
  });
  // duplicates and rules subsumed by a more general rule of the same class
  const keys = rules.map((r) => [...new Set(r.conditions.map(conditionKey))]);
  const keySets = keys.map((ks) => new Set(ks));
  const ofClass = new Array<number[]>(k);
  for (let a = 0; a < rules.length; a++) (ofClass[rules[a].class] ??= []).push(a);
  rules = rules.filter((r, a) =>
    !ofClass[r.class].some((b) => b !== a && keys[b].every((key) => keySets[a].has(key)) && (keys[b].length < keys[a].length || b < a)),
  );
  const cover = rules.map((r) => r.cover);
  const rate = rules.map((r, j) => {
    let e = 0;
    for (const i of cover[j]) if (data.y[i] !== r.class) e++;
    return pessimisticRate(cover[j].length, e, cf);
  });
  // classes whose rules make the fewest false positives go first; within a class the most trusted rule first
  // fp[c]: rows of another class that some rule of class c covers, each row once (a class's rules one after another)
  const fp = new Array<number>(k).fill(0);
  const counted = new Int32Array(data.n).fill(-1); // the last class a row was counted for
  const byClass = rules.map((_, j) => j).sort((a, b) => rules[a].class - rules[b].class || a - b);
  for (const j of byClass) {
    const c = rules[j].class;
    for (const i of cover[j]) {
      if (c !== data.y[i] && counted[i] !== c) {
        counted[i] = c;
        fp[c]++;
      }
    }
  }
  const order = rules.map((_, j) => j).sort((a, b) => fp[rules[a].class] - fp[rules[b].class] || rules[a].class - rules[b].class || rate[a] - rate[b]);
  const def = dropRules(order, rules.map((r) => r.class), cover, data.y, k);
  const learned = order.map((j) => ({ conditions: rules[j].conditions, class: data.classes[rules[j].class] }));
  return finalizeRules(data, learned, data.classes[def], 'ordered', 'tree', order.map((j) => cover[j]));
}
