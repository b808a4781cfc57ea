// Known answers from scikit-learn 1.2.1 (Debian's python3-sklearn) for the metrics, Gaussian and categorical naive
// Bayes, k-nearest neighbours, the linear SVM (LinearSVC, hinge loss), CART (DecisionTreeClassifier/Regressor) and
// histogram gradient boosting (HistGradientBoostingClassifier/Regressor):
// test/fixtures/automl/sklearn-learners.json, written by bench/reference/sklearn_learners.py on drawn data held
// exactly on both sides (values on a 1/1024 grid).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRows } from '../../../search/automl/matrix.js';
import { accuracy, balancedAccuracy, logLoss, macroF1, r2, rmse } from '../../../search/automl/metrics.js';
import { CategoricalNB, GaussianNB } from '../../../search/automl/naive-bayes.js';
import { GradientBoosting } from '../../../search/automl/boosting.js';
import { KNearestNeighbors } from '../../../search/automl/knn.js';
import { LinearSVM } from '../../../search/automl/svm.js';
import { DecisionTree } from '../../../search/automl/tree.js';

interface MetricCase { k: number; yTrue: number[]; yPred: number[]; proba: number[][]; accuracy: number; balancedAccuracy: number; macroF1: number; logLoss: number }
const sk = JSON.parse(readFileSync(new URL('../../fixtures/automl/sklearn-learners.json', import.meta.url), 'utf8')) as {
  source: string;
  sklearn: string;
  metrics: { classification: MetricCase[]; regression: { yTrue: number[]; yPred: number[]; rmse: number; r2: number } };
  learners: { xTrain: number[][]; yTrain: number[]; rTrain: number[]; xTest: number[][]; proba: Record<string, number[][]>; regression: Record<string, number[]> };
  linearSVC: Record<string, { C: number; y: number[]; decision: number[][] | number[]; iterations: number }>;
  boosting: Record<string, { params: { max_iter: number; learning_rate: number; max_leaf_nodes: number; min_samples_leaf: number; l2_regularization: number; max_depth?: number }; proba: number[][]; regression: number[] }>;
  categoricalNB: { xTrain: number[][]; xTest: number[][]; proba: Record<string, number[][]> };
  trees: Record<string, { params: { criterion: string; max_depth: number | null; min_samples_leaf: number; min_samples_split: number }; nodes: number; predictions: number[][] | number[] }>;
};

