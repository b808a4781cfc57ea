// Pipeline = preprocessing + one learner, fitted on raw table rows: label-encodes the target, imputes, scales and
// one-hot encodes the features (fitted on the training rows only), then fits the learner. It predicts class labels
// (or values) for new raw rows and saves to / loads from JSON.
import { ArgumentError, FormatError, WhittleError } from '../../core/errors.js';
import { readJSONFile, writeJSONFile } from '../../core/io/json-file.js';
import { isMissing } from '../../core/data/json.js';
import { type Frame, type RawRow, type Table, categoricalValues, columnNames, findColumn, isTable, numericValues, subsetTable, tableFromRecords, toNumber, valuesAre } from './frame.js';
import { type Learner, type LearnerJSON, type Task, learnerFromJSON } from './learner.js';
import { type LearnerName, type LearnerParams, createLearner, learnerNames, supportsRegression } from './learners.js';
import { checkWeights, temper } from './ensemble.js';
import { JsonFields, describeJSON } from './json-fields.js';
import { type Matrix, type Target, argmaxRows, matrix } from './matrix.js';
import { type PreprocessConfig, Preprocessor, type PreprocessorJSON, type UnreadableCells, numbersAsTextHint } from './preprocess.js';

export interface PipelineSpec {
  learner: LearnerName;
  params?: LearnerParams;
  preprocess?: Partial<PreprocessConfig>;
  seed?: number;
}

/**
 * What predict returns a class as: the type the target's values had, as scikit-learn returns them. 'number' where
 * records' present target values are all numbers, or a Table's target column is numeric (a CSV's or JSON file's
 * numbers that encodeTarget classifies: at most 10 distinct integers, or task 'classification'); 'boolean' where
 * records' values are all true and false, or a JSON records file's were (the column's `booleans`); else 'string' (a
 * CSV's true/false are text, and predictions then match the table's own values). `classes` are strings whatever this
 * is (String of each value); predict maps them back.
 */
export type LabelType = 'string' | 'number' | 'boolean';

/** What predict returns per row: a class label (a string, number or boolean: LabelType) or a regression value. */
export type Label = string | number | boolean;

/** The target of a table as learner input: class indices into `classes`, or values; rows with no target are left out. */
export interface EncodedTarget {
  task: Task;
  y: Target;
  classes: string[];
  /** Rows of the table that have a target value. */
  rows: Int32Array;
}

/**
 * Options of predict and predictProba. `unreadable`: what to do with a cell the pipeline cannot read as given (text
 * in a column of numbers, an infinite number, a non-date in a date column): 'error' (the default) refuses the rows
 * with an ArgumentError naming the column, how many cells and the first few rows; 'missing' reads them as gaps and
 * fills them as training did (what `unreadable(data)` lists; whittle predict prints those lines and goes on). A
 * category not seen in training is not refused either way: it is read as none of its categories (or as the shared
 * column for rare levels), as sklearn's OneHotEncoder(handle_unknown='ignore') reads it; unreadable() names it.
 */
export interface PredictOptions {
  unreadable?: 'error' | 'missing';
}

/**
 * The records' target type: 'number' where every present value (isMissing: a gap is no row) is a finite number,
 * 'boolean' where every one is true or false, one being present either way; else 'string' (text, numbers written as
 * text, a mix).
 */
function recordsLabelType(records: readonly RawRow[], target: string): LabelType {
  let type: LabelType | undefined;
  for (const r of records) {
    const v = Object.hasOwn(r, target) ? r[target] : undefined;
    if (isMissing(v)) continue;
    const t = typeof v === 'boolean' ? 'boolean' : typeof v === 'number' && Number.isFinite(v) ? 'number' : 'string';
    if (t === 'string' || (type !== undefined && t !== type)) return 'string';
    type = t;
  }
  return type ?? 'string';
}

/**
 * The label type of `data`'s target (LabelType): records' own values, or a Table column's kind (a numeric column, or
 * JSON records' booleans). Where no target column exists it is 'string'; encodeTarget refuses that table anyway.
 */
