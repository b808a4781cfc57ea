// rules() and rulesAsync(): read the table, fit the rules on all labelled rows and cross-validate them by stratified
// folds. rulesAsync runs the fits on worker threads (this file is also the workers' entry) with the same result.
import { readTable } from '../../core/data/read-table.js';
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { JobPool, serveJobs } from '../job-pool.js';
import { defaultWorkers } from '../workers.js';
import { type DateSource, type Table, encodeTable, expandDates, labelsOf, refuseInfinite, splitTarget, stratifiedFolds, takeTableRows } from './data.js';
import { rulesFromJSON, saveRules } from './json.js';
import { RuleModel, type RulesJSON, toUnordered } from './model.js';
import { type RipperOptions, ripper } from './ripper.js';
import { type TreeRulesOptions, treeRules } from './tree-rules.js';

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


/** What both entry points share: the labelled rows, their classes, the folds, and what to tell the user. */
interface Prepared {
  opts: RulesOptions;
  labelled: Table;
  truth: string[];
  sources: Map<string, DateSource>;
  folds: number;
  /** Fits in all: the model on all rows, then one per fold. */
  fits: number;
  /** Each labelled row's fold (empty without cross-validation). */
  foldOf: Int32Array;
  notes: string[];
}

function prepare(opts: RulesOptions): Prepared {
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
  // a target column with no value: said before the folds (whose message had named 10 folds nobody asked for) and
  // before the fit (which saw 0 of 0 rows, the unlabelled ones already left out)
  if (truth.length === 0) throw new ArgumentError(`rules: need at least one row with a ${JSON.stringify(opts.target)} value, got none in ${table.nRows} ${table.nRows === 1 ? 'row' : 'rows'}`);
  // before any fit, with the rows of the user's table (a fold's fit would name its own rows)
  const features = opts.features ? new Set(opts.features) : undefined;
  for (const c of table.columns) if (c.name !== opts.target && (!features || features.has(c.name))) refuseInfinite('rules', c, labelledRows);
  const folds = opts.folds ?? 10;
  if (folds !== 0 && !(Number.isInteger(folds) && folds >= 2 && folds <= truth.length)) {
    throw new ArgumentError(`rules: folds must be 0 (no cross-validation) or an integer from 2 to the ${truth.length} labelled rows, got ${folds}`);
  }
  const notes: string[] = [];
  // rows with no target (empty, blank) are left out: said, as automl says it (a table of one class and blanks had
  // given a one-rule list at 100% without a word)
  if (truth.length < table.nRows) notes.push(`${table.nRows - truth.length} of the ${table.nRows} rows have no ${opts.target} and are left out`);
  const distinct = new Set(truth).size;
  if (targetColumn.kind === 'numeric' && distinct > MAX_NUMERIC_CLASSES) {
    notes.push(`target ${JSON.stringify(opts.target)} is numeric with ${distinct} distinct values, each read as a class: rules predict classes (whittle automl fits a numeric target by regression)`);
  }
  let foldOf: Int32Array = new Int32Array(0);
  if (folds !== 0) {
    const classes = [...new Set(truth)].sort();
    foldOf = stratifiedFolds(Int32Array.from(truth, (l) => classes.indexOf(l)), folds, new Random(opts.seed ?? 0));
  }
  return { opts, labelled, truth, sources, folds, fits: 1 + folds, foldOf, notes };
}

/** The training and held-out rows of fold k (1-based, as progress counts fits). */
function foldRows(p: Prepared, k: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  p.foldOf.forEach((f, i) => (f === k - 1 ? test : train).push(i));
  return { train, test };
}

function accuracy(predicted: readonly string[], test: readonly number[], truth: readonly string[]): number {
  return predicted.filter((c, j) => c === truth[test[j]]).length / test.length;
}

/** The result from the model fit on all rows and each fold's held-out predictions (aligned with its test rows). */
function finish(p: Prepared, fitted: RuleModel, foldPredictions: string[][]): RulesResult {
  // the model reads date parts from a new row's date column
  const model =
    p.sources.size === 0
      ? fitted
      : new RuleModel({
          mode: fitted.mode,
          target: fitted.target,
          classes: fitted.classes,
          features: fitted.features.map((f) => (p.sources.has(f.name) ? { ...f, date: p.sources.get(f.name) } : f)),
          rules: fitted.rules,
          defaultRule: fitted.defaultRule,
          algorithm: fitted.algorithm,
        });
  const foldAccuracies: number[] = [];
  const predicted: string[] = [];
  foldPredictions.forEach((pred, j) => {
    const { test } = foldRows(p, j + 1);
    test.forEach((i, q) => (predicted[i] = pred[q]));
    foldAccuracies.push(accuracy(pred, test, p.truth));
  });
  const cvAccuracy = foldAccuracies.length ? foldAccuracies.reduce((s, a) => s + a, 0) / foldAccuracies.length : NaN;
  const score = p.folds !== 0 ? `${p.folds}-fold CV accuracy ${(100 * cvAccuracy).toFixed(1)}%` : 'not cross-validated';
  const text = `${model.toString()}\n${model.rules.length} rules, ${model.nConditions} conditions; ${score}`;
  const print = p.opts.print;
  if (print) {
    const out = typeof print === 'function' ? print : (line: string) => console.log(line);
    for (const line of text.split('\n')) out(line);
  }
  const cv = { truth: predicted.length > 0 ? p.truth : [], predicted };
  return { model, text, cvAccuracy, foldAccuracies, cv, notes: p.notes, nRules: model.rules.length, nConditions: model.nConditions, save: (path) => saveRules(model, path) };
}

