import { describe, expect, it } from 'vitest';
import { ExtraTrees, RandomForest } from '../../../search/automl/forest.js';
import { expectParamsChecked, irisData } from './fixtures.js';

describe('forest fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    for (const [Forest, op] of [[RandomForest, 'RandomForest'], [ExtraTrees, 'ExtraTrees']] as const) {
      expectParamsChecked(new Forest({ nEstimators: 4 }).fit(d.x, d.y), d.x, op, (p) => new Forest(p), [
        ['nEstimators', 0, 'an integer >= 1'],
        ['nEstimators', null, 'an integer >= 1'],
        ['maxDepth', -1, 'a number >= 0 or null'],
        ['minSamplesSplit', 0, 'a number >= 2'],
        ['minSamplesLeaf', 0.5, 'a number >= 1'],
        ['maxFeatures', 'half', "'sqrt', 'log2', 'all' or a number > 0"],
        ['criterion', 'mse', "one of 'gini', 'entropy', 'squared-error'"],
        ['bootstrap', 1, 'true or false'],
      ]);
    }
  });

  it('a tree inside a forest is checked too', () => {
    const d = irisData();
    const json = JSON.parse(JSON.stringify(new RandomForest({ nEstimators: 2 }).fit(d.x, d.y).toJSON()));
    json.trees[1].params.maxDepth = -3;
    expect(() => RandomForest.fromJSON(json)).toThrow('DecisionTree.fromJSON: params.maxDepth must be a number >= 0 or null, got -3');
  });
});