export function labelType(data: Frame, target: string): LabelType {
  if (!isTable(data)) return recordsLabelType(data, target);
  const col = findColumn(data, target);
  return col?.kind === 'numeric' ? 'number' : col?.kind === 'categorical' && col.booleans ? 'boolean' : 'string';
}

/** Whether class `c` is a finite number as String(number) writes it: what Number(c) turns back into that number alone. */
function isNumberClass(c: string): boolean {
  const n = Number(c);
  return Number.isFinite(n) && String(n) === c;
}

/** What predict returns for predictEncoded's `p`: numbers for regression, else `classes` as their LabelType. */
function decodePredictions(p: Target, task: Task, classes: readonly string[], labels: LabelType): Label[] {
  if (task !== 'classification') return Array.from(p);
  const decoded: readonly Label[] = labels === 'boolean' ? classes.map((c) => c === 'true') : labels === 'number' ? classes.map(Number) : classes;
  return Array.from(p, (i) => decoded[i]);
}

/**
 * Refuses `data` when a predictor reads any of its cells as missing (PredictOptions.unreadable 'error'): an
 * ArgumentError naming each column (the first 3), how many of its cells, and the first few rows (0-based).
 */
function refuseUnreadable(op: string, cells: UnreadableCells[]): void {
  const missing = cells.filter((u) => u.missing);
  if (missing.length === 0) return;
  // an ensemble's members may read one column differently (dates): its lines are shown, but it counts once
  const columns = [...new Set(missing.map((u) => u.column))];
  const shown = new Set(columns.slice(0, 3));
  const lines = [...new Set(missing.filter((u) => shown.has(u.column)).map((u) => `column ${JSON.stringify(u.column)}: ${valuesAre(u.rows, u.what, u.show)}`))];
  const more = columns.length > 3 ? `; and ${columns.length - 3} more ${columns.length - 3 === 1 ? 'column' : 'columns'}` : '';
  throw new ArgumentError(`${op}: every cell must be readable (or pass { unreadable: 'missing' } to read such cells as missing values), got ${lines.join('; ')}${more}`);
}

/**
 * Refuses rows the learner gave no finite output for: a row far outside what it was fitted on (1e300 in a column)
 * can overflow its arithmetic (an MLP computes in float32, a linear model's sum of products), and a NaN probability
 * row had become the first class, a NaN regression value a blank in the CSV.
 */
function refuseNonFinite(op: string, learner: string, values: Float64Array, perRow: number, x: Matrix, featureNames: readonly string[]): void {
  const which = nonFiniteRows(values, perRow, x, featureNames);
  if (which) throw new ArgumentError(`${op}: every row must be one the ${learner} learner can compute (values within the range of its arithmetic), got no finite ${perRow === 1 ? 'prediction' : 'probabilities'} for ${which}`);
}

/**
 * The rows of `x` (the preprocessed inputs) whose outputs (`perRow` a row) are not all finite, said for a message:
 * 'rows 0, 1 of 3; row 0's largest input after preprocessing is "Beak Depth (mm)" = -5.07e+299'; null when every
 * output is finite. `whittle predict` says the same of a network's outputs.
 */
export function nonFiniteRows(values: ArrayLike<number>, perRow: number, x: Matrix, featureNames: readonly string[]): string | null {
  const bad: number[] = [];
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < perRow; c++) {
      if (!Number.isFinite(values[r * perRow + c])) {
        bad.push(r);
        break;
      }
    }
  }
  if (bad.length === 0) return null;
  const r = bad[0];
  let j = 0;
  for (let c = 1; c < x.cols; c++) if (Math.abs(x.data[r * x.cols + c]) > Math.abs(x.data[r * x.cols + j])) j = c;
  const rows = bad.length === 1 ? `row ${r}` : `rows ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}`;
  const largest = x.cols > 0 ? `; row ${r}'s largest input after preprocessing is ${JSON.stringify(featureNames[j] ?? `feature ${j}`)} = ${x.data[r * x.cols + j]}` : '';
  return `${rows} of ${x.rows}${largest}`;
}

