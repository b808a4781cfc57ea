// A saved learner is read only if its arrays fit the sizes it declares, and predictions that overflow are refused:
// each case here loaded (or predicted) silently before, and gave NaN, an undefined class or a loop that never ended.
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError } from '../../../core/errors.js';
import { type LearnerJSON, learnerFromJSON } from '../../../search/automl/learner.js';
import '../../../search/automl/learners.js';
import { DecisionTree } from '../../../search/automl/tree.js';
import { ExtraTrees, RandomForest } from '../../../search/automl/forest.js';
import { KNearestNeighbors } from '../../../search/automl/knn.js';
import { LinearModel } from '../../../search/automl/linear.js';
import { LinearSVM } from '../../../search/automl/svm.js';
import { MLP } from '../../../search/automl/mlp.js';
import { Pipeline } from '../../../search/automl/pipeline.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { irisData, penguinRecords } from './fixtures.js';

/** A saved learner as JSON.parse gives it, for mutating any field. */
type Json = Record<string, any>;

const iris = irisData();
const saved = (fit: { toJSON(): LearnerJSON }): Json => JSON.parse(JSON.stringify(fit.toJSON()));

/** A tree's JSON as version 2 wrote it: every field, depths included, column by column. */
const asV2 = (t: DecisionTree): Json => ({
  ...saved(t),
  version: 2,
  nodeColumns: { ...Object.fromEntries(['feature', 'threshold', 'left', 'right', 'value', 'samples', 'impurity', 'depth'].map((k) => [k, t.nodes.map((n) => n[k as keyof typeof n])])), counts: t.nodes.flatMap((n) => n.counts) },
});

/** Each mutation of a fitted learner's JSON must be refused with exactly this message. */
function refuses(json: Json, cases: [string, (j: Json) => void, string][]): void {
  // the unchanged file reads back
  expect(() => learnerFromJSON(json as LearnerJSON)).not.toThrow();
  for (const [what, mutate, message] of cases) {
    const j = structuredClone(json);
    mutate(j);
    expect(() => learnerFromJSON(j as LearnerJSON), what).toThrow(new FormatError(message));
  }
}

