import { describe, expect, it } from 'vitest';
import { categoricalColumn, numericColumn } from '../../../core/data/csv.js';
import { Preprocessor } from '../../../search/automl/preprocess.js';

const table = {
  columns: [numericColumn('a', [1, 2, NaN, 10]), categoricalColumn('c', ['x', 'y', null, 'x'])],
  nRows: 4,
};

describe('Preprocessor', () => {
  it('median imputation, standardization and one-hot with the most frequent category for missing', () => {
    const p = new Preprocessor({ numericImpute: 'median', scale: 'standard' }).fit(table);
    // median of 1,2,10 is 2; filled column 1,2,2,10: mean 3.75, population std sqrt(12.1875)
    const fitted = p.columns[0];
    expect(fitted).toMatchObject({ kind: 'numeric', fill: 2, mean: 3.75 });
    expect(p.featureNames).toEqual(['a', 'c=x', 'c=y']);
    const x = p.transform(table);
    const std = Math.sqrt(((1 - 3.75) ** 2 + 2 * (2 - 3.75) ** 2 + (10 - 3.75) ** 2) / 4);
    expect(x.cols).toBe(3);
    expect(x.data[2 * 3]).toBeCloseTo((2 - 3.75) / std, 12);
    expect(Array.from(x.data.subarray(6, 9)).slice(1)).toEqual([1, 0]); // null -> most frequent 'x'
  });

  it('mean imputation and no scaling', () => {
    const p = new Preprocessor({ numericImpute: 'mean', scale: 'none' }).fit(table);
    expect(p.transform(table).data[6]).toBeCloseTo(13 / 3, 12);
  });

  it('most-frequent numeric imputation', () => {
    const t = { columns: [numericColumn('a', [3, 1, 3, NaN, 1, 1])], nRows: 6 };
    expect(new Preprocessor({ numericImpute: 'most-frequent', scale: 'none' }).fit(t).transform(t).data[3]).toBe(1);
  });

  it('an unknown category at predict time is an all-zero block; columns are found by name', () => {
    const p = new Preprocessor().fit(table);
    const x = p.transform([{ c: 'never-seen', a: 2 }]);
    expect(Array.from(x.data.subarray(1))).toEqual([0, 0]);
    expect(() => p.transform([{ a: 1 }])).toThrow(/must have column "c", got columns "a"/);
  });

  it('fits on the training rows only', () => {
    const p = new Preprocessor({ numericImpute: 'mean', scale: 'none' }).fit({ columns: [numericColumn('a', [0, 2])], nRows: 2 });
    expect(p.transform({ columns: [numericColumn('a', [NaN, 100])], nRows: 2 }).data[0]).toBe(1);
  });

  it('JSON round trip', () => {
    const p = new Preprocessor().fit(table);
    const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(Array.from(back.transform(table).data)).toEqual(Array.from(p.transform(table).data));
  });
});
