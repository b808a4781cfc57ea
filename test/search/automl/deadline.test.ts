import { describe, expect, it } from 'vitest';
import { TimeLimitExceeded, beforeDeadline, checkDeadline, withDeadline } from '../../../search/automl/deadline.js';
import { type LearnerName, createLearner } from '../../../search/automl/learners.js';
import { Random } from '../../../core/random.js';
import { matrix } from '../../../search/automl/matrix.js';
import { expectLimitChecked, irisData } from './fixtures.js';

describe('fit deadlines', () => {
  it('beforeDeadline: the value in time, undefined when the limit stops the run, any other error thrown as it was', () => {
    let now = 0;
    const clock = () => now;
    expect(beforeDeadline(10, () => (checkDeadline('x'), 7), clock)).toBe(7);
    now = 11;
    expect(beforeDeadline(10, () => (checkDeadline('x'), 7), clock)).toBeUndefined();
    expect(() => beforeDeadline(10, () => { throw new RangeError('other'); }, clock)).toThrow(RangeError);
    // the limit is lifted afterwards
    expect(() => checkDeadline('x')).not.toThrow();
  });

  it('checkDeadline throws only inside a withDeadline whose time has passed; limits nest to the earlier one', () => {
    expect(() => checkDeadline('x')).not.toThrow();
    expect(() => withDeadline(Date.now() + 60_000, () => checkDeadline('x'))).not.toThrow();
    expect(() => withDeadline(Date.now() - 1, () => checkDeadline('forest fit'))).toThrow(new TimeLimitExceeded('forest fit: stopped at the time limit'));
    expect(() => withDeadline(Date.now() - 1, () => withDeadline(Date.now() + 60_000, () => checkDeadline('x')))).toThrow(TimeLimitExceeded);
    // the limit is lifted again afterwards, also when the body threw
    expect(() => checkDeadline('x')).not.toThrow();
    // a clock of the caller's: the limit is on its time, not the wall clock's
    let now = 0;
    const ticks = () =>
      withDeadline(
        3,
        () => {
          for (;;) {
            now++;
            checkDeadline('tick');
          }
        },
        () => now,
      );
    expect(ticks).toThrow(new TimeLimitExceeded('tick: stopped at the time limit'));
    expect(now).toBe(4);
  });

  // the learners whose fits (or, for kNN, predictions) can run long check the limit as they go
  const slow: [LearnerName, Record<string, unknown>][] = [
    ['random-forest', { nEstimators: 5 }],
    ['extra-trees', { nEstimators: 5 }],
    ['gradient-boosting', { nEstimators: 1 }], // one round: a tree per class, each checked (iris: 3)
    ['mlp', { epochs: 3 }],
    ['linear', {}],
    ['linear-svm', {}],
    ['knn', {}],
  ];
  it.each(slow)('%s stops at a passed limit and fits identically under one still ahead', (name, params) => {
    const d = irisData();
    const run = () => {
      const m = createLearner(name, params, 3).fit(d.x, d.y);
      return Array.from(m.predictProba(d.x).data);
    };
    expect(() => withDeadline(Date.now() - 1, run)).toThrow(TimeLimitExceeded);
    expect(withDeadline(Date.now() + 60_000, run)).toEqual(run());
    // as they go: on a clock that counts its reads, a whole fit reads it at least 3 times (once per tree, round,
    // epoch, objective pass or block of query rows), and a limit that passes after the second read stops the fit at
    // the third. The linear model read it once, after its last iteration, so its fits ran on past any limit
    let reads = 0;
    const counter = () => ++reads;
    withDeadline(1e12, run, counter);
    expect(reads).toBeGreaterThanOrEqual(3);
    reads = 0;
    expect(() => withDeadline(2, run, counter)).toThrow(TimeLimitExceeded);
    expect(reads).toBe(3);
  });

  // fits of one model that used to be checked only when they ended: a tree on a big table, naive Bayes on a wide one
  // (the categorical one sorts every column to bin it), all checked every 2^18 units of work
  const big = (rows: number, cols: number, seed: number) => {
    const rng = new Random(seed);
    return { x: matrix(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal())), y: Int32Array.from({ length: rows }, () => rng.int(2)) };
  };
  it.each([
    // 8,000 rows x 10 noise features and random labels: a deep tree, some 80k rows x features of split search a level
    ['decision-tree', { ccpAlpha: 0 }, () => big(8000, 10, 3), 'decision tree fit'],
    // 3,000 rows x 300 columns: 300 sorts of 3,000 values
    ['categorical-nb', {}, () => big(3000, 300, 4), 'categorical naive Bayes fit'],
    // the same table: five passes over its 900k numbers
    ['gaussian-nb', {}, () => big(3000, 300, 4), 'Gaussian naive Bayes fit'],
  ] as const)('%s checks the limit as it fits, not only when done', (name, params, data, where) => {
    const d = data();
    expectLimitChecked(() => Array.from(createLearner(name, params, 2).fit(d.x, d.y).predictProba(d.x).data), where);
  });
});
