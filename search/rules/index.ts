// Rule induction, the entry point: `rules({ data, target, algorithm })` fits readable rules on all the data and
// reports their stratified cross-validated accuracy, with RIPPER or with a pruned tree read as C4.5 rules.
//
//   const r = rules({ data: 'iris.csv', target: 'species', algorithm: 'ripper', seed: 1, folds: 10, print: true });
//   r.model.predict([{ petal_length: 1.4, petal_width: 0.2 }]);  r.model.explain({ petal_length: 5.1 }).text;
//   r.save('iris.rules.json');  loadRules('iris.rules.json');
import { readTable } from '../../core/data/read-table.js';
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { type DateSource, type Table, encodeTable, expandDates, labelsOf, splitTarget, stratifiedFolds, takeTableRows } from './data.js';
import { saveRules } from './json.js';
import { RuleModel, toUnordered } from './model.js';
import { type RipperOptions, ripper } from './ripper.js';
import { type TreeRulesOptions, treeRules } from './tree-rules.js';

export * from './condition.js';
export * from './data.js';
export * from './json.js';
export * from './mimic.js';
export * from './model.js';
export * from './pessimistic.js';
export * from './ripper.js';
export * from './tree-rules.js';

export interface RulesOptions {
  /** A table, or a path to a .csv or .arff file or a .json array of records. */
  data: string | Table;
  target: string;
  algorithm?: 'ripper' | 'tree';
  seed?: number;
  /** Stratified cross-validation folds (default 10); 0 skips cross-validation. */
  folds?: number;
  /** 'ordered' (first match wins, default) or 'unordered' (the most trusted matching rule wins). */
  mode?: 'ordered' | 'unordered';
  features?: readonly string[];
  /**
   * Read each column of ISO dates as its year, month, day, weekday (and hour) numbers, `date.month` etc. (default
   * true; see expandDates); the model reads them from a new row's date. A date column named in `features` stands
   * for all its parts.
   */
  parseDates?: boolean;
  /** Print the rules and the score: true for console.log, or a function that takes each line. */
  print?: boolean | ((line: string) => void);
  ripper?: Omit<RipperOptions, 'seed' | 'features' | 'onProgress'>;
  tree?: Omit<TreeRulesOptions, 'seed' | 'features' | 'onProgress'>;
  /**
   * Called as the work goes: the model on all rows is fit 0, then the cross-validation folds 1..folds; `fraction` is
   * how far the current fit is (classes learned for RIPPER, paths simplified for tree rules), and a finished fold
   * brings its held-out accuracy.
   */
  onProgress?: (e: RulesProgress) => void;
}

export interface RulesProgress {
  /** 0: the model on all rows; k: cross-validation fold k. */
  fit: number;
  /** Fits in all: 1 + folds. */
  fits: number;
  /** How far the current fit is, 0 to 1. */
  fraction: number;
  /** When a fold is done: its held-out accuracy. */
  foldAccuracy?: number;
}

export interface RulesResult {
  /** Rules fit on all the data. */
  model: RuleModel;
  /** The rules, one per line, then the cross-validated accuracy. */
  text: string;
  /** Mean accuracy over the held-out folds (NaN when folds = 0). */
  cvAccuracy: number;
  foldAccuracies: number[];
  /** The labelled rows' true classes, and each one's class predicted by the fold that held it out (empty when folds = 0). */
  cv: { truth: string[]; predicted: string[] };
  /** Rules of the full model, the default not counted. */
  nRules: number;
  /** Conditions over all rules of the full model. */
  nConditions: number;
  /** Writes the full model as JSON, atomically. */
  save(path: string): void;
  /** What the user should know about the data as read (a numeric target with many values taken as classes). */
  notes: string[];
}

/** Fits one rule model with the options' algorithm and mode; `onProgress` hears how far the fit is, 0 to 1. */
export function fitRules(table: Table, opts: Omit<RulesOptions, 'data' | 'onProgress'>, onProgress?: (fraction: number) => void): RuleModel {
  const seed = opts.seed ?? 0;
  const algorithm = opts.algorithm ?? 'ripper';
  const progress = onProgress && ((done: number, total: number) => onProgress(total > 0 ? done / total : 1));
  let model: RuleModel;
  if (algorithm === 'ripper') model = ripper(table, opts.target, { ...opts.ripper, seed, features: opts.features, onProgress: progress });
  else if (algorithm === 'tree') model = treeRules(table, opts.target, { ...opts.tree, seed, features: opts.features, onProgress: progress });
  else throw new ArgumentError(`rules: algorithm must be 'ripper' or 'tree', got ${JSON.stringify(algorithm)}`);
  const mode = opts.mode ?? 'ordered';
  if (mode === 'unordered') return toUnordered(model, encodeTable(table, opts.target, { features: model.features.map((f) => f.name) }));
  if (mode !== 'ordered') throw new ArgumentError(`rules: mode must be 'ordered' or 'unordered', got ${JSON.stringify(mode)}`);
  return model;
}