function checkPredictOptions(op: string, opts: PredictOptions): boolean {
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const u = opts.unreadable;
  if (u !== undefined && u !== 'error' && u !== 'missing') throw new ArgumentError(`${op}: unreadable must be 'error' or 'missing', got ${JSON.stringify(u)}`);
  return u !== 'missing';
}

/**
 * Finds and encodes the target. `task` 'auto': a categorical target, or a numeric one with at most 10 distinct
 * integer values, is classification; any other numeric target is regression. A target without any value, one with
 * an infinite number ('inf', '1e400') and a regression target with one distinct value are ArgumentErrors: each would
 * otherwise surface as a NaN score or a perfect one (R² of a constant is 0/0). An infinite target is refused, not
 * dropped as a gap: unlike a feature it cannot be imputed, and a row silently left out is not what the user wrote.
 * Rows in messages count from 0, as predict prints them.
 */
export function encodeTarget(table: Table, target: string, task: Task | 'auto' = 'auto', classes?: string[], op = 'automl'): EncodedTarget {
  const names = columnNames(table);
  if (!names.includes(target)) throw new ArgumentError(`${op}: target must be one of the columns ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(target)}`);
  const col = findColumn(table, target)!;
  const n = col.values.length;
  if (col.kind === 'numeric' ? col.values.every((v) => Number.isNaN(v)) : col.values.every((v) => v === null)) {
    throw new ArgumentError(`${op}: target ${JSON.stringify(target)} must have values, got none: ${n === 0 ? 'the table has no rows' : n === 1 ? 'its one row is missing' : `all ${n} rows are missing`}`);
  }
  if (col.kind === 'numeric') checkFinite(op, target, col.values);
  if (task === 'auto') {
    if (col.kind === 'categorical') task = 'classification';
    else {
      const present = col.values.filter((v) => !Number.isNaN(v));
      const distinct = new Set(present);
      task = present.every((v) => Number.isInteger(v)) && distinct.size <= 10 ? 'classification' : 'regression';
    }
  }
  if (task === 'regression') {
    const v = numericValues(op, table, target);
    // a numeric column was checked above; a text one's numbers ('inf') are parsed here
    if (col.kind !== 'numeric') checkFinite(op, target, v);
    const rows = Int32Array.from(v.keys()).filter((i) => !Number.isNaN(v[i]));
    const y = Float64Array.from(rows, (i) => v[i]);
    if (y.length < 2) {
      // a text column: why its values are not numbers ('45,797', or 'setosa')
      const text = col.kind === 'categorical' ? col.values : [];
      const hint = numbersAsTextHint(text);
      const word = text.find((t) => t !== null && Number.isNaN(toNumber(t)));
      const why = hint ? `: ${hint}` : word !== undefined ? ` (${JSON.stringify(word)} is not a number)` : '';
      throw new ArgumentError(`${op}: a regression target must hold numbers in at least 2 rows, got ${y.length} in ${JSON.stringify(target)}${why}; for classes give task 'classification' (or leave it 'auto')`);
    }
    if (y.length > 0 && y.every((x) => x === y[0])) throw new ArgumentError(`${op}: regression target ${JSON.stringify(target)} must take at least two distinct values, got only ${y[0]} (the target is constant)`);
    return { task, y, classes: [], rows };
  }
  const labels = categoricalValues(op, table, target);
  const rows = Int32Array.from(labels.keys()).filter((i) => labels[i] !== null);
  const present = [...new Set(Array.from(rows, (i) => labels[i]!))];
  const numeric = col.kind === 'numeric';
  const cls = classes ?? present.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const index = new Map(cls.map((c, i) => [c, i]));
  const y = Int32Array.from(rows, (i) => {
    const k = index.get(labels[i]!);
    if (k === undefined) throw new ArgumentError(`${op}: target values must be among the classes ${cls.join(', ')}, got ${JSON.stringify(labels[i])}`);
    return k;
  });
  return { task, y, classes: cls, rows };
}

function checkFinite(op: string, target: string, v: Float64Array): void {
  for (let i = 0; i < v.length; i++) {
    if (v[i] === Infinity || v[i] === -Infinity) throw new ArgumentError(`${op}: target ${JSON.stringify(target)} must hold finite numbers, got ${v[i]} in row ${i}`);
  }
}

