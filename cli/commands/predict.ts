// whittle predict: runs any saved model (safetensors network), AutoML pipeline or rule list on new rows or images.
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type CommandSpec, type Parsed, num, str, bool, UsageError } from '../args.js';
import { checkLabels, loadImages, loadTable, modelNormalization, requireFile } from '../data.js';
import { FormatError } from '../../core/errors.js';
import { checkImageInput, imageOutputs, loadModel, loadTensors } from '../../core/io/model-file.js';
import { loadIdxPixels } from '../../core/data/mnist.js';
import { imageTensor } from '../../core/data/dataset.js';
import { predict as predictNet } from '../../core/train.js';
import { argmax, softmax } from '../../core/ops.js';
import { Tensor } from '../../core/tensor.js';
import type { Module } from '../../core/nn/module.js';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { fileHead } from '../../core/io/json-file.js';
import { Preprocessor } from '../../search/automl/preprocess.js';
import { type Label, asGaps, loadPipeline, nonFiniteRows } from '../../search/automl/pipeline.js';
import type { Matrix } from '../../search/automl/matrix.js';
import { r2, rmse } from '../../search/automl/metrics.js';
import { fmtNumber } from '../report/svg.js';
import { parseRules } from '../../search/rules/json.js';
import { type Table, quoteField } from '../../core/data/csv.js';

export const predictSpec: CommandSpec = {
  name: 'predict',
  summary: 'run a saved model, AutoML pipeline or rule list on new rows or images',
  usage: 'whittle predict MODEL_FILE [--data FILE.csv|mnist] [--images F --labels F] [--out predictions.csv]',
  positionals: 1,
  options: {
    data: { type: 'string', path: 'input', help: 'rows to predict (CSV/TSV/ARFF/JSON records or a built-in table), or mnist for images' },
    images: { type: 'string', path: 'input', help: 'IDX images file' },
    labels: { type: 'string', path: 'input', help: 'IDX labels file (optional: with it predict reports accuracy)' },
    split: { type: 'string', help: 'MNIST split with --data mnist', choices: ['train', 'test'], default: 'test' },
    limit: { type: 'number', integer: true, min: 1, help: 'predict only the first N images' },
    out: { type: 'string', path: 'output', help: 'write predictions as CSV here instead of stdout' },
    explain: { type: 'boolean', help: 'for rule lists: say which rule fired for each row', default: false },
    proba: { type: 'boolean', help: 'for classifiers: add a column p(CLASS) per class with its probability', default: false },
  },
  examples: ['whittle predict model.safetensors --data mnist --limit 100', 'whittle predict pipeline.json --data new-rows.csv --proba', 'whittle predict rules.json --data rows.csv --explain'],
};

// a pipeline predicts its target's type (Label: numbers, booleans or text); each prints as the text it was read from
interface Predictions { header: string[]; rows: Label[][]; truth?: (string | number | null)[]; truthColumn?: string; predicted: Label[]; regression?: boolean }

/** With --proba, a column p(CLASS) per class after the others; `proba(i)` is row i's probabilities in `classes` order. */
function addProba(p: Parsed, res: Predictions, classes: readonly (string | number)[], proba: (i: number) => ArrayLike<number>): Predictions {
  if (!bool(p, 'proba')) return res;
  res.header.push(...classes.map((c) => `p(${c})`));
  res.rows.forEach((r, i) => r.push(...Array.from(proba(i), (v) => +v.toFixed(6))));
  return res;
}

/** What kind of whittle file this is, decided from its content (never from its name alone). */
export function detectKind(path: string, peekAbove = 64 * 2 ** 20): 'network' | 'quantized' | 'sparse' | 'pipeline' | 'rules' {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    // a pipeline too big to read whole twice (a forest on 200k rows: hundreds of MB) is told by its first key, as
    // Pipeline and EnsemblePipeline write it; loadPipeline then reads it once and checks all of it
    if (statSync(path).size > peekAbove && /^\s*\{\s*"kind"\s*:\s*"(pipeline|ensemble)"/.test(fileHead(path, 256))) return 'pipeline';
    let json: unknown;
    try { json = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new FormatError(`not valid JSON: ${(e as Error).message}`, path); }
    const o = (json ?? {}) as Record<string, unknown>;
    if (o.format === 'whittle-rules') return 'rules';
    if (o.kind === 'pipeline' || o.kind === 'ensemble') return 'pipeline';
    throw new FormatError('not a whittle pipeline or rules file (expected "kind": "pipeline"|"ensemble" or "format": "whittle-rules")', path, '$');
  }
  const { metadata } = loadTensors(path);
  if (metadata.format === 'whittle-model') return 'network';
  if (metadata.format?.startsWith('whittle-quantized')) return 'quantized';
  // whittle compress's pruned files (float, or int8 + Huffman): decoded to the model they hold
  if (metadata.format === 'whittle-sparse') return 'sparse';
  throw new FormatError(`not a whittle model: __metadata__.format is ${JSON.stringify(metadata.format ?? null)}`, path, '__metadata__');
}

