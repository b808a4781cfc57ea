import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { RandomForest } from '../../../search/automl/forest.js';
import { DecisionTree, columnRanks, compactTree, pruneTree, type TreeNode } from '../../../search/automl/tree.js';
import { type Matrix, fromRows } from '../../../search/automl/matrix.js';
import { accuracy } from '../../../search/automl/metrics.js';
import { expectParamsChecked, irisData, penguinsData, xor } from './fixtures.js';

function checkStructure(nodes: TreeNode[], k: number): void {
  for (const n of nodes) {
    expect(n.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(n.samples, 9);
    expect(n.counts).toHaveLength(k);
    if (n.feature < 0) {
      expect([n.left, n.right]).toEqual([-1, -1]);
      continue;
    }
    const l = nodes[n.left];
    const r = nodes[n.right];
    expect(l.depth).toBe(n.depth + 1);
    expect(r.depth).toBe(n.depth + 1);
    for (let c = 0; c < k; c++) expect(l.counts[c] + r.counts[c]).toBeCloseTo(n.counts[c], 9);
  }
}

/**
 * The textbook weakest-link loop, one collapse per pass over the tree: the reference the one-pass pruneTree must
 * reproduce. Also returns the effective alphas of the collapses, in order (sklearn's cost_complexity_pruning_path).
 */
function weakestLink(nodes: readonly TreeNode[], alpha: number): { tree: TreeNode[]; alphas: number[] } {
  const work = nodes.map((n) => ({ ...n }));
  const r = (n: TreeNode): number => (n.samples / work[0].samples) * n.impurity;
  const alphas: number[] = [];
  for (;;) {
    const subR = new Float64Array(work.length);
    const leaves = new Int32Array(work.length);
    const visit = (i: number): void => {
      const n = work[i];
      if (n.feature < 0) [subR[i], leaves[i]] = [r(n), 1];
      else {
        visit(n.left);
        visit(n.right);
        [subR[i], leaves[i]] = [subR[n.left] + subR[n.right], leaves[n.left] + leaves[n.right]];
      }
    };
    visit(0);
    let weakest = -1;
    let weakestAlpha = Infinity;
    work.forEach((n, i) => {
      if (n.feature < 0 || leaves[i] === 0) return; // leaves[i] 0: cut off by an earlier collapse
      const a = (r(n) - subR[i]) / (leaves[i] - 1);
      if (a < weakestAlpha) [weakestAlpha, weakest] = [a, i];
    });
    if (weakest < 0 || weakestAlpha > alpha) break;
    alphas.push(weakestAlpha);
    Object.assign(work[weakest], { feature: -1, left: -1, right: -1, threshold: 0 });
  }
  return { tree: compactTree(work), alphas };
}

/**
 * Alphas halfway between the effective alphas at which weakest-link pruning collapses a node, and one past the
 * last: every distinct pruned tree of the sequence once. Not the effective alphas themselves: at an alpha equal to
 * one, two nested nodes can tie in exact arithmetic, and which collapses first (the parent alone, or the child and
 * then not the parent) is decided by the last bit of a sum; nor the rounding noise (|alpha| < 1e-12) of splits that
 * gain nothing.
 */
function pruneAlphas(nodes: readonly TreeNode[]): number[] {
  const at = [...new Set(weakestLink(nodes, Infinity).alphas)].filter((a) => Math.abs(a) >= 1e-12).sort((a, b) => a - b);
  return at.map((a, i) => (i + 1 < at.length ? (a + at[i + 1]) / 2 : 2 * a));
}

describe('DecisionTree', () => {
  it('separates XOR, which needs a zero-gain first split', () => {
    const d = xor();
    const t = new DecisionTree().fit(d.x, d.y);
    expect(accuracy(d.y, t.predict(d.x))).toBe(1);
    expect(t.leafCount).toBeGreaterThanOrEqual(4); // every first split has zero gain; which one is taken decides the size
  });

  it('keeps a consistent node structure: child class counts add up to the parent', () => {
    const d = irisData();
    const t = new DecisionTree({ criterion: 'entropy' }).fit(d.x, d.y);
    expect(t.nodes[0].counts).toEqual([50, 50, 50]);
    checkStructure(t.nodes, 3);
    // a leaf's prediction is the argmax of its counts
    for (const n of t.nodes.filter((m) => m.feature < 0)) expect(n.counts[n.value]).toBe(Math.max(...n.counts));
  });

  it('routes a row left exactly when x[feature] <= threshold', () => {
    const x = fromRows([[0], [1], [2], [3]]);
    const t = new DecisionTree().fit(x, Int32Array.from([0, 0, 1, 1]));
    expect(t.nodes[0]).toMatchObject({ feature: 0, threshold: 1.5, counts: [2, 2], samples: 4, impurity: 0.5 });
    expect(t.nodes[t.nodes[0].left].counts).toEqual([2, 0]);
    expect(Array.from(t.predict(fromRows([[1.5], [1.5000001]])))).toEqual([0, 1]);
  });

  it('property: a fully grown tree fits distinct training rows exactly and its probabilities are leaf counts', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 })), { minLength: 2, maxLength: 40, selector: (t) => `${t[0]},${t[1]}` }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }), (pts, labels) => {
        const x = fromRows(pts.map(([a, b]) => [a, b]));
        const y = Int32Array.from(pts, (_, i) => labels[i]);
        const t = new DecisionTree({ criterion: 'entropy' }).fit(x, y);
        expect(Array.from(t.predict(x))).toEqual(Array.from(y));
        const p = t.predictProba(x);
        for (let r = 0; r < x.rows; r++) {
          const leaf = t.nodes[t.leafOf(x, r)];
          for (let c = 0; c < t.nClasses; c++) expect(p.data[r * t.nClasses + c]).toBe(leaf.counts[c] / leaf.samples);
        }
        checkStructure(t.nodes, t.nClasses);
      }),
      { numRuns: 100 },
    );
  });

  it('respects maxDepth and minSamplesLeaf', () => {
    const d = irisData();
    const t = new DecisionTree({ maxDepth: 2, minSamplesLeaf: 10 }).fit(d.x, d.y);
    expect(t.depth).toBeLessThanOrEqual(2);
    for (const n of t.nodes.filter((m) => m.feature < 0)) expect(n.samples).toBeGreaterThanOrEqual(10);
  });

  it('cost-complexity pruning: alpha_eff of a single split is (R(t) - R(leaves)) / 1', () => {
    // root gini 0.5 over all rows, two pure leaves: alpha_eff = 0.5
    const x = fromRows([[0], [1], [2], [3]]);
    const y = Int32Array.from([0, 0, 1, 1]);
    expect(new DecisionTree({ ccpAlpha: 0.49 }).fit(x, y).leafCount).toBe(2);
    expect(new DecisionTree({ ccpAlpha: 0.5 }).fit(x, y).leafCount).toBe(1);
  });

  it('pruning shrinks the tree monotonically in alpha and keeps it consistent', () => {
    const d = irisData();
    const full = new DecisionTree().fit(d.x, d.y);
    let last = full.leafCount;
    for (const alpha of [0.001, 0.005, 0.01, 0.02, 0.05, 0.2, 0.5]) {
      const pruned = pruneTree(full.nodes, alpha);
      const leaves = pruned.filter((n) => n.feature < 0).length;
      expect(leaves).toBeLessThanOrEqual(last);
      checkStructure(pruned, 3);
      last = leaves;
    }
    expect(last).toBe(1);
    // pruning a fitted tree equals fitting with ccpAlpha
    const direct = new DecisionTree({ ccpAlpha: 0.01 }).fit(d.x, d.y);
    expect(new DecisionTree().fit(d.x, d.y).prune(0.01).nodes).toEqual(direct.nodes);
  });

  it('property: pruning equals the weakest-link loop (collapse the smallest effective alpha while <= alpha), equal gains included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.boolean(), fc.integer({ min: 20, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, regression, n, pick) => {
        const rng = new Random(seed);
        // few distinct values and noisy labels: many equal-gain splits and many equal effective alphas
        const x: Matrix = { rows: n, cols: 3, data: Float64Array.from({ length: 3 * n }, () => Math.floor(rng.uniform() * 6)) };
        const y = regression ? Float64Array.from({ length: n }, (_, i) => x.data[3 * i] + Math.floor(rng.uniform() * 3)) : Int32Array.from({ length: n }, (_, i) => (x.data[3 * i] + Math.floor(rng.uniform() * 3)) % 3);
        const full = new DecisionTree({ criterion: 'entropy' }).fit(x, y);
        const alphas = pruneAlphas(full.nodes);
        const alpha = alphas.length === 0 ? pick : alphas[Math.min(alphas.length - 1, Math.floor(pick * alphas.length))];
        expect(pruneTree(full.nodes, alpha)).toEqual(weakestLink(full.nodes, alpha).tree);
      }),
      { numRuns: 150 },
    );
    // and on a real tree: penguins, every tree of its pruning sequence
    const d = penguinsData();
    const full = new DecisionTree().fit(d.x, d.y);
    for (const alpha of pruneAlphas(full.nodes)) expect(pruneTree(full.nodes, alpha)).toEqual(weakestLink(full.nodes, alpha).tree);
  });

  it('uses sample weights as repeated rows', () => {
    const x = fromRows([[0], [1], [2]]);
    const y = Int32Array.from([0, 1, 1]);
    const weighted = new DecisionTree().fit(x, y, Float64Array.from([2, 1, 0]));
    const repeated = new DecisionTree().fit(fromRows([[0], [0], [1]]), Int32Array.from([0, 0, 1]));
    expect(weighted.nodes[0].counts).toEqual(repeated.nodes[0].counts);
    expect(Array.from(weighted.predict(x))).toEqual(Array.from(repeated.predict(x)));
  });

  it('rejects bad parameters and predicting before fit', () => {
    expect(() => new DecisionTree({ minSamplesSplit: 1 })).toThrow(/minSamplesSplit must be a number >= 2, got 1/);
    expect(() => new DecisionTree({ ccpAlpha: -1 })).toThrow(/ccpAlpha/);
    expect(() => new DecisionTree().predict(fromRows([[1]]))).toThrow(/fitted first/);
  });
});