describe('known answers from scikit-learn', () => {
  it('the fixture is the one its script writes', () => {
    expect(sk.source).toBe('bench/reference/sklearn_learners.py');
    expect(sk.sklearn).toMatch(/^1\.\d+/);
  });

  it.each(sk.metrics.classification.map((c, i) => [i, c] as const))('classification metrics, case %i: accuracy, balanced accuracy, macro F1, log loss', (_, c) => {
    const y = Int32Array.from(c.yTrue);
    const pred = Int32Array.from(c.yPred);
    expect(accuracy(y, pred)).toBeCloseTo(c.accuracy, 12);
    expect(balancedAccuracy(y, pred)).toBeCloseTo(c.balancedAccuracy, 12);
    expect(macroF1(y, pred)).toBeCloseTo(c.macroF1, 12);
    expect(logLoss(y, fromRows(c.proba))).toBeCloseTo(c.logLoss, 10);
  });

  it('regression metrics: RMSE and R2', () => {
    const r = sk.metrics.regression;
    expect(rmse(Float64Array.from(r.yTrue), Float64Array.from(r.yPred))).toBeCloseTo(r.rmse, 12);
    expect(r2(Float64Array.from(r.yTrue), Float64Array.from(r.yPred))).toBeCloseTo(r.r2, 12);
  });

  const L = sk.learners;
  const xTrain = fromRows(L.xTrain);
  const xTest = fromRows(L.xTest);
  const yTrain = Int32Array.from(L.yTrain);
  const classifiers: Record<string, () => { predictProba: (x: typeof xTest) => { data: Float64Array; rows: number; cols: number } }> = {
    gaussianNB: () => new GaussianNB().fit(xTrain, yTrain),
    'knn k5 uniform': () => new KNearestNeighbors({ k: 5 }).fit(xTrain, yTrain),
    'knn k7 distance': () => new KNearestNeighbors({ k: 7, weights: 'distance' }).fit(xTrain, yTrain),
  };

  it.each(Object.keys(sk.learners.proba))('%s: predictProba on held-out rows', (name) => {
    expect(Object.keys(classifiers).sort()).toEqual(Object.keys(L.proba).sort());
    const p = classifiers[name]().predictProba(xTest);
    const want = L.proba[name];
    expect([p.rows, p.cols]).toEqual([want.length, want[0].length]);
    want.forEach((row, r) => row.forEach((v, c) => expect(p.data[r * p.cols + c], `${name} row ${r} class ${c}`).toBeCloseTo(v, 10)));
  });

  it.each(Object.keys(sk.learners.regression))('kNN regression %s: predictions on held-out rows', (name) => {
    const [, k, weights] = /^knn k(\d+) (uniform|distance)$/.exec(name)!;
    const m = new KNearestNeighbors({ k: Number(k), weights: weights as 'uniform' | 'distance' }).fit(xTrain, Float64Array.from(L.rTrain));
    const pred = m.predict(xTest);
    L.regression[name].forEach((v, r) => expect(pred[r], `${name} row ${r}`).toBeCloseTo(v, 10));
  });

  it.each(Object.keys(sk.linearSVC))('linear SVM, %s: the decision values of LinearSVC(loss="hinge") on the same standardized columns', (name) => {
    const ref = sk.linearSVC[name];
    // both solvers run to a tight tolerance: the primal weights are unique, the row order each visits is not
    const m = new LinearSVM({ C: ref.C, tol: 1e-9, maxIter: 100_000 }).fit(xTrain, Int32Array.from(ref.y));
    const d = m.decisionFunction(xTest);
    ref.decision.forEach((want, r) => {
      // scikit-learn gives one column for two classes (class 1's margin); whittle mirrors it into class 0's column
      const got = d.cols === 2 ? [d.data[r * 2 + 1]] : Array.from(d.data.subarray(r * d.cols, (r + 1) * d.cols));
      [want].flat().forEach((v, c) => expect(Math.abs(got[c] - v), `${name} row ${r} class ${c}: ${got[c]} vs ${v}`).toBeLessThan(1e-5));
    });
  });

  it.each(Object.keys(sk.trees))('CART, %s: the same tree as DecisionTreeClassifier/Regressor (node count, predictions on held-out rows)', (name) => {
    const ref = sk.trees[name];
    const regression = ref.params.criterion === 'squared_error';
    const t = new DecisionTree({
      criterion: regression ? 'squared-error' : (ref.params.criterion as 'gini' | 'entropy'),
      maxDepth: ref.params.max_depth,
      minSamplesLeaf: ref.params.min_samples_leaf,
      minSamplesSplit: ref.params.min_samples_split,
    }).fit(xTrain, regression ? Float64Array.from(L.rTrain) : yTrain);
    expect(t.nodes.length).toBe(ref.nodes);
    if (regression) {
      const pred = t.predict(xTest);
      (ref.predictions as number[]).forEach((v, r) => expect(pred[r], `${name} row ${r}`).toBeCloseTo(v, 12));
    } else {
      const p = t.predictProba(xTest);
      (ref.predictions as number[][]).forEach((row, r) => row.forEach((v, c) => expect(p.data[r * p.cols + c], `${name} row ${r} class ${c}`).toBeCloseTo(v, 12)));
    }
  });

  it.each(Object.keys(sk.categoricalNB.proba))('categorical naive Bayes, alpha %s: predictProba of CategoricalNB on integer-coded columns', (alpha) => {
    const c = sk.categoricalNB;
    const p = new CategoricalNB({ alpha: Number(alpha) }).fit(fromRows(c.xTrain), yTrain).predictProba(fromRows(c.xTest));
    c.proba[alpha].forEach((row, r) => row.forEach((v, k) => expect(p.data[r * p.cols + k], `alpha ${alpha} row ${r} class ${k}`).toBeCloseTo(v, 12)));
  });

  it.each(Object.keys(sk.boosting))('gradient boosting, %s: the scores of HistGradientBoostingClassifier/Regressor', (name) => {
    const ref = sk.boosting[name];
    const k = ref.params;
    const params = { nEstimators: k.max_iter, learningRate: k.learning_rate, maxLeaves: k.max_leaf_nodes, minSamplesLeaf: k.min_samples_leaf, l2: k.l2_regularization, maxDepth: k.max_depth ?? null, maxBins: 255, earlyStopping: false };
    // scikit-learn holds gradients and hessians in float32: the same trees, scores equal to about 1e-8
    const p = new GradientBoosting(params).fit(xTrain, yTrain).predictProba(xTest);
    ref.proba.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(p.data[r * p.cols + c] - v), `${name} row ${r} class ${c}`).toBeLessThan(1e-6)));
    const pred = new GradientBoosting(params).fit(xTrain, Float64Array.from(L.rTrain)).predict(xTest);
    ref.regression.forEach((v, r) => expect(Math.abs(pred[r] - v), `${name} regression row ${r}`).toBeLessThan(1e-6));
  });
});