/** The table without its target column, target held apart. */
function featuresOnly(table: Table, target: string): Table {
  if (table.target?.name === target) return { columns: table.columns, nRows: table.nRows };
  return { columns: table.columns.filter((c) => c.name !== target), nRows: table.nRows };
}

export class Pipeline {
  readonly kind = 'pipeline';
  readonly spec: PipelineSpec;
  target = '';
  task: Task = 'classification';
  /** Class labels; predictProba's column c is classes[c]. */
  classes: string[] = [];
  /** What predict returns the classes as (LabelType): the type of the target values it was fitted on. */
  labels: LabelType = 'string';
  preprocessor: Preprocessor;
  learner: Learner | null = null;

  constructor(spec: PipelineSpec) {
    if (!learnerNames.includes(spec.learner)) throw new ArgumentError(`Pipeline: learner must be one of ${learnerNames.join(', ')}, got ${JSON.stringify(spec.learner)}`);
    this.spec = spec;
    this.preprocessor = new Preprocessor(spec.preprocess);
  }

  /**
   * Fits on a table or records holding the target column. `classes` fixes the label encoding (cross-validation
   * passes the full data's classes so that every fold predicts the same columns).
   */
  fit(data: Frame, target: string, opts: { task?: Task | 'auto'; classes?: string[] } = {}): this {
    const table = isTable(data) ? data : tableFromRecords(data);
    const enc = encodeTarget(table, target, opts.task ?? 'auto', opts.classes, 'Pipeline.fit');
    if (enc.task === 'regression' && !supportsRegression(this.spec.learner)) throw new ArgumentError(`Pipeline.fit: ${this.spec.learner} supports classification only, got a regression target ${JSON.stringify(target)}`);
    if (enc.rows.length === 0) throw new ArgumentError(`Pipeline.fit: target ${JSON.stringify(target)} must have values, got none`);
    const rows = enc.rows.length === table.nRows ? table : subsetTable(table, enc.rows);
    return this.fitEncoded(featuresOnly(rows, target), { ...enc, labels: labelType(data, target) }, target);
  }

  /**
   * Fits on feature columns and an already encoded target (the AutoML loop encodes once for all folds). Without
   * `enc.labels`, predict returns the classes as the strings they are.
   */
  fitEncoded(features: Table, enc: Pick<EncodedTarget, 'task' | 'y' | 'classes'> & { labels?: LabelType }, target: string): this {
    this.target = target;
    this.task = enc.task;
    this.classes = enc.classes;
    this.labels = enc.task === 'classification' ? (enc.labels ?? 'string') : 'string';
    this.preprocessor = new Preprocessor(this.spec.preprocess);
    const x = this.preprocessor.fitTransform(features);
    this.learner = createLearner(this.spec.learner, this.spec.params, this.spec.seed ?? 0).fit(x, enc.y);
    return this;
  }

  private fitted(): Learner {
    if (!this.learner) throw new ArgumentError('Pipeline.predict: the pipeline must be fitted first, got an unfitted pipeline');
    return this.learner;
  }