/**
 * The rows to predict, with the columns the model read as categories (`categorical`) read so here too: a file of
 * new rows whose codes are all numbers (01, 02; 0.50, 2.00) had been read as the numbers 1, 2 (0.5, 2), which
 * matched no category, and a row's prediction had depended on the other rows in the file.
 */
function tableRows(p: Parsed, command: string, categorical: readonly string[] = []): Table {
  const data = str(p, 'data');
  if (!data) throw new UsageError(`${command}: this model predicts table rows: give --data FILE.csv`);
  return loadTable(data, undefined, command, { categorical });
}

/**
 * Whether class labels must be read as text to compare with the file's target column: some label is not a number
 * as String writes it ('01', '2.00', 'yes'). Labels from a numeric column ('1', '2.5') are read as numbers, so a
 * file's 1.0 still matches the class 1.
 */
function textClasses(classes: readonly string[]): boolean {
  return classes.some((c) => c.trim() === '' || String(Number(c)) !== c);
}

/**
 * A network computes in float32: a cell past 3.4e38 after preprocessing (1e300 in a column) is Infinity there, and
 * the row's outputs NaN, which had printed as the first class with NaN probabilities. Such rows are refused, named
 * with the file and the largest input of the first (as Pipeline.predict refuses them for AutoML pipelines).
 */
function refuseNonFinite(logits: Tensor, x: Matrix, names: readonly string[], file: string): void {
  const which = nonFiniteRows(logits.data, logits.shape[1] ?? 1, x, names);
  if (which) throw new FormatError(`every row must be one the network can compute (it works in float32, up to 3.4e38), got no finite output for ${which}`, file);
}

function columnValues(t: Table, name: string): (string | number | null)[] | undefined {
  const c = t.columns.find((col) => col.name === name);
  if (!c) return undefined;
  return c.kind === 'numeric' ? Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) : c.values;
}

function runNetwork(model: Module, metadata: Record<string, string>, p: Parsed, log: (s: string) => void): Predictions {
  if (metadata.input === 'table') {
    const classes = JSON.parse(metadata.classes) as string[];
    const pre = Preprocessor.fromJSON(JSON.parse(metadata.preprocess));
    const table = tableRows(p, 'predict', [...pre.columns.filter((c) => c.kind !== 'numeric').map((c) => c.name), ...(textClasses(classes) ? [metadata.target] : [])]);
    for (const line of pre.unreadable(table)) log(`predict: ${line}`);
    const x = pre.transform({ columns: table.columns.filter((c) => c.name !== metadata.target), nRows: table.nRows });
    const logits = predictNet(model, new Tensor(Float32Array.from(x.data), [x.rows, x.cols]));
    refuseNonFinite(logits, x, pre.featureNames, str(p, 'data')!);
    const probs = softmax(logits);
    const pred = Array.from(argmax(logits, -1).data, (k) => classes[k]);
    const row = (i: number) => probs.data.subarray(i * classes.length, (i + 1) * classes.length);
    const res = { header: ['row', 'prediction', 'confidence'], rows: pred.map((c, i) => [i, c, +Math.max(...row(i)).toFixed(4)]), predicted: pred, truth: columnValues(table, metadata.target) };
    return addProba(p, res, classes, row);
  }
  // the pixels as the model was trained on them: recorded in the file, else MNIST's (said)
  const file = p.positionals[0]!;
  const { normalize, note } = modelNormalization(metadata, file, 'predict');
  // images nobody labelled yet: predictions only
  const unlabelled = str(p, 'images') !== undefined && str(p, 'labels') === undefined;
  const ds = unlabelled
    ? { x: imageTensor(loadIdxPixels(requireFile(str(p, 'images')!, 'predict'), { limit: num(p, 'limit'), normalize })), y: undefined }
    : loadImages({ data: str(p, 'data') ?? 'mnist', images: str(p, 'images'), labels: str(p, 'labels'), limit: num(p, 'limit'), split: (str(p, 'split') as 'train' | 'test') ?? 'test', normalize }, 'predict');
  const source = str(p, 'images') ?? 'MNIST';
  checkImageInput(model, metadata, ds.x.shape.slice(1), source);
  // an images file with no images (its header says 0): said, as train's loader says it, not a NaN-shaped op error
  if (ds.x.shape[0] === 0) throw new FormatError('holds 0 images; predict needs at least one', source, 'byte 4');
  const classes = imageOutputs(model, ds.x, source, file);
  if (ds.y) checkLabels(ds.y, classes, str(p, 'labels'), `the model ${file}`, 'predict');
  if (note) log(note);
  const logits = predictNet(model, ds.x);
  const pred = Array.from(argmax(logits, -1).data);
  const k = logits.shape[logits.shape.length - 1];
  const probs = bool(p, 'proba') ? softmax(logits).data : new Float32Array(0);
  return addProba(p, { header: ['row', 'prediction'], rows: pred.map((c, i) => [i, c]), predicted: pred, truth: ds.y ? Array.from(ds.y.data) : undefined }, Array.from({ length: k }, (_, c) => c), (i) => probs.subarray(i * k, (i + 1) * k));
}

