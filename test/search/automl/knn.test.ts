import { describe, expect, it } from 'vitest';
import { KNearestNeighbors } from '../../../search/automl/knn.js';
import { fromRows } from '../../../search/automl/matrix.js';
import { expectParamsChecked, irisData } from './fixtures.js';

describe('KNearestNeighbors', () => {
  const x = fromRows([[0], [1], [3]]);
  const y = Int32Array.from([0, 0, 1]);

  it('uniform votes of the k nearest', () => {
    const p = new KNearestNeighbors({ k: 3 }).fit(x, y).predictProba(fromRows([[2]]));
    expect(Array.from(p.data)).toEqual([2 / 3, 1 / 3]);
  });

  it('distance weights 1/d (hand-computed) and an exact match takes the vote', () => {
    // query 2.5: distances 2.5, 1.5, 0.5 -> weights 0.4, 2/3, 2
    const m = new KNearestNeighbors({ k: 3, weights: 'distance' }).fit(x, y);
    const p = m.predictProba(fromRows([[2.5]]));
    const w0 = 0.4 + 2 / 3;
    expect(p.data[0]).toBeCloseTo(w0 / (w0 + 2), 12);
    expect(Array.from(m.predictProba(fromRows([[3]])).data)).toEqual([0, 1]);
  });

  it('k larger than the training set uses every row; regression averages', () => {
    expect(Array.from(new KNearestNeighbors({ k: 10 }).fit(x, y).predictProba(fromRows([[0]])).data)).toEqual([2 / 3, 1 / 3]);
    const r = new KNearestNeighbors({ k: 2 }).fit(x, Float64Array.from([1, 2, 10]));
    expect(r.predict(fromRows([[0.4]]))[0]).toBe(1.5);
  });
});

describe('KNearestNeighbors.fromJSON parameters', () => {
  it('refuses a saved parameter out of its range, naming it, as the constructor does', () => {
    const d = irisData();
    expectParamsChecked(new KNearestNeighbors({ k: 3 }).fit(d.x, d.y), d.x, 'KNearestNeighbors', (p) => new KNearestNeighbors(p), [
      ['k', 0, 'an integer >= 1'],
      ['k', 2.5, 'an integer >= 1'],
      ['k', null, 'an integer >= 1'],
      ['weights', 'inverse', "one of 'uniform', 'distance'"],
    ]);
  });
});