  /**
   * [rows, classes.length], columns in `classes` order (a class absent from training gets probability 0). A cell
   * it cannot read is refused unless `opts.unreadable` is 'missing' (PredictOptions).
   */
  predictProba(data: Frame, opts: PredictOptions = {}): Matrix {
    if (this.task !== 'classification') throw new ArgumentError('Pipeline.predictProba: needs a classification pipeline, got regression');
    const learner = this.fitted();
    if (checkPredictOptions('Pipeline.predictProba', opts)) refuseUnreadable('Pipeline.predictProba', this.preprocessor.unreadableCells(data));
    const x = this.preprocessor.transform(data);
    const p = learner.predictProba(x);
    refuseNonFinite('Pipeline.predictProba', this.spec.learner, p.data, p.cols, x, this.preprocessor.featureNames);
    if (p.cols === this.classes.length) return p;
    const out = matrix(p.rows, this.classes.length);
    for (let r = 0; r < p.rows; r++) out.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), r * out.cols);
    return out;
  }

  /** Class indices (into `classes`) or regression values; unreadable cells as in predict. */
  predictEncoded(data: Frame, opts: PredictOptions = {}): Target {
    const learner = this.fitted();
    if (checkPredictOptions('Pipeline.predict', opts)) refuseUnreadable('Pipeline.predict', this.preprocessor.unreadableCells(data));
    const x = this.preprocessor.transform(data);
    if (this.task === 'classification') {
      // the class of a row whose probabilities are NaN would be an arbitrary first one: refused as predictProba does
      const p = learner.predictProba(x);
      refuseNonFinite('Pipeline.predict', this.spec.learner, p.data, p.cols, x, this.preprocessor.featureNames);
      return argmaxRows(p);
    }
    const y = learner.predict(x) as Float64Array;
    refuseNonFinite('Pipeline.predict', this.spec.learner, y, 1, x, this.preprocessor.featureNames);
    return y;
  }

  /**
   * Class labels for classification, as the target column's type (`labels`: strings, numbers or booleans); numbers
   * for regression. A cell it cannot read (text in a column of numbers, an infinite number, a non-date in a date
   * column) is an ArgumentError naming the column and rows, unless `opts.unreadable` is 'missing': then it is a gap,
   * filled as training did (PredictOptions).
   */
  predict(data: Frame, opts: PredictOptions = {}): Label[] {
    return decodePredictions(this.predictEncoded(data, opts), this.task, this.classes, this.labels);
  }

  /**
   * Preprocessor.unreadable: what in `data` this pipeline cannot read as given, one line per column: the cells
   * predict refuses (or, with { unreadable: 'missing' }, treats as missing), and categories not seen in training.
   */
  unreadable(data: Frame): string[] {
    return this.preprocessor.unreadable(data);
  }

  toJSON(): PipelineJSON {
    if (!this.learner) throw new ArgumentError('Pipeline.toJSON: the pipeline must be fitted first, got an unfitted pipeline');
    // labels only where they are not strings: a file without them (all written before they existed) reads as strings
    const labels = this.task === 'classification' && this.labels !== 'string' ? { labels: this.labels } : {};
    return { kind: 'pipeline', version: 1, spec: this.spec, target: this.target, task: this.task, classes: this.classes, ...labels, preprocess: this.preprocessor.toJSON(), learner: this.learner.toJSON() };
  }

  /**
   * Rebuilds what toJSON wrote, checking every field: a malformed file is a FormatError naming the field
   * ('pipeline JSON: spec.learner is missing'; loadPipeline adds the file), never an internal error or a model that
   * fails later while predicting. `fields`: where this pipeline sits in a larger document (an ensemble's member).
   */
  static fromJSON(json: PipelineJSON, fields = new JsonFields('pipeline JSON')): Pipeline {
    const o = fields.object(json);
    fields.at('kind').oneOf(o.kind, ['pipeline']);
    checkVersion(fields, o.version);
    const spec = fields.at('spec').object(o.spec);
    const learnerName = fields.at('spec').at('learner').oneOf(spec.learner, learnerNames);
    for (const key of ['params', 'preprocess'] as const) if (spec[key] !== undefined) fields.at('spec').at(key).object(spec[key]);
    if (spec.seed !== undefined) fields.at('spec').at('seed').number(spec.seed);
    const task = fields.at('task').oneOf(o.task, ['classification', 'regression']);
    if (task === 'regression' && !supportsRegression(learnerName)) fields.at('task').failWith(`${learnerName} supports classification only, got task 'regression'`);
    const classes = fields.at('classes').strings(o.classes);
    if (new Set(classes).size !== classes.length) fields.at('classes').failThat(`must hold distinct labels, got [${classes.map((c) => JSON.stringify(c)).join(', ')}]`);
    if (task === 'classification' && classes.length === 0) fields.at('classes').fail('a non-empty array for a classifier', classes);
    const labels = o.labels === undefined ? 'string' : fields.at('labels').oneOf(o.labels, ['string', 'number', 'boolean']);
    if (labels !== 'string' && task !== 'classification') fields.at('labels').failWith(`a regression pipeline predicts numbers, got labels ${JSON.stringify(labels)}`);
    if (labels === 'boolean') {
      classes.forEach((c, i) => {
        if (c !== 'true' && c !== 'false') fields.at('classes').at(i).fail("'true' or 'false' (labels is 'boolean')", c);
      });
    }
    // a class that is no number would predict NaN; one like '1.0' beside '1' would predict 1 for two classes
    if (labels === 'number') {
      classes.forEach((c, i) => {
        if (!isNumberClass(c)) fields.at('classes').at(i).fail("a finite number as String(number) writes it (labels is 'number')", c);
      });
    }
    // spec.params are what a refit would use: checked by the learner's own rules, as its saved params are
    try {
      createLearner(learnerName, (spec.params ?? {}) as LearnerParams, 0);
    } catch (err) {
      if (err instanceof ArgumentError) fields.at('spec').at('params').failWith(err.message);
      throw err;
    }
    let p: Pipeline;
    try {
      p = new Pipeline(spec as unknown as PipelineSpec);
    } catch (err) {
      // the Preprocessor the constructor builds from spec.preprocess refuses a bad option
      if (err instanceof ArgumentError) fields.at('spec').failWith(err.message);
      throw err;
    }
    p.target = fields.at('target').string(o.target);
    p.task = task;
    p.classes = classes;
    p.labels = labels;
    p.preprocessor = Preprocessor.fromJSON(o.preprocess as PreprocessorJSON, fields.at('preprocess'));
    const learnerJSON = fields.at('learner').object(o.learner);
    if (learnerJSON.kind !== learnerName && typeof learnerJSON.kind === 'string' && learnerNames.includes(learnerJSON.kind as LearnerName)) {
      fields.at('learner').at('kind').failWith(`the learner must be the spec's ${JSON.stringify(learnerName)}, got ${JSON.stringify(learnerJSON.kind)}`);
    }
    try {
      p.learner = learnerFromJSON(learnerJSON as LearnerJSON);
    } catch (err) {
      if (err instanceof FormatError) fields.at('learner').failWith(err.message);
      throw err;
    }
    checkLearnerFits(fields, p);
    return p;
  }

  /** Writes toJSON() to `path` atomically, streamed (a model whose JSON is longer than one string can hold saves too). */
  save(path: string): void {
    writeJSONFile(path, this.toJSON());
  }
}

