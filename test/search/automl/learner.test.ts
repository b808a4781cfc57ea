import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../core/errors.js';
import { type LearnerJSON, learnerFromJSON } from '../../../search/automl/learner.js';
import '../../../search/automl/learners.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { LinearModel } from '../../../search/automl/linear.js';
import { MLP } from '../../../search/automl/mlp.js';

describe('learnerFromJSON', () => {
  const json = new LinearModel().fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1])).toJSON();

  it('revives a registered learner with the same predictions', () => {
    const x = fromRows([[0.5], [2.5]]);
    expect(learnerFromJSON(JSON.parse(JSON.stringify(json))).predict(x)).toEqual(new LinearModel().fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1])).predict(x));
  });

  it('a value that is no learner, an unknown kind, a version that is no count, or fields its reader trips on are FormatErrors', () => {
    const cases: [unknown, RegExp][] = [
      [null, /^learnerFromJSON: a learner must be an object, got null$/],
      ['linear', /^learnerFromJSON: a learner must be an object, got "linear"$/],
      [{}, /^learnerFromJSON: kind must be one of .*linear.*, got none$/],
      [{ ...json, version: 'banana' }, /^learnerFromJSON: linear version must be a positive integer, got "banana"$/],
      [{ ...json, scale: null }, /^LinearModel.fromJSON: scale must be an object, got null$/],
      // a reader that trips (null where a layer was saved) is caught and named
      [{ ...new MLP({ hidden: [2], epochs: 1 }).fit(fromRows([[0], [1], [2], [3]]), Int32Array.from([0, 0, 1, 1])).toJSON(), layers: [null, null] }, /^learnerFromJSON: mlp could not be read from its JSON: /],
    ];
    for (const [bad, message] of cases) {
      expect(() => learnerFromJSON(bad as LearnerJSON), JSON.stringify(bad)).toThrow(FormatError);
      expect(() => learnerFromJSON(bad as LearnerJSON), JSON.stringify(bad)).toThrow(message);
    }
  });
});

describe('array-likes and mixed arrays in a saved learner (found by pipeline.fuzz.test.ts)', () => {
  const json = () => JSON.parse(JSON.stringify(new LinearModel().fit(fromRows([[0, 1], [1, 0], [1, 1], [0, 0]]), Int32Array.from([0, 1, 1, 0])).toJSON())) as LearnerJSON;
  it('an object with a length where an array was saved is refused before Float64Array.from allocates it', () => {
    const j = json();
    const key = Object.keys(j).find((k) => Array.isArray(j[k]))!;
    j[key] = { length: 1e9 };
    const t0 = Date.now();
    expect(() => learnerFromJSON(j)).toThrow(new FormatError(`learnerFromJSON: linear ${key} must be an array or an object without a length, got an object with length 1000000000`));
    expect(Date.now() - t0).toBeLessThan(1000);
  });
  it('a string among numbers (read as NaN or Infinity, then an undefined class) is refused naming its place', () => {
    const j = json();
    const key = Object.keys(j).find((k) => Array.isArray(j[k]) && typeof (j[k] as unknown[])[0] === 'number')!;
    (j[key] as unknown[])[0] = 'Infinity';
    expect(() => learnerFromJSON(j)).toThrow(new FormatError(`learnerFromJSON: linear ${key}[0] must be a number as the rest of its array, got "Infinity"`));
  });
});