/** More distinct numbers than this in a numeric target are most likely a quantity, not class codes: rules() says so. */
const MAX_NUMERIC_CLASSES = 20;

export function rules(opts: RulesOptions): RulesResult {
  const raw = typeof opts.data === 'string' ? readTable(opts.data, { target: opts.target }) : opts.data;
  const { table, sources } = opts.parseDates === false ? { table: raw, sources: new Map<string, DateSource>() } : expandDates(raw, opts.target);
  if (sources.size > 0 && opts.features) {
    const parts = (name: string) => [...sources].filter(([, s]) => s.column === name).map(([derived]) => derived);
    opts = { ...opts, features: opts.features.flatMap((name) => (parts(name).length > 0 ? parts(name) : [name])) };
  }
  const targetColumn = splitTarget(table, opts.target, 'rules').target;
  const labels = labelsOf(targetColumn);
  const labelledRows: number[] = [];
  labels.forEach((l, i) => l !== null && labelledRows.push(i));
  const labelled = labelledRows.length === table.nRows ? table : takeTableRows(table, labelledRows);
  const truth = labelledRows.map((i) => labels[i] as string);
  const folds = opts.folds ?? 10;
  if (folds !== 0 && !(Number.isInteger(folds) && folds >= 2 && folds <= truth.length)) {
    throw new ArgumentError(`rules: folds must be 0 (no cross-validation) or an integer from 2 to the ${truth.length} labelled rows, got ${folds}`);
  }
  const notes: string[] = [];
  const distinct = new Set(truth).size;
  if (targetColumn.kind === 'numeric' && distinct > MAX_NUMERIC_CLASSES) {
    notes.push(`target ${JSON.stringify(opts.target)} is numeric with ${distinct} distinct values, each read as a class: rules predict classes (whittle automl fits a numeric target by regression)`);
  }
  const fits = 1 + Math.max(folds, 0);
  const report = opts.onProgress;
  const fitted = fitRules(labelled, opts, report && ((fraction) => report({ fit: 0, fits, fraction })));
  // the model reads date parts from a new row's date column
  const model =
    sources.size === 0
      ? fitted
      : new RuleModel({
          mode: fitted.mode,
          target: fitted.target,
          classes: fitted.classes,
          features: fitted.features.map((f) => (sources.has(f.name) ? { ...f, date: sources.get(f.name) } : f)),
          rules: fitted.rules,
          defaultRule: fitted.defaultRule,
          algorithm: fitted.algorithm,
        });

  const foldAccuracies: number[] = [];
  const predicted: string[] = [];
  if (folds !== 0) {
    const classes = [...new Set(truth)].sort();
    const y = Int32Array.from(truth, (l) => classes.indexOf(l));
    const fold = stratifiedFolds(y, folds, new Random(opts.seed ?? 0));
    for (let k = 0; k < folds; k++) {
      const train: number[] = [];
      const test: number[] = [];
      fold.forEach((f, i) => (f === k ? test : train).push(i));
      const m = fitRules(takeTableRows(labelled, train), opts, report && ((fraction) => report({ fit: k + 1, fits, fraction })));
      const pred = m.predict(takeTableRows(labelled, test));
      test.forEach((i, j) => (predicted[i] = pred[j]));
      foldAccuracies.push(pred.filter((p, j) => p === truth[test[j]]).length / test.length);
      report?.({ fit: k + 1, fits, fraction: 1, foldAccuracy: foldAccuracies[k] });
    }
  }
  const cvAccuracy = foldAccuracies.length ? foldAccuracies.reduce((s, a) => s + a, 0) / foldAccuracies.length : NaN;
  const score = folds !== 0 ? `${folds}-fold CV accuracy ${(100 * cvAccuracy).toFixed(1)}%` : 'not cross-validated';
  const text = `${model.toString()}\n${model.rules.length} rules, ${model.nConditions} conditions; ${score}`;
  if (opts.print) {
    const out = typeof opts.print === 'function' ? opts.print : (line: string) => console.log(line);
    for (const line of text.split('\n')) out(line);
  }
  const cv = { truth: predicted.length > 0 ? truth : [], predicted };
  return { model, text, cvAccuracy, foldAccuracies, cv, notes, nRules: model.rules.length, nConditions: model.nConditions, save: (path) => saveRules(model, path) };
}