export interface PipelineJSON {
  kind: 'pipeline';
  version: number;
  spec: PipelineSpec;
  target: string;
  task: Task;
  classes: string[];
  /** What predict returns the classes as; absent for strings (and in files written before it existed). */
  labels?: LabelType;
  preprocess: PreprocessorJSON;
  learner: LearnerJSON;
}

/** Weighted average of fitted pipelines (ensemble selection's output): probabilities or values. */
export class EnsemblePipeline {
  readonly kind = 'ensemble';
  constructor(
    readonly members: Pipeline[],
    readonly weights: number[],
    /** Per member, the temperature its class probabilities are rescaled by before averaging (default all 1). */
    readonly temperatures: number[] = members.map(() => 1),
  ) {
    if (members.length === 0 || members.length !== weights.length) throw new ArgumentError(`EnsemblePipeline: needs one weight per member and at least one member, got ${members.length} members and ${weights.length} weights`);
    if (temperatures.length !== members.length || !temperatures.every((t) => t > 0 && Number.isFinite(t))) throw new ArgumentError(`EnsemblePipeline: needs one positive finite temperature per member, got [${temperatures.join(',')}] for ${members.length} members`);
    // the blend of the members' probabilities is probabilities only under weights >= 0 summing to 1
    checkWeights('EnsemblePipeline', weights);
    // fromJSON refuses a file whose members return their classes differently: refuse to build one, not to load it
    const mixed = members.findIndex((m) => m.labels !== members[0].labels);
    if (mixed > 0) throw new ArgumentError(`EnsemblePipeline: every member must return the classes as members[0] does (${members[0].labels}), got ${members[mixed].labels} for member ${mixed}`);
  }

  get task(): Task {
    return this.members[0].task;
  }
  get classes(): string[] {
    return this.members[0].classes;
  }
  get target(): string {
    return this.members[0].target;
  }
  get labels(): LabelType {
    return this.members[0].labels;
  }