describe('DecisionTree maxFeatures (Breiman\'s mtry, as sklearn and R count it)', () => {
  // feature 0 is constant, feature 1 separates the classes perfectly, feature 2 only roughly
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push([7, i, i < 20 ? (i % 4 === 0 ? 30 : i) : i < 36 ? i : 0]);
    labels.push(i < 20 ? 0 : 1);
  }
  const x = fromRows(rows);
  const y = Int32Array.from(labels);

  it('a feature that is constant in the node counts as drawn: with mtry 2 of 3 the root sometimes sees only the weak one', () => {
    const roots = Array.from({ length: 90 }, (_, s) => new DecisionTree({ maxFeatures: 2, seed: s }).fit(x, y).nodes[0].feature);
    expect(roots.every((f) => f === 1 || f === 2)).toBe(true);
    // the draw {constant, weak} has probability 1/3; skipping constants as if undrawn would make it 0
    const weak = roots.filter((f) => f === 2).length;
    expect(weak).toBeGreaterThan(15);
    expect(weak).toBeLessThan(45);
  });

  it('draws past mtry only while every feature drawn was constant, so a splittable node is split', () => {
    for (let s = 0; s < 30; s++) {
      const t = new DecisionTree({ maxFeatures: 1, seed: s }).fit(x, y);
      expect(t.nodes[0].feature).not.toBe(0);
      expect(accuracy(y, t.predict(x))).toBe(1);
    }
  });
});

