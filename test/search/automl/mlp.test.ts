import { describe, expect, it } from 'vitest';
import { MLP } from '../../../search/automl/mlp.js';
import { expectParamsChecked, irisData } from './fixtures.js';

describe('MLP.fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    expectParamsChecked(new MLP({ epochs: 3, hidden: [8] }).fit(d.x, d.y), d.x, 'MLP', (p) => new MLP(p), [
      ['learningRate', 0, 'a number > 0'],
      ['learningRate', null, 'a number > 0'],
      ['epochs', 0, 'an integer >= 1'],
      ['batchSize', 0.5, 'an integer >= 1'],
      ['l2', -0.1, 'a number >= 0'],
      ['hidden', [8, 0], 'an array of integers >= 1'],
      ['seed', null, 'a finite number'],
    ]);
  });

  it('shows a short array it refuses as its values, a long one by its length', () => {
    expect(() => new MLP({ hidden: [NaN] })).toThrow('MLP: hidden must be an array of integers >= 1, got [NaN]');
    expect(() => new MLP({ hidden: [8, 'x' as unknown as number] })).toThrow('MLP: hidden must be an array of integers >= 1, got [8, "x"]');
    expect(() => new MLP({ hidden: [8, 8, 8, 8, 0] })).toThrow('MLP: hidden must be an array of integers >= 1, got an array of 5');
  });
});

describe('saved weights float32 cannot hold (found by pipeline.fuzz.test.ts)', () => {
  it('are a FormatError naming the weight, where 1e308 had become Infinity and the predictions Infinity', () => {
    const { x, y } = irisData();
    const json = JSON.parse(JSON.stringify(new MLP({ epochs: 2 }).fit(x, y).toJSON()));
    json.layers[0].weight[3] = 1e308;
    expect(() => MLP.fromJSON(json)).toThrow('MLP.fromJSON: layers[0].weight[3] must be a number float32 holds (at most 3.4e38 in size), got 1e+308');
  });
});
