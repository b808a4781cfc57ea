// AutoML's joint search space: which learner, its hyperparameters (conditional on the learner) and the
// preprocessing, as one search/space.ts Space; and the map from a sampled configuration to a PipelineSpec.
import { type Config, type Space, type SpaceBuilder, space } from '../space.js';
import type { LearnerName, LearnerParams } from './learners.js';
import type { PipelineSpec } from './pipeline.js';
import type { Task } from './learner.js';
import type { PreprocessConfig } from './preprocess.js';

const forests: LearnerName[] = ['random-forest', 'extra-trees'];

/** Every numeric imputation AutoML can search (PreprocessConfig numericImpute). */
export const imputers: readonly PreprocessConfig['numericImpute'][] = ['median', 'mean', 'most-frequent', 'knn'];

/**
 * The space over `learners` (at least one) and the imputations `impute` (default all). Parameter names are
 * `<learner prefix>.<param>`. For regression the trees' split criterion is not searched: they always use squared
 * error, so gini/entropy would only be copies of the same trial.
 */
export function automlSpace(learners: readonly LearnerName[], impute: readonly PreprocessConfig['numericImpute'][] = imputers, task: Task = 'classification'): Space<Config> {
  const classify = task === 'classification';
  const on = (...names: LearnerName[]) => ({ when: { learner: names.filter((n) => learners.includes(n)) } });
  const has = (...names: LearnerName[]) => names.some((n) => learners.includes(n));
  // which parameters exist depends on `learners`, so the static config type is plain Config; configToSpec reads it
  let b: SpaceBuilder = space().categorical('learner', [...learners]).categorical('impute', [...impute]);
  const add = (f: (s: SpaceBuilder) => SpaceBuilder) => (b = f(b));
  if (has('knn')) add((s) => s.categorical('scale', ['standard', 'none'], on('knn')));
  if (has('decision-tree')) {
    if (classify) add((s) => s.categorical('dt.criterion', ['gini', 'entropy'], on('decision-tree')));
    add((s) => s.categorical('dt.maxDepth', ['none', 2, 3, 4, 6, 8, 12, 16], on('decision-tree')));
    add((s) => s.int('dt.minSamplesLeaf', 1, 20, { log: true, ...on('decision-tree') }));
    add((s) => s.float('dt.ccpAlpha', 1e-5, 0.05, { log: true, ...on('decision-tree') }));
  }
  if (has(...forests)) {
    add((s) => s.int('forest.nEstimators', 10, 200, { log: true, ...on(...forests) }));
    add((s) => s.categorical('forest.maxFeatures', ['sqrt', 'log2', 'all', 0.5], on(...forests)));
    add((s) => s.categorical('forest.maxDepth', ['none', 4, 8, 16], on(...forests)));
    add((s) => s.int('forest.minSamplesLeaf', 1, 10, { log: true, ...on(...forests) }));
    if (classify) add((s) => s.categorical('forest.criterion', ['gini', 'entropy'], on(...forests)));
  }
  if (has('gradient-boosting')) {
    add((s) => s.float('gb.learningRate', 0.01, 0.5, { log: true, ...on('gradient-boosting') }));
    add((s) => s.int('gb.nEstimators', 20, 300, { log: true, ...on('gradient-boosting') }));
    add((s) => s.int('gb.maxLeaves', 4, 64, { log: true, ...on('gradient-boosting') }));
    add((s) => s.categorical('gb.maxDepth', ['none', 3, 6], on('gradient-boosting')));
    add((s) => s.int('gb.minSamplesLeaf', 1, 30, { log: true, ...on('gradient-boosting') }));
    add((s) => s.float('gb.l2', 1e-3, 10, { log: true, ...on('gradient-boosting') }));
  }
  if (has('linear')) {
    add((s) => s.categorical('linear.penalty', ['l2', 'l1'], on('linear')));
    add((s) => s.float('linear.C', 1e-3, 1e3, { log: true, ...on('linear') }));
  }
  if (has('knn')) {
    add((s) => s.int('knn.k', 1, 50, { log: true, ...on('knn') }));
    add((s) => s.categorical('knn.weights', ['uniform', 'distance'], on('knn')));
  }
  if (has('gaussian-nb')) add((s) => s.float('gnb.varSmoothing', 1e-12, 1, { log: true, ...on('gaussian-nb') }));
  if (has('categorical-nb')) {
    add((s) => s.float('cnb.alpha', 0.01, 10, { log: true, ...on('categorical-nb') }));
    add((s) => s.int('cnb.nBins', 3, 20, on('categorical-nb')));
  }
  if (has('linear-svm')) add((s) => s.float('svm.C', 1e-3, 1e2, { log: true, ...on('linear-svm') }));
  if (has('mlp')) {
    add((s) => s.int('mlp.width', 8, 128, { log: true, ...on('mlp') }));
    add((s) => s.int('mlp.layers', 1, 2, on('mlp')));
    add((s) => s.float('mlp.learningRate', 1e-4, 0.1, { log: true, ...on('mlp') }));
    add((s) => s.float('mlp.l2', 1e-6, 1e-2, { log: true, ...on('mlp') }));
    add((s) => s.int('mlp.epochs', 20, 100, { log: true, ...on('mlp') }));
  }
  return b.build() as Space<Config>;
}

