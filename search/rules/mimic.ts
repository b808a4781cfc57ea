// Rules that mimic a trained model: relabel the rows with the model's predictions, induce rules on part of them, and
// measure on the rest how often the rules agree with the model (fidelity) and with the true labels (accuracy).
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { type RowObject, type Table, encodeTable, rowObject, stratifiedFolds, takeTableRows } from './data.js';
import type { RuleModel } from './model.js';
import { ripper, type RipperOptions } from './ripper.js';
import { treeRules } from './tree-rules.js';

/**
 * A trained model's predict: rows in, one label per row out. A string or a boolean is a class label (String of it: an
 * AutoML pipeline returns the classes of records' true/false as booleans); a number is read as MimicOptions.numbers
 * says, a label by default (a pipeline fitted on numeric classes returns them as numbers), or a class index.
 */
export type ModelPredict = (rows: RowObject[]) => ArrayLike<string | number | boolean>;

export interface MimicOptions {
  target: string;
  algorithm?: 'ripper' | 'tree';
  seed?: number;
  /** Share of rows held out to measure fidelity and accuracy, in (0, 1); default 0.3. */
  holdout?: number;
  ripper?: Omit<RipperOptions, 'seed'>;
  /**
   * How a numeric prediction is read. 'labels' (the default): the class String(v) names, which must be one of the
   * data's classes (3 is class '3', as an AutoML pipeline returns it). 'indices': classes[v], the classes as the data
   * codes them (sorted category names, the column's `categories`, or a numeric column's values in numeric order), as
   * a network's argmax gives them. It is said, never guessed from the values: with classes '1', '2', '3' a 1 reads
   * either way, and the wrong reading would mimic another model without a word.
   */
  numbers?: 'labels' | 'indices';
}

export interface MimicResult {
  /** Rules fit on the training rows relabelled by the model. */
  rules: RuleModel;
  /** Share of held-out rows where the rules predict what the model predicts. */
  fidelity: number;
  /** Share of held-out rows where the rules predict the true label. */
  accuracy: number;
  /** Share of held-out rows where the model predicts the true label. */
  modelAccuracy: number;
  nTrain: number;
  nHoldout: number;
}

export function rulesFromModel(predict: ModelPredict, data: Table, opts: MimicOptions): MimicResult {
  const holdout = opts.holdout ?? 0.3;
  if (!(holdout > 0 && holdout < 1)) throw new ArgumentError(`rulesFromModel: holdout must be in (0, 1), got ${holdout}`);
  const numbers = opts.numbers ?? 'labels';
  if (numbers !== 'labels' && numbers !== 'indices') throw new ArgumentError(`rulesFromModel: numbers must be 'labels' or 'indices', got ${JSON.stringify(numbers)}`);
  const enc = encodeTable(data, opts.target, { op: 'rulesFromModel' });
  // split on the true labels, one fold of round(1/holdout) held out
  const k = Math.max(2, Math.min(enc.n, Math.round(1 / holdout)));
  const labelled = takeTableRows(data, keptRows(data, opts.target, enc.n));
  const fold = stratifiedFolds(enc.y, k, new Random(opts.seed ?? 0));
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  fold.forEach((f, i) => (f === 0 ? testIdx : trainIdx).push(i));
  const rows = Array.from({ length: enc.n }, (_, i) => withoutTarget(rowObject(labelled, i), opts.target));
  const raw = predict(rows);
  if (raw.length !== enc.n) throw new ArgumentError(`rulesFromModel: predict must return one label per row (${enc.n}), got ${raw.length}`);
  const classes = new Set(enc.classes);
  const predicted = Array.from(raw, (v, i) => {
    if (typeof v === 'string' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'number') throw new ArgumentError(`rulesFromModel: predict must return strings, numbers or booleans, got ${v === null ? 'null' : typeof v} for row ${i}`);
    if (numbers === 'indices') {
      if (Number.isInteger(v) && v >= 0 && v < enc.classes.length) return enc.classes[v];
      throw new ArgumentError(`rulesFromModel: a numeric prediction must be a class index in [0, ${enc.classes.length}) (numbers: 'indices'), got ${v} for row ${i}`);
    }
    if (classes.has(String(v))) return String(v);
    const shown = `${enc.classes.slice(0, 5).map((c) => JSON.stringify(c)).join(', ')}${enc.classes.length > 5 ? `, ... (${enc.classes.length} in all)` : ''}`;
    throw new ArgumentError(`rulesFromModel: a numeric prediction must be one of the classes ${shown} (or, with numbers: 'indices', a class index), got ${v} for row ${i}`);
  });
  const relabelled = relabel(takeTableRows(labelled, trainIdx), opts.target, trainIdx.map((i) => predicted[i]));
  const seed = opts.seed ?? 0;
  const rules = opts.algorithm === 'tree' ? treeRules(relabelled, opts.target, { seed }) : ripper(relabelled, opts.target, { ...opts.ripper, seed });
  const testRows = testIdx.map((i) => rows[i]);
  const byRules = rules.predict(testRows);
  let agree = 0;
  let right = 0;
  let modelRight = 0;
  testIdx.forEach((i, j) => {
    const truth = enc.classes[enc.y[i]];
    if (byRules[j] === predicted[i]) agree++;
    if (byRules[j] === truth) right++;
    if (predicted[i] === truth) modelRight++;
  });
  const n = testIdx.length;
  return { rules, fidelity: agree / n, accuracy: right / n, modelAccuracy: modelRight / n, nTrain: trainIdx.length, nHoldout: n };
}

/** Row indices of the table whose target is present (encodeTable drops the others, in order). */
function keptRows(table: Table, target: string, expected: number): number[] {
  const col = table.target?.name === target ? table.target : table.columns.find((c) => c.name === target);
  const out: number[] = [];
  for (let i = 0; i < table.nRows; i++) {
    const v = col?.values[i];
    if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) out.push(i);
  }
  if (out.length !== expected) throw new ArgumentError(`rulesFromModel: expected ${expected} labelled rows, got ${out.length}`);
  return out;
}

function withoutTarget(row: Record<string, number | string | null>, target: string): RowObject {
  delete row[target];
  return row;
}

/** The same table with the target replaced by `labels` (a categorical column). */
function relabel(table: Table, target: string, labels: string[]): Table {
  const col = { name: target, kind: 'categorical' as const, values: labels, categories: [...new Set(labels)].sort() };
  if (table.target?.name === target) return { columns: table.columns, nRows: table.nRows, target: col };
  return { columns: table.columns.map((c) => (c.name === target ? col : c)), nRows: table.nRows };
}