describe('a saved learner whose arrays do not fit its declared sizes is refused, naming the field', () => {
  it('linear model', () => {
    const j = saved(new LinearModel().fit(iris.x, iris.y));
    refuses(j, [
      ['a weight short', (j) => j.weights.pop(), 'LinearModel.fromJSON: weights must be an array of 15, got an array of 14'],
      ['features of the weights', (j) => (j.nFeatures = 3), 'LinearModel.fromJSON: weights must be an array of 12, got an array of 15'],
      ['no task', (j) => delete j.task, 'LinearModel.fromJSON: task is missing'],
      ['no classes', (j) => (j.nClasses = 0), 'LinearModel.fromJSON: nClasses must be an integer >= 1, got 0'],
      ['a scale of 0 (divided by)', (j) => (j.scale.scale[2] = 0), 'LinearModel.fromJSON: scale.scale[2] must be a positive finite number, got 0'],
      ['a short mean', (j) => j.scale.mean.pop(), `LinearModel.fromJSON: scale.mean must be an array of 4, got [${j.scale.mean.slice(0, 3).join(', ')}]`],
    ]);
  });

  it('linear SVM', () => {
    const j = saved(new LinearSVM().fit(iris.x, iris.y));
    refuses(j, [
      ['a weight short', (j) => j.weights.pop(), 'LinearSVM.fromJSON: weights must be an array of 15, got an array of 14'],
      ['a class more', (j) => (j.nClasses = 4), 'LinearSVM.fromJSON: weights must be an array of 20, got an array of 15'],
      ['no features', (j) => (j.nFeatures = -1), 'LinearSVM.fromJSON: nFeatures must be an integer >= 0, got -1'],
    ]);
  });

  it('k-nearest neighbours', () => {
    const j = saved(new KNearestNeighbors().fit(iris.x, iris.y));
    refuses(j, [
      ['a value short', (j) => j.x.pop(), 'KNearestNeighbors.fromJSON: x must be an array of 600, got an array of 599'],
      ['a row more', (j) => (j.rows = 151), 'KNearestNeighbors.fromJSON: x must be an array of 604, got an array of 600'],
      ['a class past nClasses', (j) => (j.y[7] = 3), 'KNearestNeighbors.fromJSON: y[7] must be an integer in [0, 3), got 3'],
      ['a fractional class', (j) => (j.y[0] = 0.5), 'KNearestNeighbors.fromJSON: y[0] must be an integer in [0, 3), got 0.5'],
      ['no rows', (j) => (j.rows = 0), 'KNearestNeighbors.fromJSON: rows must be an integer >= 1, got 0'],
    ]);
  });

  it('MLP', () => {
    const j = saved(new MLP({ hidden: [3], epochs: 2 }).fit(iris.x, iris.y));
    refuses(j, [
      ['an unknown task', (j) => (j.task = 'ranking'), "MLP.fromJSON: task must be one of 'classification', 'regression', got \"ranking\""],
      ['a short scale', (j) => j.scale.scale.pop(), `MLP.fromJSON: scale.scale must be an array of 4, got [${j.scale.scale.slice(0, 3).join(', ')}]`],
    ]);
  });

  it('decision tree: a split on a column past the features, a leaf past the classes', () => {
    const t = new DecisionTree({ maxDepth: 3 }).fit(iris.x, iris.y);
    const j = saved(t);
    const split = t.nodes.findIndex((n) => n.feature >= 0);
    const leaf = t.nodes.findIndex((n) => n.feature < 0);
    refuses(j, [
      ['a feature past nFeatures', (j) => (j.nodeColumns.feature[split] = 4), `DecisionTree.fromJSON: nodeColumns must describe a tree, got node ${split} splitting on feature 4, past the 4 features`],
      ['fewer features', (j) => (j.nFeatures = 2), `DecisionTree.fromJSON: nodeColumns must describe a tree, got node ${t.nodes.findIndex((n) => n.feature >= 2)} splitting on feature ${t.nodes.find((n) => n.feature >= 2)!.feature}, past the 2 features`],
      ['no nFeatures', (j) => delete j.nFeatures, 'DecisionTree.fromJSON: nFeatures is missing'],
    ]);
    // version 2 wrote every field: a saved value past the classes, a threshold that is no number
    const v2 = asV2(t);
    refuses(v2, [
      ['a leaf past the classes', (j) => (j.nodeColumns.value[leaf] = 3), `DecisionTree.fromJSON: nodeColumns must describe a tree, got leaf ${leaf} with value 3 (a class below 3 expected)`],
      ['a threshold that is no number', (j) => (j.nodeColumns.threshold[split] = null), `DecisionTree.fromJSON: nodeColumns.threshold[${split}] must be a finite number at a split, got null`],
    ]);
  });

  it('decision tree: an entry that is no number, a negative count, counts that do not sum to a leaf\'s samples', () => {
    const t = new DecisionTree({ maxDepth: 3 }).fit(iris.x, iris.y);
    const split = t.nodes.findIndex((n) => n.feature >= 0);
    const leaf = t.nodes.findIndex((n) => n.feature < 0);
    const cls = t.nodes[leaf].counts.findIndex((c) => c > 0);
    // a typed array had read null as 0: a split on the first column, the first class at a leaf
    refuses(asV2(t), [
      ['a feature that is null', (j) => (j.nodeColumns.feature[split] = null), `DecisionTree.fromJSON: nodeColumns.feature[${split}] must be a finite number, got null`],
      ['a value that is null', (j) => (j.nodeColumns.value[leaf] = null), `DecisionTree.fromJSON: nodeColumns.value[${leaf}] must be a finite number, got null`],
      ['a negative count', (j) => (j.nodeColumns.counts[3 * leaf + cls] = -1), `DecisionTree.fromJSON: nodeColumns.counts[${3 * leaf + cls}] must be a non-negative finite number, got -1`],
      ['a count more than samples', (j) => (j.nodeColumns.counts[3 * leaf + cls] += 1), `DecisionTree.fromJSON: nodeColumns.samples[${leaf}] must be its counts' sum (${t.nodes[leaf].samples + 1}) at a leaf, got ${t.nodes[leaf].samples}`],
    ]);
    // version 1, node objects: the same checks, naming nodes[i].field (a null threshold had read as 0)
    const v1: Json = { ...saved(t), version: 1, nodes: JSON.parse(JSON.stringify(t.nodes)) };
    delete v1.nodeColumns;
    refuses(v1, [
      ['a null threshold', (j) => (j.nodes[split].threshold = null), `DecisionTree.fromJSON: nodes[${split}].threshold must be a finite number at a split, got null`],
      ['no samples', (j) => delete j.nodes[leaf].samples, `DecisionTree.fromJSON: nodes[${leaf}].samples must be a positive finite number, got none`],
      ['a null count', (j) => (j.nodes[leaf].counts[cls] = null), `DecisionTree.fromJSON: nodes[${leaf}].counts[${cls}] must be a non-negative finite number, got null`],
      ['nodes that are no objects', (j) => (j.nodes = [7]), 'DecisionTree.fromJSON: nodes[0] must be a node object, got 7'],
    ]);
    // a version 1 file without depths, values or impurities (what the rest determines) reads back to the same tree
    const bare = structuredClone(v1);
    for (const n of bare.nodes) for (const k of ['depth', 'value', 'impurity']) delete n[k];
    expect((learnerFromJSON(bare as LearnerJSON) as DecisionTree).nodes).toEqual(t.nodes);
    // a regression tree's sparse counts: none; a classifier's sparse counts: a negative value
    const sparse = saved(t);
    const counts: number[] = sparse.nodeColumns.counts;
    delete sparse.nodeColumns.counts;
    const nonzero = (i: number) => counts.slice(3 * i, 3 * i + 3).map((v, c) => [v, c]).filter(([v]) => v !== 0);
    sparse.nodeColumns.countsSize = t.nodes.map((_, i) => nonzero(i).length);
    sparse.nodeColumns.countsClass = t.nodes.flatMap((_, i) => nonzero(i).map(([, c]) => c));
    sparse.nodeColumns.countsValue = t.nodes.flatMap((_, i) => nonzero(i).map(([v]) => v));
    sparse.version = 4;
    refuses(sparse, [['a negative sparse count', (j) => (j.nodeColumns.countsValue[0] = -2), 'DecisionTree.fromJSON: nodeColumns.countsValue[0] must be a non-negative finite number, got -2']]);
  });

  it('decision tree: a version 2 file (depths saved) whose child points back is refused, not walked forever', () => {
    const t = new DecisionTree({ maxDepth: 3 }).fit(iris.x, iris.y);
    const v2 = asV2(t);
    const split = t.nodes.findIndex((n, i) => i > 0 && n.feature >= 0);
    v2.nodeColumns.right[split] = 0;
    expect(() => learnerFromJSON(v2 as LearnerJSON)).toThrow(new FormatError('DecisionTree.fromJSON: nodeColumns must describe a tree, got child 0 reached twice'));
  });

  it('forests: every tree of the forest task, classes and width; a tree error names the tree', () => {
    for (const Forest of [RandomForest, ExtraTrees]) {
      const name = Forest.name;
      const j = saved(new Forest({ nEstimators: 3, maxDepth: 3 }).fit(iris.x, iris.y));
      refuses(j, [
        ['no trees', (j) => (j.trees = []), `${name}.fromJSON: trees must be a non-empty array, got []`],
        ['a tree on more features', (j) => (j.trees[2].nFeatures = 5), `${name}.fromJSON: trees[2] must be a classification tree of 3 classes on 4 features as the forest and its first tree, got a classification tree of 3 classes on 5 features`],
        ['a forest of 4 classes', (j) => (j.nClasses = 4), `${name}.fromJSON: trees[0] must be a classification tree of 4 classes on 4 features as the forest and its first tree, got a classification tree of 3 classes on 4 features`],
        ['a broken tree', (j) => (j.trees[1].nodeColumns.feature[0] = 9), `${name}.fromJSON: trees[1]: DecisionTree.fromJSON: nodeColumns must describe a tree, got node 0 splitting on feature 9, past the 4 features`],
      ]);
    }
  });
});

