// The cross-validation folds AutoML scores on, written out as plain numbers: the encoded target, the test rows of
// each fold (stratifiedKFold / kFold with the same seed as automl()), and each fold's feature matrices after the
// default preprocessing fitted on that fold's training rows. Another implementation (bench/reference/
// sklearn_reference.py) fits its learners on exactly these matrices, so a difference in accuracy is the learner's.
import type { Table } from './frame.js';
import { subsetTable } from './frame.js';
import { complement, kFold, stratifiedKFold } from './cv.js';
import { encodeTarget } from './pipeline.js';
import { type PreprocessConfig, Preprocessor } from './preprocess.js';
import type { Task } from './learner.js';

export interface ExportedFold {
  /** Indices into `y` (rows that have a target), sorted; the training rows are all the others. */
  test: number[];
  /** Column names of the encoded matrices (a category absent from the training rows has no column). */
  featureNames: string[];
  xTrain: number[][];
  xTest: number[][];
}

export interface ExportedFolds {
  target: string;
  task: Task;
  classes: string[];
  /** Rows of the table that have a target; `y[i]` belongs to table row `rows[i]`. */
  rows: number[];
  /** Class indices into `classes` (classification) or values. */
  y: number[];
  k: number;
  seed: number;
  preprocess: PreprocessConfig;
  folds: ExportedFold[];
}

function rowsOf(data: Float64Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)));
}

/** The k folds automl({ data: table, target, folds: k, seed }) uses, with each fold's preprocessed matrices. */
export function exportFolds(table: Table, target: string, opts: { k?: number; seed?: number; preprocess?: Partial<PreprocessConfig> } = {}): ExportedFolds {
  const k = opts.k ?? 5;
  const seed = opts.seed ?? 0;
  const enc = encodeTarget(table, target);
  const withTarget = enc.rows.length === table.nRows ? table : subsetTable(table, enc.rows);
  const features: Table = { columns: withTarget.columns.filter((c) => c.name !== target), nRows: withTarget.nRows };
  const n = features.nRows;
  const tests = enc.task === 'classification' ? stratifiedKFold(enc.y, k, seed) : kFold(n, k, seed);
  const preprocess = new Preprocessor(opts.preprocess).config;
  const folds = tests.map((test): ExportedFold => {
    const train = subsetTable(features, complement(n, test));
    const pre = new Preprocessor(preprocess);
    const xTrain = pre.fitTransform(train);
    const xTest = pre.transform(subsetTable(features, test));
    return { test: Array.from(test), featureNames: pre.featureNames, xTrain: rowsOf(xTrain.data, xTrain.rows, xTrain.cols), xTest: rowsOf(xTest.data, xTest.rows, xTest.cols) };
  });
  return { target, task: enc.task, classes: enc.classes, rows: Array.from(enc.rows), y: Array.from(enc.y), k, seed, preprocess, folds };
}