  /** Each member's unreadable lines, once each (members may read dates differently). */
  unreadable(data: Frame): string[] {
    return [...new Set(this.members.flatMap((m) => m.unreadable(data)))];
  }

  /** Refuses cells any member cannot read, once for all members (PredictOptions), unless unreadable is 'missing'. */
  private checkReadable(data: Frame, op: string, opts: PredictOptions): void {
    if (checkPredictOptions(op, opts)) refuseUnreadable(op, this.members.flatMap((m) => m.preprocessor.unreadableCells(data)));
  }

  /** The members' probabilities, tempered and weighted; unreadable cells as in Pipeline.predictProba. */
  predictProba(data: Frame, opts: PredictOptions = {}): Matrix {
    this.checkReadable(data, 'EnsemblePipeline.predictProba', opts);
    return this.blendProba(data);
  }

  private blendProba(data: Frame): Matrix {
    let out: Matrix | null = null;
    this.members.forEach((m, i) => {
      const p = temper(m.predictProba(data, asGaps), this.temperatures[i]);
      out ??= matrix(p.rows, p.cols);
      for (let j = 0; j < p.data.length; j++) out.data[j] += this.weights[i] * p.data[j];
    });
    return out!;
  }

  /** Class indices (into `classes`) or regression values; unreadable cells as in Pipeline.predict. */
  predictEncoded(data: Frame, opts: PredictOptions = {}): Target {
    this.checkReadable(data, 'EnsemblePipeline.predict', opts);
    if (this.task === 'classification') {
      const p = this.blendProba(data);
      return Int32Array.from({ length: p.rows }, (_, r) => {
        let best = 0;
        for (let c = 1; c < p.cols; c++) if (p.data[r * p.cols + c] > p.data[r * p.cols + best]) best = c;
        return best;
      });
    }
    const out = new Float64Array(isTable(data) ? data.nRows : data.length);
    this.members.forEach((m, i) => {
      const p = m.predictEncoded(data, asGaps);
      for (let j = 0; j < out.length; j++) out[j] += this.weights[i] * p[j];
    });
    return out;
  }

  /** As Pipeline.predict: the members' classes as the target's type (members[0].labels), or numbers. */
  predict(data: Frame, opts: PredictOptions = {}): Label[] {
    return decodePredictions(this.predictEncoded(data, opts), this.task, this.classes, this.labels);
  }

  toJSON(): EnsembleJSON {
    return { kind: 'ensemble', version: 1, weights: this.weights, members: this.members.map((m) => m.toJSON()), ...(this.temperatures.some((t) => t !== 1) ? { temperatures: this.temperatures } : {}) };
  }

  /**
   * Rebuilds what toJSON wrote, checking every field and every member as Pipeline.fromJSON does
   * ('ensemble JSON: members[1].spec.learner is missing'), and that the members predict the same target and classes.
   */
  static fromJSON(json: EnsembleJSON): EnsemblePipeline {
    const fields = new JsonFields('ensemble JSON');
    const o = fields.object(json);
    fields.at('kind').oneOf(o.kind, ['ensemble']);
    checkVersion(fields, o.version);
    const raw = fields.at('members').array(o.members);
    if (raw.length === 0) fields.at('members').fail('a non-empty array', raw);
    const members = raw.map((m, i) => Pipeline.fromJSON(m as PipelineJSON, fields.at('members').at(i)));
    const weights = fields.at('weights').numbers(o.weights, members.length);
    weights.forEach((w, i) => w < 0 && fields.at('weights').at(i).fail('a number >= 0', w));
    const total = weights.reduce((a, w) => a + w, 0);
    if (!(Math.abs(total - 1) <= 1e-9)) fields.at('weights').failThat(`must sum to 1, got ${total} ([${weights.join(', ')}])`);
    const temperatures = o.temperatures === undefined || o.temperatures === null ? undefined : fields.at('temperatures').numbers(o.temperatures, members.length, true);
    const first = members[0];
    members.forEach((m, i) => {
      const at = fields.at('members').at(i);
      if (m.task !== first.task || m.target !== first.target || m.classes.length !== first.classes.length || m.classes.some((c, k) => c !== first.classes[k])) {
        at.failWith(`every member must predict what members[0] does (${first.task} of ${JSON.stringify(first.target)}, classes [${first.classes.join(', ')}]), got ${m.task} of ${JSON.stringify(m.target)}, classes [${m.classes.join(', ')}]`);
      }
      if (m.labels !== first.labels) at.at('labels').failWith(`every member must return the classes as members[0] does (${first.labels}), got ${m.labels}`);
    });
    return new EnsemblePipeline(members, weights, temperatures);
  }