describe('k-nearest neighbours on values whose squared distances overflow', () => {
  // on values near 1e200 every squared difference is Infinity: no row ranked, a row of zero probabilities (and
  // class 0) or a NaN regression had come back
  const x = fromRows([[1e200, 0], [2e200, 0], [3e200, 0]]);
  it('ranks the rows by their true distances', () => {
    for (const weights of ['uniform', 'distance'] as const) {
      const clf = new KNearestNeighbors({ k: 1, weights }).fit(x, Int32Array.from([0, 1, 2]));
      const q = fromRows([[2.1e200, 0], [2.9e200, 1e199], [-5e307, 5e307]]);
      expect(Array.from(clf.predictProba(q).data)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
      const reg = new KNearestNeighbors({ k: 2, weights }).fit(x, Float64Array.from([10, 20, 30]));
      const y = reg.predict(fromRows([[1.2e200, 0]]));
      // the two nearest, 1e200 and 2e200, at distances 0.2e200 and 0.8e200
      expect(y[0]).toBeCloseTo(weights === 'uniform' ? 15 : (10 / 0.2 + 20 / 0.8) / (1 / 0.2 + 1 / 0.8), 10);
    }
  });
  it('gives the same neighbours as before on values whose distances are finite', () => {
    const clf = new KNearestNeighbors({ k: 5, weights: 'distance' }).fit(iris.x, iris.y);
    const scaled = new KNearestNeighbors({ k: 5, weights: 'distance' }).fit(fromRows(Array.from({ length: iris.x.rows }, (_, r) => Array.from(iris.x.data.subarray(r * 4, r * 4 + 4), (v) => v * 1e200))), iris.y);
    const q = fromRows([[5.9, 3, 4.2, 1.5], [6.3, 2.8, 5.1, 1.5], [5, 3.5, 1.5, 0.2]]);
    const qScaled = fromRows([[5.9e200, 3e200, 4.2e200, 1.5e200], [6.3e200, 2.8e200, 5.1e200, 1.5e200], [5e200, 3.5e200, 1.5e200, 0.2e200]]);
    const p = clf.predictProba(q).data;
    const ps = scaled.predictProba(qScaled).data;
    for (let i = 0; i < p.length; i++) expect(ps[i]).toBeCloseTo(p[i], 9);
  });
});

describe('Pipeline.predict on rows its learner cannot compute', () => {
  const records = penguinRecords();
  const far = { ...records[0], 'Flipper Length (mm)': 1e300, 'Beak Length (mm)': -1e300 };
  it('refuses a regression prediction that overflows (an MLP computes in float32), naming the row and its largest input', () => {
    const p = new Pipeline({ learner: 'mlp', params: { hidden: [32], epochs: 20 }, preprocess: {} }).fit(records, 'Body Mass (g)');
    const rows = [records[1], far, records[2]];
    expect(() => p.predict(rows)).toThrow(ArgumentError);
    expect(() => p.predict(rows)).toThrow(/^Pipeline\.predict: every row must be one the mlp learner can compute \(values within the range of its arithmetic\), got no finite prediction for row 1 of 3; row 1's largest input after preprocessing is "Beak Length \(mm\)" = -1\.\d+e\+299$/);
    // the other rows predict as they did
    expect(p.predict([records[1], records[2]]).every((v) => Number.isFinite(v as number))).toBe(true);
  });
  it('refuses a NaN probability row rather than returning its first class', () => {
    const p = new Pipeline({ learner: 'linear', params: {}, preprocess: {} }).fit(records, 'Species');
    const w = (p.learner as LinearModel).weights;
    // weights no fit would give, but a saved file may hold: +-1e308 on two inputs make Infinity - Infinity
    const [k, beakLength, beakDepth] = [3, p.preprocessor.featureNames.indexOf('Beak Length (mm)'), p.preprocessor.featureNames.indexOf('Beak Depth (mm)')];
    w[beakLength * k + 0] = 1e308;
    w[beakDepth * k + 0] = -1e308;
    const row = { ...records[0], 'Beak Length (mm)': 1e4, 'Beak Depth (mm)': 1e4 };
    expect(() => p.predictProba([records[1], row])).toThrow(/^Pipeline\.predictProba: every row must be one the linear learner can compute .*got no finite probabilities for row 1 of 2;/);
    expect(() => p.predict([row])).toThrow(/^Pipeline\.predict: .*got no finite probabilities for row 0 of 1;/);
  });
  it('predicts the most probable class of predictProba, for every learner', () => {
    for (const learner of ['decision-tree', 'linear-svm', 'gaussian-nb', 'knn', 'gradient-boosting'] as const) {
      const p = new Pipeline({ learner, params: {}, preprocess: {} }).fit(records, 'Species');
      const proba = p.predictProba(records);
      const labels = p.predict(records);
      labels.forEach((label, r) => {
        const row = Array.from(proba.data.subarray(r * 3, r * 3 + 3));
        expect(label, `${learner} row ${r}`).toBe(p.classes[row.indexOf(Math.max(...row))]);
      });
    }
  });
});
