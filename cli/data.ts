// Data from the command line: built-in sets (mnist, iris, penguins, cars), IDX image/label files, CSV/TSV and ARFF tables.
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { ArgumentError, FormatError } from '../core/errors.js';
import { MNIST_NORMALIZATION, loadIdxImages, loadMnist, type Normalization } from '../core/data/mnist.js';
import { imageDataset, TensorDataset } from '../core/data/dataset.js';
import { recordedNormalization } from '../core/io/model-file.js';
import { type Table } from '../core/data/csv.js';
import { TABLE_EXTENSIONS, readTable } from '../core/data/read-table.js';
import * as datasets from '../core/data/datasets.js';
import { UsageError } from './args.js';
import { Tensor } from '../core/tensor.js';
import { Preprocessor } from '../search/automl/preprocess.js';
import { encodeTarget } from '../search/automl/pipeline.js';

export const BUILTIN_TABLES = ['iris', 'penguins', 'cars'] as const;
/** The column each built-in table is known for predicting (core/data/datasets.ts's defaults). */
export const BUILTIN_TARGETS: Record<(typeof BUILTIN_TABLES)[number], string> = { iris: 'species', penguins: 'Species', cars: 'Origin' };

/**
 * The --target a table command works on: the one given, else a built-in table's own label (said in a line, since
 * the user did not name it), else a usage error. `--data iris` alone had been refused for want of `--target species`.
 */
export function targetOf(given: string | undefined, data: string, command: string, log: (s: string) => void): string {
  if (given !== undefined) return given;
  // own keys only: a file named 'constructor' is not a built-in table with Object's constructor for a label
  const builtin = Object.hasOwn(BUILTIN_TARGETS, data) ? BUILTIN_TARGETS[data as (typeof BUILTIN_TABLES)[number]] : undefined;
  if (builtin === undefined) throw new UsageError(`${command}: --target is required: name the column to predict`);
  log(`target: ${builtin}, the ${data} table's label (--target to choose another column)`);
  return builtin;
}

export function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new ArgumentError(`${what}: file not found: ${path}`);
  if (!statSync(path).isFile()) throw new ArgumentError(`${what}: not a file: ${path}`);
  return path;
}

/**
 * A table file or built-in table for a command, checking `target` names one of its columns. `categorical`: columns a
 * saved model reads as categories, read so where the file has them (predict: codes 01, 02 stay text).
 */
export function loadTable(source: string, target: string | undefined, command: string, opts: { categorical?: readonly string[] } = {}): Table {
  let table: Table;
  if ((BUILTIN_TABLES as readonly string[]).includes(source)) {
    table = datasets[source as (typeof BUILTIN_TABLES)[number]]({ target: null });
  } else {
    requireFile(source, command);
    if (!isTableSource(source)) throw new UsageError(`${command}: --data must be a .csv, .tsv, .arff or .json file or one of ${BUILTIN_TABLES.join(', ')}, got ${source}`);
    table = readTable(source, { categoricalIfPresent: opts.categorical });
  }
  if (target !== undefined && !table.columns.some((c) => c.name === target)) {
    // 'species' for 'Species' (or a stray space) is the usual slip: say which column was meant
    const fold = (s: string) => s.trim().toLowerCase();
    const near = table.columns.find((c) => fold(c.name) === fold(target));
    const hint = near ? ` (did you mean ${JSON.stringify(near.name)}?)` : '';
    throw new ArgumentError(`${command}: --target must name a column of ${source}, got ${JSON.stringify(target)}${hint}; columns: ${table.columns.map((c) => c.name).join(', ')}`);
  }
  return table;
}

export interface ImageSource {
  data?: string; images?: string; labels?: string; limit?: number; split?: 'train' | 'test';
  /** How the pixels are normalized: default MNIST's (what train trains on); predict and compress pass the model's. */
  normalize?: Normalization;
}

/**
 * Images as a dataset: `mnist` (the bundled MNIST, train or test split) or user IDX files. The user's files are
 * checked here for what a model needs, naming the file: an empty one had failed later as `full: dimensions must be
 * non-negative integers, got [16,NaN]`. Labels are checked against a model's outputs by checkLabels.
 */
export function loadImages(o: ImageSource, command: string): TensorDataset {
  const normalize = o.normalize ?? MNIST_NORMALIZATION;
  if (o.images || o.labels) {
    if (!o.images || !o.labels) throw new UsageError(`${command}: --images and --labels go together`);
    const set = loadIdxImages(requireFile(o.images, command), requireFile(o.labels, command), { limit: o.limit, normalize });
    if (set.n === 0) throw new FormatError(`holds 0 images; ${command} needs at least one`, o.images, 'byte 4');
    return imageDataset(set);
  }
  if (o.data === undefined || o.data === 'mnist') return imageDataset(loadMnist({ split: o.split ?? 'train', limit: o.limit, normalize }));
  throw new UsageError(`${command}: image data is --data mnist or --images FILE --labels FILE, got --data ${o.data}`);
}