export async function runPredict(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<void> {
  const file = p.positionals[0];
  if (!file) throw new UsageError('predict: give the model file: whittle predict MODEL_FILE --data ...');
  requireFile(file, 'predict');
  const kind = detectKind(file);
  // --explain says which rule fired: a network or a pipeline has no rules to name, and it used to be ignored
  if (bool(p, 'explain') && kind !== 'rules') throw new UsageError(`predict: --explain works with rule lists (whittle rules); ${file} is ${kind === 'pipeline' ? 'an AutoML pipeline' : 'a network'}`);
  let res: Predictions;
  if (kind === 'network') {
    const { model, metadata } = loadModel(file);
    res = runNetwork(model, metadata, p, log);
  } else if (kind === 'quantized') {
    const { loadQuantizedModel } = await import('../../compress/quantize.js');
    const { metadata } = loadTensors(file);
    res = runNetwork(loadQuantizedModel(file), metadata, p, log);
  } else if (kind === 'sparse') {
    const { loadSparseNetwork } = await import('../../compress/sparse-format.js');
    const { model, metadata } = loadSparseNetwork(file);
    res = runNetwork(model, metadata, p, log);
  } else if (kind === 'pipeline') {
    const pipe = loadPipeline(file);
    const members = pipe.kind === 'ensemble' ? pipe.members : [pipe];
    const categorical = members.flatMap((m) => m.preprocessor.columns.filter((c) => c.kind !== 'numeric').map((c) => c.name));
    // the target read as the pipeline returns its classes, so that the accuracy line compares like with like
    if (pipe.task === 'classification' && members[0].labels === 'string') categorical.push(pipe.target);
    const table = tableRows(p, 'predict', [...new Set(categorical)]);
    // the command says what it cannot read, line by line, and predicts with those cells as gaps; the library
    // refuses them unless told so
    for (const line of pipe.unreadable(table)) log(`predict: ${line}`);
    let pred: Label[];
    try {
      pred = pipe.predict(table, asGaps);
    } catch (e) {
      // the columns the pipeline reads that the file lacks, named for the file (the library's message names its
      // own method: 'Pipeline.predict: input must have column "b"')
      const has = new Set(table.columns.map((c) => c.name));
      const read = (pipe.kind === 'ensemble' ? pipe.members : [pipe]).flatMap((m) => m.preprocessor.columns.map((c) => c.name));
      const lacking = [...new Set(read)].filter((name) => !has.has(name));
      if (lacking.length === 0) throw e;
      throw new FormatError(`the model (${file}) reads ${lacking.length === 1 ? 'column' : 'columns'} ${lacking.map((c) => JSON.stringify(c)).join(', ')}, which this file lacks; its columns: ${[...has].map((c) => JSON.stringify(c)).join(', ')}`, str(p, 'data'));
    }
    res = { header: ['row', 'prediction'], rows: pred.map((c, i) => [i, c]), predicted: pred, truth: columnValues(table, pipe.target), truthColumn: pipe.target, regression: pipe.task === 'regression' };
    if (bool(p, 'proba')) {
      if (pipe.task === 'regression') throw new UsageError(`predict: --proba needs a classifier; ${file} predicts numbers (${pipe.target})`);
      const proba = pipe.predictProba(table, asGaps);
      res = addProba(p, res, pipe.classes, (i) => proba.data.subarray(i * proba.cols, (i + 1) * proba.cols));
    }
  } else {
    const rules = parseRules(readFileSync(file, 'utf8'), file);
    const table = tableRows(p, 'predict', [...rules.features.filter((f) => f.kind === 'categorical').map((f) => f.name), ...(textClasses(rules.classes) ? [rules.target] : [])]);
    const lacking = rules.readColumns().filter((names) => !names.some((n) => table.columns.some((c) => c.name === n)));
    if (lacking.length > 0) {
      const has = table.columns.map((c) => JSON.stringify(c.name)).join(', ');
      throw new FormatError(`the rules (${file}) read ${lacking.length === 1 ? 'column' : 'columns'} ${lacking.map((names) => names.map((n) => JSON.stringify(n)).join(' or ')).join(', ')}, which this file lacks; its columns: ${has}`, str(p, 'data'));
    }
    for (const line of rules.unreadable(table)) log(`predict: ${line}`);
    const pred = rules.predict(table);
    const rows: (string | number)[][] = pred.map((c, i) => [i, c]);
    if (bool(p, 'explain')) rows.forEach((r, i) => r.push(rules.explain(table, i).text));
    res = { header: ['row', 'prediction', ...(bool(p, 'explain') ? ['why'] : [])], rows, predicted: pred, truth: columnValues(table, rules.target) };
    if (bool(p, 'proba')) {
      const proba = rules.predictProba(table);
      res = addProba(p, res, rules.classes, (i) => proba[i]);
    }
  }
  // class names and explanations are the user's words: one with a comma or a quote is quoted as CSV quotes
  const field = (v: Label) => (typeof v === 'string' ? quoteField(v) : String(v));
  const csv = [res.header.map(field).join(','), ...res.rows.map((r) => r.map(field).join(','))].join('\n') + '\n';
  if (res.rows.length === 0) log(`predict: ${str(p, 'data') ?? 'the input'} has no rows to predict`);
  const dest = str(p, 'out');
  if (dest) {
    writeFileAtomic(resolve(dest), csv);
    log(`wrote ${res.rows.length} predictions to ${dest}`);
  } else out(csv);
  if (res.truth && res.regression) {
    // a number to predict: how far off, not how often exactly right
    // a target column with a word in it is read as text, its numbers as strings: those count, the words are said,
    // rather than no metrics at all
    const rows = res.truth.flatMap((t, i) => ((typeof t === 'number' && Number.isFinite(t)) || (typeof t === 'string' && t.trim() !== '' && !Number.isNaN(Number(t))) ? [i] : []));
    const words = res.truth.filter((t) => typeof t === 'string' && Number.isNaN(Number(t)));
    if (words.length > 0) log(`predict: the ${JSON.stringify(res.truthColumn ?? 'target')} column has ${words.length} ${words.length === 1 ? 'value' : 'values'} that ${words.length === 1 ? 'is' : 'are'} not a number (${JSON.stringify(words[0])}); ${words.length === res.truth.length ? 'no metrics' : 'metrics on the rows that are'}`);
    if (rows.length > 0) {
      const yTrue = rows.map((i) => Number(res.truth![i]));
      const yPred = rows.map((i) => Number(res.predicted[i]));
      log(`RMSE ${fmtNumber(rmse(yTrue, yPred))}, R2 ${r2(yTrue, yPred).toFixed(4)} on ${rows.length} labelled rows`);
    }
  } else if (res.truth && res.truth.some((t) => t !== null && t !== undefined)) {
    let ok = 0, n = 0;
    res.truth.forEach((t, i) => { if (t === null || t === undefined) return; n++; if (String(t) === String(res.predicted[i])) ok++; });
    log(`accuracy ${(100 * ok / n).toFixed(2)}% on ${n} labelled rows`);
  }
}