export function rules(opts: RulesOptions): RulesResult {
  return fitAll(prepare(opts));
}

/** The fits one after another on this thread. */
function fitAll(p: Prepared): RulesResult {
  const report = p.opts.onProgress;
  let fitted: RuleModel | undefined;
  const foldPredictions: string[][] = [];
  const { shared, jobs } = fitJobs(p);
  for (const job of jobs) {
    const { model, predicted } = runFit(shared, job, report && ((fraction) => report({ fit: job.fit, fits: p.fits, fraction })));
    if (!predicted) fitted = model;
    else {
      foldPredictions.push(predicted);
      report?.({ fit: job.fit, fits: p.fits, fraction: 1, foldAccuracy: accuracy(predicted, job.test!, p.truth) });
    }
  }
  return finish(p, fitted!, foldPredictions);
}

/** The options a worker fits with: everything but the data and the callbacks (functions do not cross threads). */
type FitOptions = Omit<RulesOptions, 'data' | 'onProgress' | 'print'>;

/** What every fit reads (sent to each worker once): the labelled rows and the options. */
interface FitShared {
  table: Table;
  opts: FitOptions;
}

interface FitJob {
  fit: number;
  /** Rows to fit on (all when absent) and rows to predict. */
  train?: number[];
  test?: number[];
}

type FitDone = { fit: number; model?: RulesJSON; predicted?: string[] };

/** Fit 0 on all labelled rows, then fit k on fold k's training rows, predicting its held-out rows. */
function fitJobs(p: Prepared): { shared: FitShared; jobs: FitJob[] } {
  const { data: _data, onProgress: _report, print: _print, ...opts } = p.opts;
  return { shared: { table: p.labelled, opts }, jobs: Array.from({ length: p.fits }, (_, fit) => ({ fit, ...(fit > 0 ? foldRows(p, fit) : {}) })) };
}

/** One fit, on this thread or a worker's: the model, and the held-out predictions when the job has test rows. */
function runFit({ table, opts }: FitShared, job: FitJob, onFraction?: (fraction: number) => void): { model: RuleModel; predicted?: string[] } {
  const model = fitRules(job.train ? takeTableRows(table, job.train) : table, opts, onFraction);
  return { model, ...(job.test ? { predicted: model.predict(takeTableRows(table, job.test)) } : {}) };
}

/**
 * rules() with its fits on worker threads: the model on all rows and every cross-validation fold, `workers` at a time
 * (default: one per core). Each fit is the same computation as rules() does, so the result is the same, rule for rule
 * and prediction for prediction; only the order of onProgress events between fits differs (each fit's own events stay
 * in order). One worker, or no cross-validation, runs rules() itself. The first fit that fails ends the others.
 */
export async function rulesAsync(opts: RulesOptions & { workers?: number }): Promise<RulesResult> {
  const workers = opts.workers ?? defaultWorkers();
  if (!(Number.isInteger(workers) && workers >= 1)) throw new ArgumentError(`rulesAsync: workers must be a positive integer, got ${workers}`);
  const p = prepare(opts);
  if (workers === 1 || p.folds === 0) return fitAll(p);
  const report = p.opts.onProgress;
  const { shared, jobs } = fitJobs(p);
  const models: (RuleModel | undefined)[] = [];
  const predictions: string[][] = [];
  const pool = await JobPool.create<FitJob, FitDone, number, FitShared>(Math.min(workers, jobs.length), {
    url: import.meta.url,
    kind: 'rules-fit',
    data: () => shared,
    name: 'rulesAsync: the worker thread',
  });
  try {
    await Promise.all(
      jobs.map(async (job) => {
        const m = await pool.run(job, (fraction) => report?.({ fit: job.fit, fits: p.fits, fraction }));
        if (m.model) models[m.fit] = rulesFromJSON(m.model, `rules fit ${m.fit}`);
        if (m.predicted) {
          predictions[m.fit - 1] = m.predicted;
          report?.({ fit: m.fit, fits: p.fits, fraction: 1, foldAccuracy: accuracy(m.predicted, job.test!, p.truth) });
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return finish(p, models[0]!, predictions);
}

// a rules worker: the table and options arrive once, then the fits it is sent
serveJobs<FitJob, FitDone, number, FitShared>('rules-fit', (shared) => (job, emit) => {
  const { model, predicted } = runFit(shared, job, emit);
  return { fit: job.fit, ...(predicted ? { predicted } : { model: model.toJSON() }) };
});
