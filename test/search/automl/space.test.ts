import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { createLearner, learnerNames } from '../../../search/automl/learners.js';
import type { Config, Space } from '../../../search/space.js';
import { automlSpace, configToSpec, defaultConfigs } from '../../../search/automl/space.js';

describe('automlSpace / configToSpec', () => {
  it('every sampled configuration validates and builds its learner', () => {
    const space: Space<Config> = automlSpace(learnerNames);
    const rng = new Random(11);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const c = space.sample(rng);
      space.validate(c);
      const spec = configToSpec(c, 3);
      seen.add(spec.learner);
      expect(() => createLearner(spec.learner, spec.params, 3)).not.toThrow();
      // only the chosen learner's parameters are active: one prefix among the dotted names
      expect(new Set(Object.keys(c).filter((k) => k.includes('.')).map((k) => k.split('.')[0])).size).toBeLessThanOrEqual(1);
    }
    expect(seen.size).toBe(learnerNames.length);
  });

  it('maps prefixed parameters, "none" depths and MLP width x layers', () => {
    expect(configToSpec({ learner: 'random-forest', impute: 'mean', 'forest.nEstimators': 50, 'forest.maxDepth': 'none', 'forest.maxFeatures': 'sqrt' }, 9)).toEqual({
      learner: 'random-forest',
      params: { nEstimators: 50, maxDepth: null, maxFeatures: 'sqrt' },
      preprocess: { numericImpute: 'mean', scale: 'standard' },
      seed: 9,
    });
    expect(configToSpec({ learner: 'mlp', impute: 'median', 'mlp.width': 16, 'mlp.layers': 2 }).params).toEqual({ hidden: [16, 16] });
    expect(configToSpec({ learner: 'knn', impute: 'median', scale: 'none', 'knn.k': 3 }).preprocess).toEqual({ numericImpute: 'median', scale: 'none' });
  });

  it('a subset of learners gives a smaller space', () => {
    const s = automlSpace(['linear']);
    expect(s.params.map((p) => p.name)).toEqual(['learner', 'impute', 'linear.penalty', 'linear.C']);
  });
});

describe('defaultConfigs', () => {
  it('each learner\'s defaults, as points of the space, strongest first, only for the learners given', () => {
    const space: Space<Config> = automlSpace(learnerNames);
    const configs = defaultConfigs(learnerNames);
    expect(configs.map((c) => c.learner)).toEqual(['random-forest', 'gradient-boosting', 'extra-trees', 'linear', 'linear-svm', 'knn', 'mlp', 'decision-tree', 'gaussian-nb', 'categorical-nb']);
    for (const c of configs) {
      space.validate(c);
      const spec = configToSpec(c, 0);
      expect(spec.preprocess).toEqual({ numericImpute: 'median', scale: 'standard' });
      const searched = createLearner(spec.learner, spec.params, 0) as unknown as { params: Record<string, unknown> };
      const plain = createLearner(spec.learner, {}, 0) as unknown as { params: Record<string, unknown> };
      // the tree's ccpAlpha sits at the space's floor, everything else is the learner's own default
      expect({ ...searched.params, ...(spec.learner === 'decision-tree' ? { ccpAlpha: 0 } : {}) }).toEqual(plain.params);
    }
    expect(defaultConfigs(['knn', 'decision-tree']).map((c) => c.learner)).toEqual(['knn', 'decision-tree']);
  });

  it('for regression the trees search no split criterion (always squared error), and the defaults are its points', () => {
    const learners = learnerNames.filter((l) => !['gaussian-nb', 'categorical-nb', 'linear-svm'].includes(l));
    const space: Space<Config> = automlSpace(learners, undefined, 'regression');
    expect(space.params.map((p) => p.name).filter((n) => n.endsWith('criterion'))).toEqual([]);
    expect(automlSpace(learners).params.map((p) => p.name).filter((n) => n.endsWith('criterion'))).toEqual(['dt.criterion', 'forest.criterion']);
    for (const c of defaultConfigs(learners, 'median', 'regression')) {
      space.validate(c);
      expect(Object.keys(c).filter((k) => k.endsWith('criterion'))).toEqual([]);
    }
  });
});
