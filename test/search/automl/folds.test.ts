import { describe, expect, it } from 'vitest';
import { penguins } from '../../../core/data/datasets.js';
import { stratifiedKFold } from '../../../search/automl/cv.js';
import { exportFolds } from '../../../search/automl/folds.js';
import { encodeTarget } from '../../../search/automl/pipeline.js';

describe('exportFolds', () => {
  const table = penguins({ target: 'Sex' });

  it('is deterministic and uses exactly the stratified folds automl() uses', () => {
    const a = exportFolds(table, 'Sex', { k: 5, seed: 3 });
    expect(exportFolds(table, 'Sex', { k: 5, seed: 3 })).toEqual(a);
    const enc = encodeTarget(table, 'Sex');
    expect(a.y).toEqual(Array.from(enc.y));
    expect(a.folds.map((f) => f.test)).toEqual(stratifiedKFold(enc.y, 5, 3).map((t) => Array.from(t)));
    expect(exportFolds(table, 'Sex', { k: 5, seed: 4 }).folds.map((f) => f.test)).not.toEqual(a.folds.map((f) => f.test));
  });

  it('leaves out rows with no target and partitions the rest', () => {
    const ex = exportFolds(table, 'Sex');
    expect(ex.classes).toEqual(['FEMALE', 'MALE']);
    expect(ex.y).toHaveLength(333); // 344 penguins, 11 without a recorded sex
    expect(ex.rows).toHaveLength(333);
    expect(ex.folds.flatMap((f) => f.test).sort((p, q) => p - q)).toEqual(Array.from({ length: 333 }, (_, i) => i));
    for (const f of ex.folds) {
      expect(f.xTrain).toHaveLength(333 - f.test.length);
      expect(f.xTest).toHaveLength(f.test.length);
      for (const row of [...f.xTrain, ...f.xTest]) expect(row).toHaveLength(f.featureNames.length);
    }
  });

  it('fits the preprocessing on each fold\'s training rows only: imputed and standardized there, one-hot categories', () => {
    const ex = exportFolds(table, 'Sex', { k: 5, seed: 0 });
    const f = ex.folds[0];
    expect(f.featureNames).toEqual(['Island=Biscoe', 'Island=Dream', 'Island=Torgersen', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Species=Adelie', 'Species=Chinstrap', 'Species=Gentoo']);
    for (const col of [3, 4, 5, 6]) {
      const train = f.xTrain.map((r) => r[col]);
      const m = train.reduce((a, b) => a + b, 0) / train.length;
      expect(m).toBeCloseTo(0, 10);
      expect(train.reduce((a, b) => a + (b - m) ** 2, 0) / train.length).toBeCloseTo(1, 10);
      expect(train.every(Number.isFinite)).toBe(true);
      // the test rows were scaled with the training rows' statistics, so their mean is not exactly 0
      expect(Math.abs(f.xTest.reduce((a, r) => a + r[col], 0) / f.xTest.length)).toBeGreaterThan(1e-6);
    }
    for (const row of f.xTrain) expect(row[0] + row[1] + row[2]).toBe(1);
  });
});