describe('DecisionTree split search on ranks (counting sort for few distinct values, packed native sort otherwise)', () => {
  const gini = (c: number[], w: number) => (w <= 0 ? 0 : 1 - c.reduce((s, v) => s + v * v, 0) / (w * w));
  /** Brute force: the lowest weighted child gini over every feature and every cut between distinct values. */
  function bruteBest(rows: number[], x: Matrix, y: Int32Array, w: Float64Array, k: number, minLeaf: number): number {
    let best = Infinity;
    for (let f = 0; f < x.cols; f++) {
      const cuts = [...new Set(rows.map((r) => x.data[r * x.cols + f]))].sort((a, b) => a - b);
      for (let c = 0; c + 1 < cuts.length; c++) {
        const lc = new Array<number>(k).fill(0);
        const rc = new Array<number>(k).fill(0);
        let lw = 0, rw = 0, nl = 0;
        for (const r of rows) {
          if (x.data[r * x.cols + f] <= cuts[c]) (lc[y[r]] += w[r]), (lw += w[r]), nl++;
          else (rc[y[r]] += w[r]), (rw += w[r]);
        }
        if (nl < minLeaf || rows.length - nl < minLeaf) continue;
        best = Math.min(best, lw * gini(lc, lw) + rw * gini(rc, rw));
      }
    }
    return best;
  }

  it('property: every split is the exhaustive optimum on its rows, with ties, one-hot columns and bootstrap weights', () => {
    const column = fc.oneof(fc.constant('binary'), fc.constant('few'), fc.constant('many'));
    fc.assert(
      fc.property(fc.array(column, { minLength: 1, maxLength: 4 }), fc.integer({ min: 8, max: 60 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (kinds, n, minLeaf, seed) => {
        const rng = new Random(seed);
        const x = fromRows(Array.from({ length: n }, () => kinds.map((kd) => (kd === 'binary' ? rng.int(2) : kd === 'few' ? rng.int(4) : rng.normal()))));
        const y = Int32Array.from({ length: n }, () => rng.int(3));
        const w = Float64Array.from({ length: n }, () => rng.int(3)); // bootstrap-like counts, zeros included
        if (w.every((v) => v === 0)) w[0] = 1;
        const t = new DecisionTree({ minSamplesLeaf: minLeaf, seed }).fit(x, y, w, 3);
        checkStructure(t.nodes, 3);
        const reach = (node: number): number[] => {
          const out: number[] = [];
          for (let r = 0; r < n; r++) {
            if (w[r] === 0) continue;
            let m = 0;
            while (m !== node && t.nodes[m].feature >= 0) m = x.data[r * x.cols + t.nodes[m].feature] <= t.nodes[m].threshold ? t.nodes[m].left : t.nodes[m].right;
            if (m === node) out.push(r);
          }
          return out;
        };
        t.nodes.forEach((node, id) => {
          if (node.feature < 0) return;
          const l = t.nodes[node.left];
          const r = t.nodes[node.right];
          expect(l.samples * l.impurity + r.samples * r.impurity).toBeCloseTo(bruteBest(reach(id), x, y, w, 3, minLeaf), 9);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('columnRanks: equal values share a rank, ranks follow value order, distinct counts per column', () => {
    const x = fromRows([[3, 0], [-1, 1], [3, 0], [0.5, 1], [-0, 0]]);
    const { ranks, distinct } = columnRanks(x);
    expect(Array.from(ranks)).toEqual([3, 0, 0, 1, 3, 0, 2, 1, 1, 0]);
    expect(Array.from(distinct)).toEqual([4, 2]);
  });

  it('a forest passing shared ranks grows the same trees as trees fitting on their own', () => {
    const d = irisData();
    const rf = new RandomForest({ nEstimators: 5, seed: 3 }).fit(d.x, d.y);
    const rng = new Random(3); // replays the forest's draws: a fork per tree, its bootstrap counts, then the tree's seed
    rf.trees.forEach((tree) => {
      const treeRng = rng.fork();
      const w = new Float64Array(d.x.rows);
      for (let i = 0; i < d.x.rows; i++) w[treeRng.int(d.x.rows)] += 1;
      const alone = new DecisionTree(tree.params).fit(d.x, d.y, w, 3);
      expect(alone.nodes).toEqual(tree.nodes);
    });
  });
});

describe('DecisionTree JSON', () => {
  const d = irisData();
  /** The version 2 form of a tree's JSON: every field, column by column (as written before version 3). */
  const asV2 = (t: DecisionTree) => ({
    ...JSON.parse(JSON.stringify(t.toJSON())),
    version: 2,
    nodeColumns: { ...Object.fromEntries(['feature', 'threshold', 'left', 'right', 'value', 'samples', 'impurity', 'depth'].map((k) => [k, t.nodes.map((n) => n[k as keyof typeof n])])), counts: t.nodes.flatMap((n) => n.counts) },
  });

  it('version 3 leaves out what the other columns determine and reads back to the same nodes, bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('gini', 'entropy'), fc.constantFrom(0, 0.01), fc.boolean(), (seed, criterion, ccpAlpha, weighted) => {
        const rng = new Random(seed);
        // fractional sample weights make counts and samples non-integers: the recomputed impurity must still match
        const w = weighted ? Float64Array.from({ length: d.x.rows }, () => 0.25 + rng.next()) : undefined;
        const t = new DecisionTree({ seed, criterion: criterion as 'gini' | 'entropy', ccpAlpha, maxFeatures: 'sqrt' }).fit(d.x, d.y, w);
        const json = JSON.parse(JSON.stringify(t.toJSON()));
        expect(json.version).toBe(3);
        expect(Object.keys(json.nodeColumns).sort()).toEqual(['counts', 'feature', 'right', 'samples', 'threshold']);
        expect(DecisionTree.fromJSON(json).nodes).toEqual(t.nodes);
      }),
      { numRuns: 25 },
    );
    const reg = new DecisionTree({ seed: 1 }).fit(d.x, Float64Array.from(d.y, (v, i) => v + d.x.data[i * 4]));
    const json = JSON.parse(JSON.stringify(reg.toJSON()));
    expect(Object.keys(json.nodeColumns).sort()).toEqual(['feature', 'impurity', 'right', 'samples', 'threshold', 'value']);
    expect(DecisionTree.fromJSON(json).nodes).toEqual(reg.nodes);
  });

  it('version 2 and version 1 files still load to the same tree', () => {
    const cls = new DecisionTree({ seed: 1 }).fit(d.x, d.y);
    const reg = new DecisionTree({ seed: 1 }).fit(d.x, Float64Array.from(d.y, (v, i) => v + d.x.data[i * 4]));
    for (const t of [cls, reg]) {
      expect(DecisionTree.fromJSON(JSON.parse(JSON.stringify(asV2(t)))).nodes).toEqual(t.nodes);
      // a file written before columns: an array of node objects
      const v1 = DecisionTree.fromJSON({ ...t.toJSON(), version: 1, nodeColumns: undefined, nodes: JSON.parse(JSON.stringify(t.nodes)) });
      expect(Array.from(v1.predict(d.x))).toEqual(Array.from(t.predict(d.x)));
    }
  });

  it('a forest file is a third smaller than version 2, which was about half the size of node objects', () => {
    const f = new RandomForest({ nEstimators: 20, seed: 2 }).fit(d.x, d.y);
    const json = f.toJSON() as unknown as { trees: { nodeColumns: unknown }[] };
    const v3 = JSON.stringify(json).length;
    const v2 = JSON.stringify({ ...json, trees: f.trees.map(asV2) }).length;
    const v1 = JSON.stringify({ ...json, trees: json.trees.map((t) => ({ ...t, version: 1, nodeColumns: undefined, nodes: DecisionTree.fromJSON(t as never).nodes })) }).length;
    expect(v2 / v1).toBeLessThan(0.6);
    expect(v3 / v2).toBeLessThan(0.7);
    expect(Array.from(RandomForest.fromJSON(JSON.parse(JSON.stringify(json))).predictProba(d.x).data)).toEqual(Array.from(f.predictProba(d.x).data));
  });

  it('malformed columns are a FormatError naming the column', () => {
    const json = JSON.parse(JSON.stringify(new DecisionTree({ seed: 1 }).fit(d.x, d.y).toJSON()));
    json.nodeColumns.threshold.pop();
    expect(() => DecisionTree.fromJSON(json)).toThrow(/DecisionTree\.fromJSON: nodeColumns\.threshold must hold one number per node \(\d+\), got \d+/);
    json.nodeColumns.threshold.push(0);
    json.nodeColumns.counts.pop();
    expect(() => DecisionTree.fromJSON(json)).toThrow(/nodeColumns\.counts must hold 3 per node/);
    expect(() => DecisionTree.fromJSON({ ...json, nodeColumns: {} })).toThrow('DecisionTree.fromJSON: nodeColumns.feature must be a non-empty array, got none');
  });

  /** n rows of 2 uniform features and a uniform class of k: a full tree's nodes hold few of the k classes each. */
  const manyClasses = (seed: number, n: number, k: number) => {
    const rng = new Random(seed);
    return { x: fromRows(Array.from({ length: n }, () => [rng.next(), rng.next()])), y: Int32Array.from({ length: n }, () => rng.int(k)) };
  };
  /** A tree's JSON with its counts written dense (version 3), whatever toJSON chose. */
  const asDense = (t: DecisionTree) => {
    const json = JSON.parse(JSON.stringify(t.toJSON()));
    const { countsSize: _s, countsClass: _c, countsValue: _v, ...rest } = json.nodeColumns;
    return { ...json, version: 3, nodeColumns: { ...rest, counts: t.nodes.flatMap((n) => n.counts) } };
  };

  it('counts are written sparse (version 4) exactly when that is the smaller file, and read back bit for bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 2, max: 40 }), fc.boolean(), fc.constantFrom(1, 5), (seed, k, weighted, minSamplesLeaf) => {
        const d = manyClasses(seed, 150, k);
        const rng = new Random(seed + 1);
        const w = weighted ? Float64Array.from({ length: d.x.rows }, () => 0.25 + rng.next()) : undefined;
        const t = new DecisionTree({ seed, minSamplesLeaf }).fit(d.x, d.y, w, k);
        const text = JSON.stringify(t.toJSON());
        const json = JSON.parse(text);
        const dense = asDense(t);
        expect(json.version).toBe(text.length < JSON.stringify(dense).length ? 4 : 3);
        if (json.version === 4) expect(json.nodeColumns.counts).toBeUndefined();
        for (const file of [json, dense]) {
          const back = DecisionTree.fromJSON(file);
          expect(back.nodes).toEqual(t.nodes);
          expect(Array.from(back.predictProba(d.x).data)).toEqual(Array.from(t.predictProba(d.x).data));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a forest over 200 classes is written in a fifth of the dense size', () => {
    const d = manyClasses(7, 2000, 200);
    const f = new RandomForest({ nEstimators: 5, seed: 1 }).fit(d.x, d.y);
    const json = f.toJSON() as unknown as { trees: unknown[] };
    const sparse = JSON.stringify(json).length;
    const dense = JSON.stringify({ ...json, trees: f.trees.map(asDense) }).length;
    expect(sparse / dense).toBeLessThan(0.2);
    expect(Array.from(RandomForest.fromJSON(JSON.parse(JSON.stringify(json))).predictProba(d.x).data)).toEqual(Array.from(f.predictProba(d.x).data));
  });

  it('malformed sparse counts are a FormatError naming the column and the node', () => {
    const d = manyClasses(3, 300, 30);
    const good = JSON.parse(JSON.stringify(new DecisionTree({ seed: 1 }).fit(d.x, d.y).toJSON()));
    expect(good.version).toBe(4);
    const broken = (edit: (c: Record<string, number[]>) => void) => {
      const json = structuredClone(good);
      edit(json.nodeColumns);
      return () => DecisionTree.fromJSON(json);
    };
    expect(broken((c) => c.countsSize.pop())).toThrow(/nodeColumns\.countsSize must hold one number per node \(\d+\), got \d+/);
    expect(broken((c) => (c.countsSize[0] = 31))).toThrow('nodeColumns.countsSize[0] must be a whole number in [0, 30], got 31');
    expect(broken((c) => c.countsValue.pop())).toThrow(/nodeColumns\.countsValue must hold countsSize's total \(\d+\) numbers, got \d+/);
    // the root holds rows of several classes: swapping its first two breaks the ascending order
    expect(broken((c) => ([c.countsClass[0], c.countsClass[1]] = [c.countsClass[1], c.countsClass[0]]))).toThrow(/nodeColumns\.countsClass\[1\] \(node 0\) must be a class in \(\d+, 30\), ascending within the node, got \d+/);
    expect(broken((c) => (c.countsClass[c.countsClass.length - 1] = 30))).toThrow(/countsClass\[\d+\] \(node \d+\) must be a class in \(-?\d+, 30\)/);
  });
});

describe('DecisionTree storage', () => {
  it("a forest's probabilities and means are its trees' leaves averaged, walked over the node objects", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 7 }), (seed, k, trees) => {
        const rng = new Random(seed);
        const x = fromRows(Array.from({ length: 80 }, () => [rng.next(), rng.next(), rng.int(3)]));
        const y = Int32Array.from({ length: 80 }, (_, i) => (x.data[i * 3] * k + rng.int(2)) % k | 0);
        const yr = Float64Array.from({ length: 80 }, (_, i) => x.data[i * 3] + rng.next());
        const walk = (nodes: TreeNode[], r: number) => {
          let n = 0;
          while (nodes[n].feature >= 0) n = x.data[r * 3 + nodes[n].feature] <= nodes[n].threshold ? nodes[n].left : nodes[n].right;
          return nodes[n];
        };
        const f = new RandomForest({ nEstimators: trees, seed }).fit(x, y);
        const want = new Float64Array(80 * f.nClasses);
        for (const t of f.trees) for (let r = 0; r < 80; r++) walk(t.nodes, r).counts.forEach((c, j) => (want[r * f.nClasses + j] += c / walk(t.nodes, r).samples));
        for (let i = 0; i < want.length; i++) want[i] /= trees;
        expect(Array.from(f.predictProba(x).data)).toEqual(Array.from(want));
        const g = new RandomForest({ nEstimators: trees, seed }).fit(x, yr);
        const mean = new Float64Array(80);
        for (const t of g.trees) for (let r = 0; r < 80; r++) mean[r] += walk(t.nodes, r).value / trees;
        expect(Array.from(g.predict(x))).toEqual(Array.from(mean));
      }),
      { numRuns: 30 },
    );
  });

  it('assigning nodes replaces the tree with a copy; reading them back gives equal objects', () => {
    const d = irisData();
    const t = new DecisionTree({ seed: 1 }).fit(d.x, d.y);
    const nodes = structuredClone(t.nodes);
    const u = new DecisionTree();
    u.task = 'classification';
    u.nClasses = 3;
    u.nFeatures = 4;
    u.nodes = nodes;
    expect(u.nodes).toEqual(t.nodes);
    expect(Array.from(u.predict(d.x))).toEqual(Array.from(t.predict(d.x)));
    nodes[0].feature = -1; // the caller's array is not the tree's
    expect(Array.from(u.predict(d.x))).toEqual(Array.from(t.predict(d.x)));
    expect(() => (u.nodes = [{ ...nodes[0], counts: [1, 2] }])).toThrow('DecisionTree.nodes: every node must hold 3 counts, got 2 at node 0');
  });
});

describe('DecisionTree.fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    expectParamsChecked(new DecisionTree({ maxDepth: 3 }).fit(d.x, d.y), d.x, 'DecisionTree', (p) => new DecisionTree(p), [
      ['maxDepth', -1, 'a number >= 0 or null'],
      ['maxDepth', '3', 'a number >= 0 or null'],
      ['minSamplesSplit', 1, 'a number >= 2'],
      ['minSamplesLeaf', 0, 'a number >= 1'],
      ['ccpAlpha', null, 'a number >= 0'],
      ['criterion', 'gain', "one of 'gini', 'entropy', 'squared-error'"],
      ['maxFeatures', 0, "'sqrt', 'log2', 'all' or a number > 0"],
      ['splitter', 'any', "one of 'best', 'random'"],
      ['seed', NaN, 'a finite number'],
    ]);
  });
});