  /** Writes toJSON() to `path` atomically, streamed like Pipeline.save. */
  save(path: string): void {
    writeJSONFile(path, this.toJSON());
  }
}

export interface EnsembleJSON {
  kind: 'ensemble';
  version: number;
  weights: number[];
  members: PipelineJSON[];
  /** Absent when every member's temperature is 1 (and in files written before temperatures existed). */
  temperatures?: number[];
}

export type Predictor = Pipeline | EnsemblePipeline;

/**
 * Predict options that read a cell a pipeline cannot read as a gap: what an ensemble passes its members (it has
 * refused, or been told to read as gaps, what they cannot read), what cross-validation passes a fold's pipeline, and
 * what `whittle predict` passes after saying which cells those are.
 */
export const asGaps: PredictOptions = Object.freeze({ unreadable: 'missing' });

/** The file versions this code reads; a later whittle's file is refused rather than misread. */
const pipelineVersion = 1;

function checkVersion(fields: JsonFields, version: unknown): void {
  if (version === undefined) fields.at('version').failThat('is missing');
  if (version !== pipelineVersion) fields.failWith(`version ${describeJSON(version)} is not supported (this whittle reads version ${pipelineVersion})`);
}

/**
 * Whether a revived learner fits the rest of its pipeline, by one prediction on a row of zeros as wide as the
 * preprocessing's output: it must read that width, give finite outputs, and as a classifier no more classes than
 * `classes` names (fewer is fine: a class absent from a fold's rows gets probability 0). A mismatch would otherwise
 * surface at predict time, as an undefined label or a NaN.
 */
function checkLearnerFits(fields: JsonFields, p: Pipeline): void {
  const probe = matrix(1, p.preprocessor.featureNames.length);
  let outputs: Target | Matrix;
  try {
    outputs = p.task === 'classification' ? p.learner!.predictProba(probe) : p.learner!.predict(probe);
  } catch (err) {
    if (!(err instanceof WhittleError || err instanceof TypeError || err instanceof RangeError)) throw err;
    return fields.at('learner').failWith(`the learner must fit the preprocessing (${probe.cols} features, ${p.task}), got: ${err.message}`);
  }
  if (p.task === 'regression') {
    const y = outputs as Target;
    if (!(y instanceof Float64Array) || y.length !== 1 || !Number.isFinite(y[0])) fields.at('learner').failWith(`the learner must predict one finite number per row for a regression pipeline, got [${Array.from(y).join(',')}]`);
    return;
  }
  const proba = outputs as Matrix;
  if (proba.cols > p.classes.length) fields.at('classes').failThat(`has ${p.classes.length} ${p.classes.length === 1 ? 'entry' : 'entries'} where the learner predicts ${proba.cols} classes`);
  if (!proba.data.every(Number.isFinite)) fields.at('learner').failWith(`the learner must give finite probabilities, got [${Array.from(proba.data).join(',')}] on a row of zeros`);
}

/** Loads what `save` wrote: a Pipeline or an EnsemblePipeline. Bad JSON is a FormatError naming the file. */
export function loadPipeline(path: string): Predictor {
  const json = readJSONFile(path, 'loadPipeline') as { kind?: string };
  try {
    if (json?.kind === 'ensemble') return EnsemblePipeline.fromJSON(json as EnsembleJSON);
    return Pipeline.fromJSON(json as PipelineJSON);
  } catch (err) {
    if (err instanceof FormatError && !err.file) throw new FormatError(err.message, path);
    throw err;
  }
}
