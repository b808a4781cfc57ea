import { describe, it } from 'vitest';
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
});