/**
 * Each learner's default pipeline as a point of automlSpace, strongest learners first: AutoML runs these before
 * its strategy takes over (as FLAML and AutoGluon start from defaults), so the ensemble can always fall back on
 * them. Exact defaults, except the tree's ccpAlpha at the space's floor 1e-5 (prunes only splits that gain nothing).
 */
export function defaultConfigs(learners: readonly LearnerName[], impute: PreprocessConfig['numericImpute'] = 'median', task: Task = 'classification'): Config[] {
  const forest = { 'forest.nEstimators': 100, 'forest.maxFeatures': 'sqrt', 'forest.maxDepth': 'none', 'forest.minSamplesLeaf': 1, 'forest.criterion': 'gini' };
  const all: Record<LearnerName, Config> = {
    'random-forest': forest,
    'gradient-boosting': { 'gb.learningRate': 0.1, 'gb.nEstimators': 100, 'gb.maxLeaves': 31, 'gb.maxDepth': 'none', 'gb.minSamplesLeaf': 5, 'gb.l2': 1 },
    'extra-trees': forest,
    linear: { 'linear.penalty': 'l2', 'linear.C': 1 },
    'linear-svm': { 'svm.C': 1 },
    knn: { scale: 'standard', 'knn.k': 5, 'knn.weights': 'uniform' },
    mlp: { 'mlp.width': 32, 'mlp.layers': 1, 'mlp.learningRate': 0.01, 'mlp.l2': 1e-4, 'mlp.epochs': 100 },
    'decision-tree': { 'dt.criterion': 'gini', 'dt.maxDepth': 'none', 'dt.minSamplesLeaf': 1, 'dt.ccpAlpha': 1e-5 },
    'gaussian-nb': { 'gnb.varSmoothing': 1e-9 },
    'categorical-nb': { 'cnb.alpha': 1, 'cnb.nBins': 10 },
  };
  // points of automlSpace(learners, ..., task): no criterion for regression
  const strip = (c: Config): Config => (task === 'classification' ? c : Object.fromEntries(Object.entries(c).filter(([k]) => !k.endsWith('.criterion'))));
  return (Object.keys(all) as LearnerName[]).filter((l) => learners.includes(l)).map((learner) => ({ learner, impute, ...strip(all[learner]) }));
}

const depth = (v: unknown): number | null => (v === 'none' || v === undefined ? null : Number(v));

/** The pipeline a configuration describes; `params` holds only the learner's own (unprefixed) parameters. */
export function configToSpec(c: Config, seed = 0): PipelineSpec {
  const learner = c.learner as LearnerName;
  const params: LearnerParams = {};
  const prefix = { 'decision-tree': 'dt', 'random-forest': 'forest', 'extra-trees': 'forest', 'gradient-boosting': 'gb', linear: 'linear', knn: 'knn', 'gaussian-nb': 'gnb', 'categorical-nb': 'cnb', 'linear-svm': 'svm', mlp: 'mlp' }[learner];
  for (const [k, v] of Object.entries(c)) if (k.startsWith(prefix + '.')) params[k.slice(prefix.length + 1)] = v;
  if ('maxDepth' in params) params.maxDepth = depth(params.maxDepth);
  if (learner === 'mlp') {
    const width = params.width as number;
    params.hidden = Array.from({ length: params.layers as number }, () => width);
    delete params.width;
    delete params.layers;
  }
  return {
    learner,
    params,
    preprocess: { numericImpute: c.impute as PreprocessConfig['numericImpute'], scale: c.scale === 'none' ? 'none' : 'standard' },
    seed,
  };
}