/**
 * Every label must be one of the `classes` outputs `model` gives (a spec file, `--model lenet5`, a model file): a
 * label past them had failed inside the loss as `oneHot: labels must be integers in [0,4], got 5 at 0`, naming
 * neither the labels nor the model. `labels`: the IDX file they came from (undefined: MNIST's own); `hint` what to do.
 */
export function checkLabels(y: Tensor, classes: number, labels: string | undefined, model: string, command: string, hint?: string): void {
  const bad = y.data.findIndex((v) => v >= classes);
  if (bad < 0) return;
  const what = `label ${y.data[bad]} at item ${bad} is not one of the ${classes} ${classes === 1 ? 'class' : 'classes'} of ${model} (0 to ${classes - 1})${hint ? `; ${hint}` : ''}`;
  // a 1-dimensional uint8 IDX file: 8 header bytes, then one byte per label
  if (labels !== undefined) throw new FormatError(what, labels, `byte ${8 + bad}`);
  throw new ArgumentError(`${command}: MNIST's ${what}`);
}

/**
 * The pixel normalization to read images with for a model file: the one it records (train and nas write it), else
 * MNIST's, which whittle's commands have always trained on (as mnistDataset and the PyTorch MNIST examples do),
 * with a `note` that says so: a model trained on loadIdxImages' default pixels in [0,1] must record that
 * (imageMetadata) to be read as it was trained.
 */
export function modelNormalization(metadata: Record<string, string>, file: string, command: string): { normalize: Normalization; note?: string } {
  const recorded = recordedNormalization(metadata, file);
  if (recorded) return { normalize: recorded };
  const { mean, std } = MNIST_NORMALIZATION;
  return {
    normalize: { mean, std },
    note: `${command}: ${file} does not record how its pixels were normalized ("normalize" metadata); reading them with MNIST's mean ${mean} and std ${std}, as whittle train does (a model trained on pixels in [0,1] records that with saveModelWithSpec(path, model, imageMetadata({ normalize: false })))`,
  };
}

export function isTableSource(data: string | undefined): boolean {
  if (data === undefined) return false;
  return (BUILTIN_TABLES as readonly string[]).includes(data) || (TABLE_EXTENSIONS as readonly string[]).includes(extname(data).toLowerCase());
}

/**
 * A table as a network's dataset: features preprocessed (imputed, standardized, one-hot; fitted here unless a
 * fitted Preprocessor is given), rows without a target dropped, the target as class indices.
 */
export function tableDataset(table: Table, target: string, fitted?: { pre: Preprocessor; classes: string[] }, command = 'train'): { ds: TensorDataset; pre: Preprocessor; classes: string[] } {
  // a fitted model's classes fix the task; otherwise the target decides, and a number is refused: a class per
  // distinct value would train, and be useless, so say what does fit a number
  const enc = encodeTarget(table, target, fitted ? 'classification' : 'auto', fitted?.classes);
  if (enc.task === 'regression') {
    throw new ArgumentError(`${command}: target ${JSON.stringify(target)} holds numbers (${new Set(enc.y).size} distinct values) and ${command} fits classifiers; for a number to predict use whittle automl --target ${JSON.stringify(target)} (regression)`);
  }
  const features = { columns: table.columns.filter((c) => c.name !== target), nRows: table.nRows };
  const pre = fitted?.pre ?? new Preprocessor();
  const x = fitted ? pre.transform(features) : pre.fitTransform(features);
  const xs = new Float32Array(enc.rows.length * x.cols);
  enc.rows.forEach((r, i) => xs.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  const ds = new TensorDataset(new Tensor(xs, [enc.rows.length, x.cols]), new Tensor(Int32Array.from(enc.y as Int32Array), [enc.rows.length], 'int32'));
  return { ds, pre, classes: enc.classes };
}

/**
 * A table (a file or a built-in one) read for a network to learn (train, nas): its dataset and classes, the column
 * notes and the rows left out said through `log`, and the metadata a saved model keeps so that predict and compress
 * read raw rows as training did.
 */
export function tableForNetwork(source: string, given: string | undefined, command: string, log: (s: string) => void): { ds: TensorDataset; classes: string[]; meta: Record<string, string> } {
  const target = targetOf(given, source, command, log);
  const table = loadTable(source, target, command);
  const t = tableDataset(table, target, undefined, command);
  for (const note of t.pre.notes) log(`column ${note}`);
  // rows with no target (empty, blank) are left out: said, as automl says it
  if (t.ds.length < table.nRows) log(`${table.nRows - t.ds.length} of the ${table.nRows} rows have no ${target} and are left out`);
  return { ds: t.ds, classes: t.classes, meta: { input: 'table', target, classes: JSON.stringify(t.classes), preprocess: JSON.stringify(t.pre.toJSON()) } };
}