describe('a saved classifier leaf with no samples (found by pipeline.fuzz.test.ts)', () => {
  it('is a FormatError naming the node, where its probabilities had been NaN', () => {
    const { x, y } = irisData();
    const json = JSON.parse(JSON.stringify(new DecisionTree({ maxDepth: 2 }).fit(x, y).toJSON()));
    json.nodeColumns.samples[1] = null;
    expect(() => DecisionTree.fromJSON(json)).toThrow('DecisionTree.fromJSON: nodeColumns.samples[1] must be a positive finite number, got null');
  });
});

describe('DecisionTree sampleWeight', () => {
  const d = irisData();
  it('is checked: one finite weight >= 0 per row, some above 0', () => {
    const tree = () => new DecisionTree({ maxDepth: 2 });
    expect(() => tree().fit(d.x, d.y, new Float64Array(10).fill(1))).toThrow('DecisionTree.fit: sampleWeight must hold one weight per row of X, got 10 for [150,4]');
    for (const v of [NaN, -1, Infinity]) {
      const w = new Float64Array(150).fill(1);
      w[7] = v;
      expect(() => tree().fit(d.x, d.y, w), String(v)).toThrow(`DecisionTree.fit: sampleWeight must hold finite weights >= 0, got ${v} at row 7`);
    }
    expect(() => tree().fit(d.x, d.y, new Float64Array(150))).toThrow('DecisionTree.fit: sampleWeight must give some row a weight above 0, got none');
  });

  it('weighs rows as repeating them: integer weights grow the tree of the repeated rows', () => {
    const w = Float64Array.from({ length: 150 }, (_, i) => i % 3);
    const repeated = Array.from(w).flatMap((k, i) => Array.from({ length: k }, () => i));
    const x: Matrix = { data: Float64Array.from(repeated.flatMap((i) => Array.from(d.x.data.subarray(i * 4, i * 4 + 4)))), rows: repeated.length, cols: 4 };
    const y = Int32Array.from(repeated, (i) => d.y[i]);
    const weighted = new DecisionTree({ maxDepth: 3 }).fit(d.x, d.y, w);
    const copied = new DecisionTree({ maxDepth: 3 }).fit(x, y);
    expect(weighted.nodes.map((n) => [n.feature, n.threshold, n.samples, n.counts])).toEqual(copied.nodes.map((n) => [n.feature, n.threshold, n.samples, n.counts]));
  });
});
