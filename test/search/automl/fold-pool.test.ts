import { describe, expect, it } from 'vitest';
import { kFold, stratifiedKFold } from '../../../search/automl/cv.js';
import { type FoldContext, FoldPool, fitFold, foldTables, processClock, refitAll } from '../../../search/automl/fold-pool.js';
import { subsetTable, tableFromRecords } from '../../../search/automl/frame.js';
import { Pipeline, encodeTarget, type PipelineSpec } from '../../../search/automl/pipeline.js';
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

describe('foldTables', () => {
  it("holds each fold's training and test rows; kept while all fit in maxCells, built anew per fit past it", () => {
    const cells = features.nRows * features.columns.length * ctx.folds.length;
    const kept = foldTables(ctx, cells);
    const rebuilt = foldTables(ctx, cells - 1);
    ctx.folds.forEach((test, i) => {
      const f = kept(i);
      expect(kept(i)).toBe(f);
      expect(rebuilt(i)).not.toBe(rebuilt(i));
      expect(rebuilt(i)).toEqual(f);
      const inTest = new Set(test);
      const train = Array.from({ length: features.nRows }, (_, r) => r).filter((r) => !inTest.has(r));
      expect(f.trainTable).toEqual(subsetTable(features, train));
      expect(f.testTable).toEqual(subsetTable(features, test));
      expect(Array.from(f.trainY)).toEqual(train.map((r) => enc.y[r]));
    });
  });
});

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

  it('a numeric target: the same predicted numbers on a worker as here', async () => {
    const mass = encodeTarget(table, 'Body Mass (g)');
    const rows = subsetTable(table, mass.rows);
    const reg: FoldContext = {
      features: { columns: rows.columns.filter((c) => c.name !== 'Body Mass (g)'), nRows: rows.nRows },
      target: 'Body Mass (g)',
      task: 'regression',
      y: mass.y,
      classes: [],
      folds: kFold(rows.nRows, 4, 0),
    };
    expect(mass.task).toBe('regression');
    const pool = await FoldPool.create(1, reg);
    try {
      const spec: PipelineSpec = { learner: 'gradient-boosting', params: {}, seed: 1 };
      for (const i of [0, 3]) {
        const off = await pool.fit(spec, i, Infinity);
        const on = fitFold(reg, foldTables(reg)(i), spec, Infinity, processClock);
        expect('pred' in on && on.pred.length).toBe(reg.folds[i].length);
        expect(off).toEqual(on);
      }
    } finally {
      await pool.close();
    }
  });

  it('refits a pipeline on all rows: its JSON predicts as the same refit on this thread; a late refit comes back as late', async () => {
    const pool = await FoldPool.create(2, ctx);
    try {
      const specs: PipelineSpec[] = [
        { learner: 'gradient-boosting', params: { nEstimators: 30 }, seed: 2, preprocess: { numericImpute: 'knn', scale: 'none' } },
        { learner: 'mlp', params: { hidden: [8], epochs: 20 }, seed: 1, preprocess: { numericImpute: 'median', scale: 'standard' } },
      ];
      const off = await Promise.all(specs.map((spec) => pool.refit(spec, Infinity)));
      specs.forEach((spec, j) => {
        const r = off[j];
        expect('pipeline' in r).toBe(true);
        if (!('pipeline' in r)) return;
        const here = refitAll(ctx, spec, Infinity, processClock)!;
        expect(Pipeline.fromJSON(r.pipeline).predictProba(features)).toEqual(here.predictProba(features));
      });
      expect(await pool.refit({ learner: 'random-forest', params: { nEstimators: 500 }, seed: 0 }, processClock() + 5)).toEqual({ late: true });
      expect(refitAll(ctx, { learner: 'random-forest', params: { nEstimators: 500 }, seed: 0 }, processClock() + 5, processClock)).toBeUndefined();
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies fails the fit it held and is replaced; the pool keeps its size and goes on', async () => {
    const pool = await FoldPool.create(1, ctx);
    try {
      const slow: PipelineSpec = { learner: 'random-forest', params: { nEstimators: 400 }, seed: 0 };
      const held = pool.fit(slow, 0, Infinity);
      const queued = pool.fit({ learner: 'gaussian-nb', params: {}, seed: 0 }, 1, Infinity);
      // as a crash inside a fit would: the thread ends while it holds a job
      const worker = (pool as unknown as { jobs: { slots: { worker: { terminate(): Promise<number> } }[] } }).jobs.slots[0].worker;
      await new Promise((r) => setTimeout(r, 50));
      await worker.terminate();
      await expect(held).rejects.toThrow(/automl: the fold worker died: exit code/);
      // the queued fit runs on the replacement
      expect('proba' in (await queued)).toBe(true);
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
  });
});
