// The learner catalogue: every name AutoML can pick, how to build it from flat params, and whether it regresses.
import { ArgumentError } from '../../core/errors.js';
import { GradientBoosting } from './boosting.js';
import { ExtraTrees, RandomForest } from './forest.js';
import { KNearestNeighbors } from './knn.js';
import type { Learner } from './learner.js';
import { LinearModel } from './linear.js';
import { MLP } from './mlp.js';
import { CategoricalNB, GaussianNB } from './naive-bayes.js';
import { LinearSVM } from './svm.js';
import { DecisionTree } from './tree.js';

export const learnerNames = [
  'decision-tree',
  'random-forest',
  'extra-trees',
  'gradient-boosting',
  'linear',
  'knn',
  'gaussian-nb',
  'categorical-nb',
  'linear-svm',
  'mlp',
] as const;
export type LearnerName = (typeof learnerNames)[number];

export type LearnerParams = Record<string, unknown>;

const regressors = new Set<LearnerName>(['decision-tree', 'random-forest', 'extra-trees', 'gradient-boosting', 'linear', 'knn', 'mlp']);

export function supportsRegression(name: LearnerName): boolean {
  return regressors.has(name);
}

/** A new unfitted learner; `seed` goes to learners that draw random numbers. */
export function createLearner(name: LearnerName, params: LearnerParams = {}, seed = 0): Learner {
  switch (name) {
    case 'decision-tree':
      return new DecisionTree({ seed, ...params });
    case 'random-forest':
      return new RandomForest({ seed, ...params });
    case 'extra-trees':
      return new ExtraTrees({ seed, ...params });
    case 'gradient-boosting':
      return new GradientBoosting({ seed, ...params });
    case 'linear':
      return new LinearModel(params);
    case 'knn':
      return new KNearestNeighbors(params);
    case 'gaussian-nb':
      return new GaussianNB(params);
    case 'categorical-nb':
      return new CategoricalNB(params);
    case 'linear-svm':
      return new LinearSVM({ seed, ...params });
    case 'mlp':
      return new MLP({ seed, ...params });
    default:
      throw new ArgumentError(`createLearner: name must be one of ${learnerNames.join(', ')}, got ${JSON.stringify(name)}`);
  }
}
