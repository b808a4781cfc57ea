import { describe, expect, it } from 'vitest';
import { stratifiedKFold } from '../../../search/automl/cv.js';
import { type FoldContext, FoldPool, fitFold, foldTables, processClock } from '../../../search/automl/fold-pool.js';
import { tableFromRecords } from '../../../search/automl/frame.js';
import { encodeTarget, type PipelineSpec } from '../../../search/automl/pipeline.js';
import { penguinRecords } from './fixtures.js';

// penguins with its gaps and categorical columns, three folds of one repeat and two of another
const table = tableFromRecords(penguinRecords());
const enc = encodeTarget(table, 'Species');
const features = { columns: table.columns.filter((c) => c.name !== 'Species'), nRows: table.nRows };
const ctx: FoldContext = {
  features,
  target: 'Species',
  task: 'classification',
  y: enc.y,
  classes: enc.classes,
  folds: [...stratifiedKFold(enc.y, 3, 1), ...stratifiedKFold(enc.y, 2, 2)],
};

describe('FoldPool (automl fold fits on worker threads)', () => {
  it('gives bit for bit the held-out predictions of the same fit on this thread; a late fit and a failing one come back as such', async () => {
    const specs: PipelineSpec[] = [
      { learner: 'random-forest', params: { nEstimators: 20 }, seed: 3, preprocess: { numericImpute: 'knn', scale: 'none' } },
      { learner: 'linear', params: { C: 2 }, seed: 0, preprocess: { numericImpute: 'median', scale: 'standard' } },
      { learner: 'knn', params: { k: 7 }, seed: 0, preprocess: { numericImpute: 'mean', scale: 'standard' } },
    ];
    const here = foldTables(ctx);
    const pool = await FoldPool.create(2, ctx);
    try {
      expect(pool.size).toBe(2);
      const jobs = specs.flatMap((spec) => ctx.folds.map((_, i) => ({ spec, i })));
      // all at once: more fits than workers wait their turn
      const off = await Promise.all(jobs.map(({ spec, i }) => pool.fit(spec, i, Infinity)));
      jobs.forEach(({ spec, i }, j) => {
        const on = fitFold(ctx, here(i), spec, Infinity, processClock);
        expect('proba' in on && 'proba' in off[j]).toBe(true);
        if ('proba' in on && 'proba' in off[j]) {
          expect(off[j]).toEqual(on);
          expect(on.proba.rows).toBe(ctx.folds[i].length);
        }
      });
      // a deadline already past stops the forest between trees, on either thread
      const forest: PipelineSpec = { learner: 'random-forest', params: { nEstimators: 500 }, seed: 0 };
      expect(await pool.fit(forest, 0, processClock() - 1)).toEqual({ late: true });
      expect(fitFold(ctx, here(0), forest, processClock() - 1, processClock)).toEqual({ late: true });
      // a fit that throws rejects with its message, and the worker goes on with the next fit
      const bad = { learner: 'no-such-learner', params: {}, seed: 0 } as unknown as PipelineSpec;
      await expect(pool.fit(bad, 1, Infinity)).rejects.toThrow(/Pipeline: learner must be one of .*got "no-such-learner"/);
      expect(() => fitFold(ctx, here(1), bad, Infinity, processClock)).toThrow(/Pipeline: learner must be one of/);
      expect(await pool.fit(specs[1], 4, Infinity)).toEqual(fitFold(ctx, here(4), specs[1], Infinity, processClock));
    } finally {
      await pool.close();
    }
    await expect(pool.fit(specs[0], 0, Infinity)).rejects.toThrow(/closed/);
  });
});
