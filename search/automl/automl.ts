// The AutoML loop: a joint search over learner, hyperparameters and preprocessing (automlSpace) run by a
// search/study.ts Study with any strategy (random, TPE, ...), each trial scored by seeded k-fold cross-validation
// under a trial and/or time budget (repeated with fresh splits on small tables, where one split's noise would pick
// the winner; on a sample of the rows on large ones, where a fold fit on every row would leave time for a handful of
// trials); then the best pipeline is refitted on all rows and, optionally, an ensemble is chosen by bagged ensemble
// selection (Caruana et al. 2004) over the best pipeline of each learner and the best trials overall.
import { readTable } from '../../core/data/read-table.js';
import { ArgumentError, WhittleError } from '../../core/errors.js';
import type { Config } from '../space.js';
import { randomSearch } from '../strategies/random.js';
import { medianPruner } from '../strategies/median.js';
import { tpe } from '../strategies/tpe.js';
import type { GenericPruner, GenericStrategy, Pruner, Strategy } from '../strategies/types.js';
import { Study, type Trial } from '../study.js';
import { kFold, randomSample, stratifiedKFold, stratifiedSample } from './cv.js';
import { type OutOfFold, blend, ensembleSelection, fitTemperature, oofValues, temper } from './ensemble.js';
import { beforeDeadline } from './deadline.js';
import { type FoldFit, FoldPool, type FoldContext, fitFold, foldTables, processClock, refitAll } from './fold-pool.js';
import { type Frame, type Table, findColumn, isTable, subsetTable, tableFromRecords } from './frame.js';
import type { Task } from './learner.js';
import { type LearnerName, type LearnerParams, learnerNames, supportsRegression } from './learners.js';
import { type Matrix, type Target, matrix, takeTarget } from './matrix.js';
import { type MetricName, classificationMetrics, greaterIsBetter, regressionMetrics, score } from './metrics.js';
import { EnsemblePipeline, Pipeline, type PipelineSpec, type Predictor, encodeTarget, labelType } from './pipeline.js';
import { type PreprocessConfig, Preprocessor, numbersAsTextHint } from './preprocess.js';
import { automlSpace, configToSpec, defaultConfigs, imputers } from './space.js';

export interface AutoMLOptions {
  /** A table file (CSV/TSV, ARFF or JSON records: core/data readTable), a whittle Table, or plain records. */
  data: string | Frame;
  target: string;
  /**
   * Wall-clock budget for the whole run (default 60 s). The search gets all but a tenth of it (at most 5 s), which is
   * left for the refits, calibration and ensemble selection: no trial starts after the search time, or when one as
   * long as the mean trial so far would end past it. A trial keeps pace or stops, counted with the trials stopped
   * early: its fold i must be done by the (i + 1) / folds share of the search time left when it started. The slow
   * learners check that as they go, between trees, epochs, passes of the linear solvers over the rows and blocks of
   * kNN query rows (deadline.ts); one tree or a naive Bayes fit is not cut, and is checked when it ends. While no
   * trial has completed, one that falls behind sends the defaults not yet run cheapest first (on a big table the
   * default forest may not fit a short budget where naive Bayes and the linear model do). A refit of an ensemble
   * member stops at the budget's end (that member is left out), and so does ensemble selection (no ensemble, and
   * `ensembleSkipped` says why).
   */
  budgetSeconds?: number;
  /** Stop after this many trials (default: only the time budget). */
  maxTrials?: number;
  /** Default 'accuracy' (classification) or 'r2' (regression). */
  metric?: MetricName;
  task?: Task | 'auto';
  seed?: number;
  /** 'tpe' (default; it proposes no pipeline twice while an untried one can be found), 'random', or any search strategy. */
  strategy?: 'tpe' | 'random' | Strategy<Config> | GenericStrategy;
  /**
   * Early stopping of poor trials: after each fold but the last, a searched trial reports the mean of its fold scores
   * so far and the pruner may stop it there. 'median' (default) is the median stopping rule (medianPruner(): stop when
   * the trial's mean so far is worse than the median of the completed trials' at the same fold); 'none' runs every
   * trial to the end; or any pruner. The median rule judges nothing before 5 trials complete, so the five strongest
   * default pipelines (run first) are always complete; a weaker default that trails them at a fold is stopped like any
   * trial. In nested CV on movies (2,596 rows, about 20 trials in 60 s without it) it ran 3-5x the trials and scored
   * 0.6 points higher; exempting all ten defaults from it lost that gain (their fits fill half the budget there).
   */
  pruner?: 'median' | 'none' | GenericPruner | Pruner<Config>;
  /**
   * Ensemble selection (default true) over a library of each learner's best trial plus the best `candidates` trials
   * (default 10): `bags` runs (default 20) of `size` greedy picks (default 50), each over a random half of the library
   * and started from its `init` best members (default 3), optimizing `objective` (default log loss for
   * classification, the metric for regression); the ensemble's weights are the runs' averaged picks. With
   * `calibrate` (default true) each classifier's probabilities are first temperature-scaled on its out-of-fold
   * predictions, so a well-ranking but unsure model (a linear SVM's margin softmax) is not shut out of the blend
   * and an overconfident one (a full tree) does not outweigh the rest. Chosen by an ablation on the nested-CV bench's
   * own libraries (55 outer folds, 5 sets; bench/results/automl-ensemble-ablation.json): against no calibration
   * cars +0.90 ± 0.33 points, the other sets within one standard error (penguins → sex −0.29 ± 0.51), mean +0.13.
   * Past `maxRows` out-of-fold rows (default 16,384, all repeats counted) the temperatures and the picks are fitted on
   * every step-th row, about maxRows of them: on 200,000 rows they took longer than a 60 s run keeps for them.
   */
  ensemble?: boolean | { size?: number; candidates?: number; bags?: number; init?: number; objective?: MetricName; calibrate?: boolean; maxRows?: number };
  /**
   * Trials run at once, each fitting its folds on a worker thread (default 1: the search on this thread); the refits
   * on all rows after the search run on those workers too (the best pipeline's while the ensemble is selected). More
   * workers run more trials in the same budget (on 2 cores 1.6-3x as many in the nested-CV bench); as the strategy and the pruner then
   * see the trials in the order they finish, the same seed may take a different path from run to run, where one
   * worker and `maxTrials` give the same result every time. A custom `clock` needs one worker.
   */
  workers?: number;
  /** Cross-validation folds (default 5). */
  folds?: number;
  /**
   * When the trials cross-validate a seeded sample of the rows (stratified by class: every class in its share, and in
   * at least `folds` rows where it has them) instead of all of them. 'auto' (default): a sample of 20,000 on a larger
   * table when every row would not keep pace, i.e. when neither gradient boosting's default nor the random forest's
   * (else the first default), timed on one fold of 2,000 rows and scaled to all rows, could do its folds within the
   * search time (sampleNeed below); a number: a sample of that many whenever the table has more; false: every row. The
   * best pipeline is refitted on all rows when that refit, estimated from its fold fits scaled to all rows, fits in the
   * budget, else on the sample (`rows` in the result says which and why); the search keeps time for it when it would
   * take at most half the budget. Gradient boosting, the cheapest strong default there, then runs first. With the best
   * refitted on all rows no ensemble is built (the selection's evidence is of pipelines fitted on the sample: on the
   * synthetic table below boosting alone scored 86.2% on held-out rows, its blends with the light learners 85.7% and
   * 83.4%); with the best on the sample the ensemble's members are too. On that seeded synthetic 200,000-row table
   * (bench/automl-large.bench.ts) a 60 s run on every row completed only the naive Bayes and linear defaults (71.7% on
   * held-out rows); on the sample it finds gradient boosting, refitted on all rows (86.2%). Where every row keeps
   * pace (flights → delay, 160,000 rows) a 20,000-row sample had scored R² 0.045 on held-out rows against 0.091 with
   * every row: 'auto' keeps every row there.
   */
  sampleRows?: 'auto' | number | false;
  /**
   * Times the k-fold split is redrawn (seed, seed + 1, ...): a trial's score is the mean over all repeats' folds, and
   * ensemble selection scores its blends on every repeat's out-of-fold predictions. Default: 3 up to 500 rows, 2 up
   * to 1000, else 1 (on small tables one split's luck would otherwise pick the winner).
   */
  repeats?: number;
  /**
   * The numeric imputations searched (PreprocessConfig numericImpute). Default: all four ('median', 'mean',
   * 'most-frequent', 'knn') when at least 5 rows have a missing number, else only 'knn'. An imputation changes only
   * the rows with gaps, so on a table with fewer the cross-validation cannot tell the choices apart and would pick
   * one by the noise of the other parameters; the nearest-rows fill, the best informed, is then the one used for
   * the gaps new rows bring.
   */
  impute?: PreprocessConfig['numericImpute'][];
  /**
   * The most one-hot columns a categorical column may take in every pipeline (PreprocessConfig maxCategories,
   * default 64): more levels than that keep the most frequent and share one column for the rest, and a column whose
   * values never repeat (a name, an id) gets none. `notes` in the result says which columns it changed.
   */
  maxCategories?: number;
  /** Read columns of ISO dates as year, month, day, weekday (and hour) numbers (PreprocessConfig parseDates, default true). */
  parseDates?: boolean;
  /**
   * Pipelines whose out-of-fold predictions are bit for bit those of a better-ranked one (a parameter that changed
   * nothing) are one leaderboard row (default true); false keeps a row per distinct spec. The ensemble's library
   * is the same either way.
   */
  dedupePredictions?: boolean;
  /** Run every learner's defaults (space.ts defaultConfigs) as the first trials (default true). */
  startFromDefaults?: boolean;
  /** Learners to search over (default all that fit the task). */
  learners?: LearnerName[];
  onProgress?: (p: AutoMLProgress) => void;
  /**
   * Stops the search early (the CLI wires Ctrl-C to it): no trial starts after it fires, the one in progress stops at
   * its next fold boundary, and the result (best pipeline, ensemble) is built from the trials completed so far.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds now (default the process clock): every budget decision and reported time reads it. A test passes a clock it
   * advances itself, so what the budget stops does not depend on how busy the machine is.
   */
  clock?: () => number;
}

export interface AutoMLProgress {
  trial: number;
  learner: LearnerName;
  score: number;
  bestScore: number;
  elapsedSeconds: number;
  maxTrials?: number;
}

export interface LeaderboardRow {
  rank: number;
  trial: number;
  learner: LearnerName;
  /** The learner's searched parameters and the imputation/scaling. */
  params: LearnerParams;
  /** Mean of the per-fold scores. */
  score: number;
  std: number;
  /** Mean seconds to fit one fold. */
  fitSeconds: number;
}

export interface AutoMLResult {
  metric: MetricName;
  task: Task;
  /** The best trial's pipeline, refitted on all rows. */
  best: Pipeline;
  bestSpec: PipelineSpec;
  /** Completed trials best first, one row per distinct pipeline (a repeated one keeps its first trial) and, by default, per distinct out-of-fold predictions. */
  leaderboard: LeaderboardRow[];
  /** Per learner searched (in the order of `learners`, default learnerNames'): trials started and completed (one with none completed has no leaderboard row). */
  learnerTrials: { learner: LearnerName; trials: number; completed: number }[];
  /** Present when ensembling was on and at least two distinct pipelines completed. */
  ensemble?: EnsemblePipeline;
  /** The ensemble's score on the out-of-fold predictions it was selected on, as a leaderboard row's: the mean over the same folds (optimistic, as in auto-sklearn). */
  ensembleScore?: number;
  /**
   * What the ensemble's weights were chosen on, with ensembleScore: log loss for classification (a smooth objective
   * over calibrated probabilities, whatever `metric`), else `metric`; the ensemble can then score below the best
   * pipeline on `metric` while better on this.
   */
  ensembleObjective?: MetricName;
  /** Why no ensemble was built although ensembling was on and two pipelines completed, in words. */
  ensembleSkipped?: string;
  /**
   * What stopped it, with ensembleSkipped: 'budget' when the selection or the members' refits did not fit the time
   * (a larger budget leaves time for it), 'sample' when the trials ran on a sample and the best was refitted on every
   * row (the ensemble's evidence is of pipelines fitted on the sample).
   */
  ensembleSkippedBy?: 'budget' | 'sample';
  /** Per completed trial in trial order: its score and the best score up to it (for a progress plot). */
  history: { trial: number; score: number; best: number }[];
  trials: number;
  failedTrials: number;
  prunedTrials: number;
  elapsedSeconds: number;
  /** What preprocessing did to the table that a user should know (Preprocessor notes on all rows), e.g. an identifier column left out. */
  notes: string[];
  /** What makes the scores less telling that a user should know: classes with fewer rows than folds. */
  warnings: string[];
  /**
   * Rows with a target value (`total`), those the trials were cross-validated on (`searched`: all of them, or the
   * sample, `why` then saying why: sampleRows), and those the best pipeline was refitted on. An ensemble's members
   * are always fitted on the rows searched (past a sample with the best refitted on every row, no ensemble is built).
   */
  rows: { total: number; searched: number; best: number; why?: string };
  /**
   * Writes the best pipeline (`which` 'best', the default) or the selected ensemble ('ensemble'; the best pipeline
   * where none was built: `ensembleSkipped` says why, or too few pipelines completed) as JSON, atomically, and returns
   * which it wrote; `loadPipeline` reads it back. 'ensemble' had thrown where no ensemble was built, with no reason.
   */
  save(path: string, which?: 'best' | 'ensemble'): 'best' | 'ensemble';
}

interface TrialResult {
  spec: PipelineSpec;
  oof: OutOfFold;
  score: number;
  std: number;
  fitSeconds: number;
}

/** The options automl reads: a key outside them is a typo ('budgetSecond'), refused rather than ignored. */
const optionKeys: readonly (keyof AutoMLOptions)[] = ['data', 'target', 'budgetSeconds', 'maxTrials', 'metric', 'task', 'seed', 'strategy', 'pruner', 'ensemble', 'workers', 'folds', 'sampleRows', 'repeats', 'impute', 'maxCategories', 'parseDates', 'dedupePredictions', 'startFromDefaults', 'learners', 'onProgress', 'signal', 'clock'];
const ensembleKeys = ['size', 'candidates', 'bags', 'init', 'objective', 'calibrate', 'maxRows'];

/**
 * The options' names and the types a typo or a value from a config file gets wrong, before any work: a mistyped task
 * ('classify') had fitted a regression on class indices, an unknown key was ignored, and `learners: 'knn'` failed
 * deep inside with '.filter is not a function'.
 */
function checkOptions(opts: AutoMLOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError(`automl: needs an options object ({ data, target, ... }), got ${opts === null ? 'null' : typeof opts}`);
  const near = (key: string, keys: readonly string[]) => keys.find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 4)));
  for (const key of Object.keys(opts)) {
    if (!(optionKeys as readonly string[]).includes(key)) {
      const guess = near(key, optionKeys);
      throw new ArgumentError(`automl: unknown option ${JSON.stringify(key)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}; options: ${optionKeys.join(', ')}`);
    }
  }
  if (typeof opts.ensemble === 'object' && opts.ensemble !== null) {
    for (const key of Object.keys(opts.ensemble)) if (!ensembleKeys.includes(key)) throw new ArgumentError(`automl: unknown ensemble option ${JSON.stringify(key)}; ensemble options: ${ensembleKeys.join(', ')}`);
  }
  if (typeof opts.data !== 'string' && !(typeof opts.data === 'object' && opts.data !== null)) throw new ArgumentError(`automl: data must be a file path, a Table or an array of records, got ${opts.data === null ? 'null' : typeof opts.data}`);
  if (typeof opts.target !== 'string') throw new ArgumentError(`automl: target must be a column name (a string), got ${JSON.stringify(opts.target)}`);
  if (opts.task !== undefined && !['auto', 'classification', 'regression'].includes(opts.task)) throw new ArgumentError(`automl: task must be 'auto', 'classification' or 'regression', got ${JSON.stringify(opts.task)}`);
  for (const key of ['budgetSeconds', 'maxTrials', 'seed', 'workers', 'folds', 'repeats', 'maxCategories'] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== 'number') throw new ArgumentError(`automl: ${key} must be a number, got ${JSON.stringify(opts[key])}`);
  }
  if (opts.strategy !== undefined && typeof opts.strategy === 'string' && !['tpe', 'random'].includes(opts.strategy)) throw new ArgumentError(`automl: strategy must be 'tpe', 'random' or a strategy, got ${JSON.stringify(opts.strategy)}`);
  for (const key of ['learners', 'impute'] as const) if (opts[key] !== undefined && !Array.isArray(opts[key])) throw new ArgumentError(`automl: ${key} must be an array, got ${JSON.stringify(opts[key])}`);
}

function loadTable(data: string | Frame): Table {
  if (typeof data === 'string') return readTable(data);
  return isTable(data) ? data : tableFromRecords(data);
}

export async function automl(opts: AutoMLOptions): Promise<AutoMLResult> {
  // milliseconds since the epoch, with performance.now's fraction (a fold fit on a small table is under a ms)
  checkOptions(opts);
  const clock = opts.clock ?? processClock;
  const start = clock();
  const budget = opts.budgetSeconds ?? 60;
  if (!(budget > 0)) throw new ArgumentError(`automl: budgetSeconds must be > 0, got ${budget}`);
  if (opts.maxTrials !== undefined && !(Number.isInteger(opts.maxTrials) && opts.maxTrials >= 1)) throw new ArgumentError(`automl: maxTrials must be a positive integer, got ${opts.maxTrials}`);
  if (opts.folds !== undefined && !(Number.isInteger(opts.folds) && opts.folds >= 2)) throw new ArgumentError(`automl: folds must be an integer >= 2, got ${opts.folds}`);
  const workers = opts.workers ?? 1;
  if (!(Number.isInteger(workers) && workers >= 1)) throw new ArgumentError(`automl: workers must be a positive integer, got ${workers}`);
  if (workers > 1 && opts.clock) throw new ArgumentError(`automl: ${workers} workers time their fits on the process clock, got a clock of your own (it needs workers: 1)`);
  const seed = opts.seed ?? 0;
  const table = loadTable(opts.data);
  const enc = encodeTarget(table, opts.target, opts.task ?? 'auto');
  const task = enc.task;
  if (task === 'classification' && enc.classes.length < 2) {
    throw new ArgumentError(`automl: target ${JSON.stringify(opts.target)} must have at least two classes, got ${enc.classes.length === 0 ? 'none' : `only ${JSON.stringify(enc.classes[0])}`}`);
  }
  const metric = opts.metric ?? (task === 'classification' ? 'accuracy' : 'r2');
  const allowed: readonly MetricName[] = task === 'classification' ? classificationMetrics : regressionMetrics;
  if (!allowed.includes(metric)) throw new ArgumentError(`automl: metric for ${task} must be one of ${allowed.join(', ')}, got ${JSON.stringify(metric)}`);
  // the ensemble's options, checked before the search rather than after it
  if (typeof opts.ensemble === 'object') {
    for (const [key, min] of [['size', 1], ['candidates', 1], ['bags', 1], ['init', 0], ['maxRows', 1]] as const) {
      const v = opts.ensemble[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new ArgumentError(`automl: ensemble.${key} must be an integer >= ${min}, got ${v}`);
    }
    const objective = opts.ensemble.objective;
    if (objective !== undefined && !allowed.includes(objective)) throw new ArgumentError(`automl: ensemble.objective for ${task} must be one of ${allowed.join(', ')}, got ${JSON.stringify(objective)}`);
  }
  const learners = (opts.learners ?? [...learnerNames]).filter((l) => task === 'classification' || supportsRegression(l));
  for (const l of opts.learners ?? []) if (!learnerNames.includes(l)) throw new ArgumentError(`automl: learners must be among ${learnerNames.join(', ')}, got ${JSON.stringify(l)}`);
  if (learners.length === 0) throw new ArgumentError(`automl: needs at least one learner that supports ${task}, got [${(opts.learners ?? []).join(', ')}]`);

  const rows = enc.rows.length === table.nRows ? table : subsetTable(table, enc.rows);
  const features: Table = { columns: rows.columns.filter((c) => c.name !== opts.target), nRows: rows.nRows };
  const total = features.nRows;
  for (const i of opts.impute ?? []) if (!imputers.includes(i)) throw new ArgumentError(`automl: impute must be among ${imputers.join(', ')}, got ${JSON.stringify(i)}`);
  if (opts.impute && opts.impute.length === 0) throw new ArgumentError('automl: impute needs at least one imputation, got []');
  let rowsWithGaps = 0;
  // a column with no value at all is left out (Preprocessor), so its gaps are no reason to search the imputations
  const gappy = features.columns.filter((c) => c.kind === 'numeric' && c.values.some((v) => !Number.isNaN(v)));
  for (let r = 0; r < total; r++) if (gappy.some((c) => Number.isNaN(c.values[r]))) rowsWithGaps++;
  const maxCategories = opts.maxCategories;
  if (maxCategories !== undefined && !(Number.isInteger(maxCategories) && maxCategories >= 2)) throw new ArgumentError(`automl: maxCategories must be an integer >= 2, got ${maxCategories}`);
  // the preprocessing options the caller set, for every pipeline
  const fixed: Partial<PreprocessConfig> = { ...(maxCategories !== undefined ? { maxCategories } : {}), ...(opts.parseDates !== undefined ? { parseDates: opts.parseDates } : {}) };
  // its notes name rows as the table given does (the rows fitted are those with a target)
  const described = new Preprocessor({ numericImpute: 'median', scale: 'none', ...fixed }).fit(features, enc.rows);
  const notes = described.notes;
  // every column left out (identifiers: a name, an id, numbers written '1,000' read as text) leaves nothing to learn
  // from: a search would score the majority class and save it as a model
  if (described.featureNames.length === 0) {
    throw new ArgumentError(
      features.columns.length === 0
        ? `automl: the table has no column besides the target ${JSON.stringify(opts.target)}`
        : `automl: no column is left to learn from: ${notes.join('; ')}`,
    );
  }
  // a target of amounts written '45,797' (or numbers and a few words) is text, so each value a class: said, as for
  // a feature (it had become 100 classes of one row each without a word of why)
  const targetColumn = findColumn(table, opts.target);
  const targetHint = task === 'classification' && targetColumn?.kind === 'categorical' ? numbersAsTextHint(targetColumn.values) : undefined;
  if (targetHint) notes.push(`${opts.target} (the target): read as text, each value a class, though ${targetHint}`);
  const toSpec = (config: Config): PipelineSpec => {
    const spec = configToSpec(config, seed);
    return Object.keys(fixed).length === 0 ? spec : { ...spec, preprocess: { ...spec.preprocess, ...fixed } };
  };
  const impute: PreprocessConfig['numericImpute'][] = opts.impute ? [...new Set(opts.impute)] : rowsWithGaps >= 5 ? [...imputers] : ['knn'];
  const defaults = defaultConfigs(learners, impute.includes('median') ? 'median' : impute[0], task);

  const k = opts.folds ?? 5;
  const sampleRows = opts.sampleRows ?? 'auto';
  if (sampleRows !== false && sampleRows !== 'auto' && !(Number.isInteger(sampleRows) && sampleRows >= 2)) throw new ArgumentError(`automl: sampleRows must be 'auto', an integer >= 2 or false, got ${sampleRows}`);
  // the trials cross-validate a sample past sampleRows rows; past 20,000 with 'auto' only when every row would not
  // keep pace (sampleNeed); the refits may still use every row
  const sampleSize = sampleRows === 'auto' ? autoSampleRows : sampleRows;
  let sampleWhy: string | undefined;
  const strong = (['gradient-boosting', 'random-forest'] as const).flatMap((l) => defaults.filter((c) => c.learner === l));
  const probed = strong.length > 0 ? strong : defaults.slice(0, 1);
  if (sampleSize !== false && total > sampleSize) {
    sampleWhy = sampleRows === 'auto' ? sampleNeed(features, enc, opts.target, probed.map(toSpec), k, seed, clock, budget - Math.min(0.1 * budget, 5) - (clock() - start) / 1000) : `asked for past ${sampleSize} rows`;
  }
  const sample = sampleWhy === undefined || sampleSize === false ? undefined : task === 'classification' ? stratifiedSample(enc.y, sampleSize, k, seed) : randomSample(total, sampleSize, seed);
  const searched = sample ? subsetTable(features, sample) : features;
  const searchedY = sample ? takeTarget(enc.y, sample) : enc.y;
  const n = searched.nRows;
  // as scikit-learn's KFold: fewer rows than folds is an error, not leave-one-out in disguise (500 folds asked of 90
  // rows had run silently as 90 folds of one row; 2 rows gave every learner r² 0 and saved one)
  if (n < k) throw new ArgumentError(`automl: ${n} rows with a ${JSON.stringify(opts.target)} cannot be split into ${k} folds for cross-validation; ${n >= 2 ? `give folds <= ${n}, or ` : ''}more rows`);
  // scikit-learn warns too ('The least populated class in y has only 1 members, which is less than n_splits=5'): a
  // fold that tests such a class trains on fewer of its rows, or none, and most folds test none of it
  const warnings: string[] = [];
  if (task === 'classification') {
    const counts = new Array<number>(enc.classes.length).fill(0);
    for (const c of searchedY as Int32Array) counts[c]++;
    const rare = enc.classes.flatMap((name, c) => (counts[c] < k ? [`${JSON.stringify(name)} (${counts[c]} ${counts[c] === 1 ? 'row' : 'rows'})`] : []));
    if (rare.length > 0) warnings.push(`${rare.length === 1 ? 'class' : 'classes'} with fewer rows than the ${k} folds: ${rare.join(', ')}; the cross-validated scores say little about ${rare.length === 1 ? 'it' : 'them'}`);
  }
  const repeats = opts.repeats ?? (n <= 500 ? 3 : n <= 1000 ? 2 : 1);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ArgumentError(`automl: repeats must be a positive integer, got ${repeats}`);
  const folds = Array.from({ length: repeats }, (_, r) => (task === 'classification' ? stratifiedKFold(searchedY, k, seed + r) : kFold(n, k, seed + r))).flat();
  const testY = folds.map((test) => takeTarget(searchedY, test));
  const ctx: FoldContext = { features: searched, target: opts.target, task, y: searchedY, classes: enc.classes, labels: labelType(typeof opts.data === 'string' ? table : opts.data, opts.target), folds, ...(sample ? { all: { features, y: enc.y } } : {}) };
  // the fold fits: on this thread (one worker), or on a pool of worker threads with as many trials in flight
  let foldPool: FoldPool | undefined;
  const fold = foldTables(ctx);
  const fitOnFold = (spec: PipelineSpec, i: number, deadline: number): FoldFit | Promise<FoldFit> =>
    foldPool ? foldPool.fit(spec, i, deadline) : fitFold(ctx, fold(i), spec, deadline, clock);

  const better = greaterIsBetter(metric);
  const results = new Map<number, TrialResult>();
  let bestScore = better ? -Infinity : Infinity;
  const hardDeadline = start + budget * 1000;
  // leave a tenth of the budget (at most 5 s) for refitting the best pipeline and the ensemble
  const searchSeconds = Math.max(0, budget - Math.min(0.1 * budget, 5) - (clock() - start) / 1000);

  // stop starting trials once the next one (estimated as the mean trial so far) would run past the search time, unless
  // a default not yet tried remains: those then go cheapest first, each held to pace like any trial, before the run
  // stops. A slow default at the front (the forest on a wide table) can take most of the budget, and its time says
  // nothing of naive Bayes' or the linear model's: on 2,000 x 500 with 30 s the run used to end at 22.5 s with the
  // forest alone
  const stop = new AbortController();
  const reserveEnd = clock() + searchSeconds * 1000;
  // the best pipeline is refitted on all rows after the search, whatever the time left: the search also ends early
  // enough for that refit, estimated from the best trial's fold fits (k / (k - 1) times their rows). On 2,000 x 500
  // a 30 s run whose best was the forest ran to 31.1 s, its refit longer than the tenth of the budget kept back
  let searchEnd = reserveEnd;
  let trialMs = 0;
  const stopIfNextEndsLate = () => {
    const now = clock();
    if (now >= searchEnd) stop.abort();
    else if (now + (results.size > 0 ? trialMs / results.size : 0) <= searchEnd) return;
    else if (defaultsFirst && defaultsFirst.untried() > 0) defaultsFirst.cheapFirst();
    else stop.abort();
  };
  // a refit on `fitRows` rows (all n searched, or the whole table past a sample), from a fold fit on n (k - 1) / k:
  // scaled with the rows, plus a tenth, as trees grow a little faster than their rows (n log n) and one fit is not the
  // mean (measured on 2,000 x 500: the forest's refit took 4% and 7% longer than the linear scaling; on 200,000 x 21
  // gradient boosting's refit on 180,000 rows took 9.5x its fit on 16,000, estimated 12.4x)
  const refitMs = (foldFitMs: number, fitRows = n) => (1.1 * foldFitMs * fitRows * k) / (n * (k - 1));
  // the refit the search keeps time for: on every row past a sample when that takes at most half the budget (a slow
  // learner's refit on all rows is not worth most of the search), else on the rows searched. The refit on every row
  // is only started if it still fits when the search is over, and the last trial may end a little past the search
  // time: a tenth more is kept for it (on 200,000 rows with one worker boosting's 20.5 s refit had missed by 0.1 s
  // and been done on the sample)
  const plannedRefitMs = (foldFitMs: number) => (sample && refitMs(foldFitMs, total) <= (budget * 1000) / 2 ? 1.1 * refitMs(foldFitMs, total) : refitMs(foldFitMs));
  const objective = async (config: Config, trial: Trial): Promise<number> => {
    const t0Trial = clock();
    const spec = toSpec(config);
    // one out-of-fold prediction per row and repeat, repeats stacked: averaging them instead would score a bag of
    // `repeats` fits, kinder to unstable learners than the single refit that ensemble selection actually gets
    const oofData = new Float64Array(repeats * n * (task === 'classification' ? enc.classes.length : 1));
    const foldScores: number[] = [];
    let fitMs = 0;
    // a trial keeps pace or stops: fold i must be done by the (i + 1) / folds share of the search time left when the
    // trial started (the slow learners check it as they go; a fit that cannot be cut is checked when it ends), so
    // one that cannot finish its folds in time stops as soon as that shows, not at the search's end: on a 200k-row
    // table the default forest's first fold alone had taken 40 of the 60 s before it was stopped
    const pace = (i: number): number => t0Trial + ((searchEnd - t0Trial) * (i + 1)) / folds.length;
    const behind = (): never => {
      // while none has completed and search time remains, the defaults not yet run go cheapest first (on a big table
      // the forest at the front may not fit where the linear model does); otherwise the rule after every trial
      // (stopIfNextEndsLate: over at the search's end, else only if the next trial may fit)
      if (results.size === 0 && clock() < searchEnd) defaultsFirst?.cheapFirst();
      else stopIfNextEndsLate();
      return trial.prune(); // counted with the trials stopped early, not as a failure
    };
    for (const [i, test] of folds.entries()) {
      if (i > 0 && clock() > pace(i - 1)) behind();
      if (i > 0 && results.size > 0 && opts.signal?.aborted) throw new WhittleError('automl: trial stopped by the signal');
      const t0 = clock();
      const fitted = await fitOnFold(spec, i, pace(i));
      if ('late' in fitted) return behind();
      fitMs += clock() - t0;
      let out: { proba?: Matrix; pred?: Float64Array };
      const at = Math.floor(i / k) * n; // this repeat's block of stacked rows
      if ('proba' in fitted) {
        const proba = fitted.proba;
        test.forEach((row, j) => oofData.set(proba.data.subarray(j * proba.cols, (j + 1) * proba.cols), (at + row) * proba.cols));
        out = { proba };
      } else {
        const pred = fitted.pred;
        test.forEach((row, j) => (oofData[at + row] = pred[j]));
        out = { pred };
      }
      const s = score(metric, testY[i], out);
      foldScores.push(s);
      // the mean over the folds so far is the intermediate report (one fold's score alone is mostly that fold's
      // luck), so a pruner (median, Hyperband's) can stop a poor trial early; all trials share the folds, so step i
      // compares like with like
      trial.report(i, foldScores.reduce((a, b) => a + b, 0) / foldScores.length);
      if (i + 1 < folds.length && trial.shouldPrune()) {
        // checked after a stopped trial as well, or a run of stopped trials could start trials to the budget's end
        stopIfNextEndsLate();
        trial.prune();
      }
      // a macrotask turn between folds, so a signal (Ctrl-C) is seen mid-trial, not only when the search ends
      // (a browser has no setImmediate: a timer's turn there)
      if (opts.signal) await new Promise<void>((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
    }
    const mean = foldScores.reduce((a, b) => a + b, 0) / foldScores.length;
    const std = Math.sqrt(foldScores.reduce((a, b) => a + (b - mean) ** 2, 0) / foldScores.length);
    const oof: OutOfFold = task === 'classification' ? { proba: matrix(repeats * n, enc.classes.length, oofData) } : { pred: oofData };
    results.set(trial.index, { spec, oof, score: mean, std, fitSeconds: fitMs / 1000 / folds.length });
    if (better ? mean > bestScore : mean < bestScore) {
      bestScore = mean;
      searchEnd = Math.min(reserveEnd, hardDeadline - plannedRefitMs(fitMs / folds.length));
    }
    trialMs += clock() - t0Trial;
    stopIfNextEndsLate();
    opts.onProgress?.({ trial: trial.index, learner: spec.learner, score: mean, bestScore, elapsedSeconds: (clock() - start) / 1000, maxTrials: opts.maxTrials });
    return mean;
  };

  if (typeof opts.pruner === 'string' && opts.pruner !== 'median' && opts.pruner !== 'none') throw new ArgumentError(`automl: pruner must be 'median', 'none' or a pruner, got ${JSON.stringify(opts.pruner)}`);
  const pruner = (opts.pruner === undefined || opts.pruner === 'median' ? medianPruner() : opts.pruner === 'none' ? undefined : opts.pruner) as Pruner<Config> | undefined;
  const chosen = (opts.strategy === undefined || opts.strategy === 'tpe' ? tpe({ avoidRepeats: true }) : opts.strategy === 'random' ? randomSearch() : opts.strategy) as Strategy<Config>;
  // on a sample (the strong learners too slow for every row) boosting, the cheapest of them, comes first: the forest
  // at the front had taken 34 of a 53 s search on one worker and boosting, the best there, was never reached
  const first = sample ? [...defaults.filter((c) => c.learner === 'gradient-boosting'), ...defaults.filter((c) => c.learner !== 'gradient-boosting')] : defaults;
  const defaultsFirst = opts.startFromDefaults === false ? undefined : startWith(first, chosen);
  const strategy = defaultsFirst ?? chosen;
  const study = new Study<Config>({
    space: automlSpace(learners, impute, task),
    objective,
    directions: better ? 'maximize' : 'minimize',
    strategy,
    seed,
    seconds: searchSeconds,
    clock,
    concurrency: workers,
    // the caller's signal (Ctrl-C) and our own budget stop both end the search
    signal: opts.signal ? AbortSignal.any([stop.signal, opts.signal]) : stop.signal,
    ...(pruner ? { pruner } : {}),
    ...(opts.maxTrials !== undefined ? { trials: opts.maxTrials } : {}),
  });
  try {
    // the workers start inside the search time (in a tenth of a second or so), whose checks read the clock
    if (workers > 1) foldPool = await FoldPool.create(workers, ctx);
    return await finish(await study.optimize());
  } finally {
    await foldPool?.close();
  }

  // the leaderboard, the best pipeline and the ensemble, refitted on all rows (on the fold workers when there are)
  async function finish(outcome: Awaited<ReturnType<typeof study.optimize>>): Promise<AutoMLResult> {
    const complete = outcome.trials.filter((t) => t.state === 'complete' && results.has(t.index));
    if (complete.length === 0) {
      const why = outcome.trials.find((t) => t.error)?.error;
      if (opts.signal?.aborted) throw new WhittleError('automl: stopped by the signal before any trial completed');
      const stopped = outcome.trials.filter((t) => t.state === 'pruned').length;
      const late = stopped > 0 ? `; ${stopped === 1 ? 'the one trial started was stopped before its last fold' : `all ${stopped} trials started were stopped before their last fold`} to keep to the budget: this table needs a larger budgetSeconds` : '';
      throw new WhittleError(`automl: no trial completed within ${budget} s${why ? `; the first failure was: ${why}` : late}`);
    }
    // a strategy proposes a pipeline it has tried before now and then (TPE on a small discrete space, often): the same
    // spec fits the same models, so the leaderboard and the ensemble's library keep its first trial only
    const seen = new Set<string>();
    const ranked = complete
      .map((t) => ({ index: t.index, r: results.get(t.index)! }))
      .sort((a, b) => (better ? b.r.score - a.r.score : a.r.score - b.r.score) || a.index - b.index)
      .filter(({ r }) => {
        const key = JSON.stringify(r.spec);
        return !seen.has(key) && seen.add(key) !== undefined;
      });
    // pipelines that differ only in a parameter that changed nothing (a pruning strength that prunes nothing, a depth
    // limit the tree never reaches) give the same out-of-fold predictions bit for bit: one leaderboard row, so ten
    // copies of one tree do not fill the board. The library keeps them: leaving them out of it was tried and not
    // taken (bench/results/automl-small-table-ablation.json, C1: mean -0.01 points, movies -0.19 ± 0.15)
    const samePredictions = new PredictionSet();
    const shown = opts.dedupePredictions === false ? ranked : ranked.filter(({ r }) => samePredictions.add(oofValues(r.oof)));
    const leaderboard: LeaderboardRow[] = shown.map(({ index, r }, i) => ({
      rank: i + 1,
      trial: index,
      learner: r.spec.learner,
      params: specParams(r.spec),
      score: r.score,
      std: r.std,
      fitSeconds: r.fitSeconds,
    }));

    const history: AutoMLResult['history'] = [];
    let running = better ? -Infinity : Infinity;
    for (const t of [...complete].sort((a, b) => a.index - b.index)) {
      const sc = results.get(t.index)!.score;
      running = better ? Math.max(running, sc) : Math.min(running, sc);
      history.push({ trial: t.index, score: sc, best: running });
    }

    // a refit on every row (`all`) or on the rows searched, stopped at `deadline` (undefined when late): on a fold worker
    // when there are workers
    const workerPool = foldPool;
    const refit = async (spec: PipelineSpec, deadline: number, all: boolean): Promise<Pipeline | undefined> => {
      if (!workerPool) return refitAll(ctx, spec, deadline, clock, all);
      const r = await workerPool.refit(spec, deadline, all);
      return 'late' in r ? undefined : Pipeline.fromJSON(r.pipeline);
    };
    // on all rows past a sample when its estimate fits the budget (one that runs late after all falls back to the
    // sample), else on the rows searched; with no deadline that one is never late. On a worker it runs while this
    // thread selects the ensemble
    const bestSpec = ranked[0].r.spec;
    let bestRows = n;
    const bestOnSearched = () => refit(bestSpec, Infinity, false) as Promise<Pipeline>;
    const refitEvery = sample !== undefined && clock() + refitMs(ranked[0].r.fitSeconds * 1000, total) <= hardDeadline;
    const bestRefit = refitEvery ? refit(bestSpec, hardDeadline, true).then((p) => (p ? ((bestRows = total), p) : bestOnSearched())) : bestOnSearched();
    bestRefit.catch(() => {}); // awaited below; a failure there must not also surface as unhandled
    let best: Pipeline | undefined;
    let ensemble: EnsemblePipeline | undefined;
    let ensembleScore: number | undefined;
    let ensembleSkipped: string | undefined;
    let ensembleSkippedBy: AutoMLResult['ensembleSkippedBy'];
    const skip = (by: NonNullable<typeof ensembleSkippedBy>, why: string) => {
      ensembleSkippedBy = by;
      ensembleSkipped = why;
    };
    const ensembleOpts = typeof opts.ensemble === 'object' ? opts.ensemble : {};
    // what the selection's greedy steps optimize
    const selectionObjective = ensembleOpts.objective ?? (task === 'classification' ? 'log-loss' : metric);
    if (opts.ensemble !== false && ranked.length >= 2) {
      // on this thread the refit on every row is over already (its outcome a turn away): once it is known to have
      // succeeded no ensemble is built (below), and none is selected only to be dropped. On a worker the selection
      // runs beside that refit, in time this thread would spend idle
      if (refitEvery && !workerPool) best = await bestRefit;
      const moot = bestRows !== n;
      const o = ensembleOpts;
      // the best trials alone are often one learner's near-copies; each learner's best adds diversity (Caruana 2004)
      const top = ranked.slice(0, o.candidates ?? 10);
      const candidates = ranked.filter((c) => top.includes(c) || ranked.find((d) => d.r.spec.learner === c.r.spec.learner) === c);
      // the targets of the stacked out-of-fold rows: y once per repeat
      const yStacked = task === 'classification' ? new Int32Array(repeats * n) : new Float64Array(repeats * n);
      for (let r = 0; r < repeats; r++) yStacked.set(searchedY, r * n);
      // calibration and selection stop at the budget's end like a fit (checked about every million numbers they read):
      // on 20k rows of 220 classes they took a minute before selection read only the true classes. A run that cannot
      // finish them in time saves the best pipeline and says why
      const selected = moot ? undefined : beforeDeadline(
        hardDeadline,
        () => {
          // each member's temperature is fitted on as many rows as the selection reads (a million numbers at most)
          const maxRows = o.maxRows ?? 16384;
          const temperatures = candidates.map((p) => ('proba' in p.r.oof && o.calibrate !== false ? fitTemperature(p.r.oof.proba, yStacked, Math.min(1 << 20, maxRows * p.r.oof.proba.cols)) : 1));
          const library: OutOfFold[] = candidates.map((p, i) => ('proba' in p.r.oof ? { proba: temper(p.r.oof.proba, temperatures[i]) } : p.r.oof));
          const weights = ensembleSelection(
            library,
            yStacked,
            metric,
            o.size ?? 50,
            { bags: o.bags ?? 20, init: o.init ?? 3, seed, objective: selectionObjective, maxRows },
          );
          return { temperatures, library, weights };
        },
        clock,
      );
      if (!selected && !moot) skip('budget', `selecting the ensemble over ${candidates.length} pipelines did not fit the ${budget} s budget`);
      best = await bestRefit;
      // the selection's evidence, the out-of-fold predictions, is of pipelines fitted on the rows searched: past a
      // sample, with the best refitted on every row, the blend of members fitted on 8x fewer (or, refitted, on more:
      // the strong learners gain more from the rows than the light ones) is not what it measured. On the bench's
      // synthetic table boosting alone scored 86.2% on held-out rows, such blends 85.7% and 83.4%
      if ((moot || selected) && bestRows !== n) skip('sample', `the trials ran on a ${n}-row sample and the best pipeline was refitted on all ${total} rows, where the ensemble was chosen for pipelines fitted on the sample: the best alone is the model`);
      else if (selected) {
        const { temperatures, library, weights } = selected;
        // refit the heaviest members first; one whose refit (estimated from its fold fits) would end past the budget
        // is left out and the others' weights renormalized, so many light members cannot blow the budget. The estimate
        // can be wrong (a busier machine than during the search): a refit still running at the budget's end stops
        // there (between trees, rounds, epochs) and its member is left out too. The best pipeline, refitted already,
        // is kept whenever it is a member. With workers, as many refits run at once
        const fitted = new Map<number, Pipeline>();
        const order = candidates.map((_, i) => i).filter((i) => weights[i] > 0).sort((a, b) => weights[b] - weights[a] || a - b);
        let next = 0;
        const bestFitted = best;
        const lane = async (): Promise<void> => {
          while (next < order.length) {
            const i = order[next++];
            const c = candidates[i];
            if (c === ranked[0]) fitted.set(i, bestFitted);
            else if (clock() + refitMs(c.r.fitSeconds * 1000) <= hardDeadline) {
              const p = await refit(c.r.spec, hardDeadline, false);
              if (p) fitted.set(i, p);
            }
          }
        };
        await Promise.all(Array.from({ length: workerPool?.size ?? 1 }, lane));
        const keptTotal = [...fitted.keys()].reduce((a, i) => a + weights[i], 0);
        const kept = weights.map((w, i) => (fitted.has(i) ? w / keptTotal : 0));
        // the blend of the members refitted in time, when some were left out, against the best pipeline alone on the
        // selection's objective: on 180,000 rows with a 60 s budget the forests, heavy in the blend, were left out and
        // the rest (linear models and naive Bayes around gradient boosting) scored 0.853 out of fold against the
        // best's 0.865, 0.862 on held-out rows against 0.870
        const beatsBest = () => {
          const at = (w: number[]) => score(selectionObjective, yStacked, blend(library, w) as { proba?: Matrix; pred?: Float64Array });
          const alone = at(candidates.map((c) => (c === ranked[0] ? 1 : 0)));
          return greaterIsBetter(selectionObjective) ? at(kept) > alone : at(kept) < alone;
        };
        if (fitted.size === 0) skip('budget', `refitting the ensemble's members on all rows did not fit the ${budget} s budget`);
        else if (fitted.size < order.length && !beatsBest()) {
          skip('budget', `the ${fitted.size} of its ${order.length} members refitted within the ${budget} s budget blend no better than the best pipeline alone (${selectionObjective} on the out-of-fold rows)`);
        } else {
          ensembleScore = foldMeanScore(metric, blend(library, kept), folds, testY, k, n);
          const members = candidates.map((_, i) => i).filter((i) => fitted.has(i));
          ensemble = new EnsemblePipeline(
            members.map((i) => fitted.get(i)!),
            members.map((i) => kept[i]),
            members.map((i) => temperatures[i]),
          );
        }
      }
    }
    best ??= await bestRefit;
    const result: AutoMLResult = {
      metric,
      task,
      best,
      bestSpec,
      leaderboard,
      learnerTrials: learners.map((learner) => ({
        learner,
        trials: outcome.trials.filter((t) => t.config.learner === learner).length,
        completed: complete.filter((t) => t.config.learner === learner).length,
      })),
      ...(ensemble ? { ensemble, ensembleScore, ensembleObjective: selectionObjective } : {}),
      ...(ensembleSkipped ? { ensembleSkipped, ensembleSkippedBy } : {}),
      history,
      trials: outcome.trials.length,
      failedTrials: outcome.trials.filter((t) => t.state === 'failed').length,
      prunedTrials: outcome.trials.filter((t) => t.state === 'pruned').length,
      elapsedSeconds: (clock() - start) / 1000,
      notes,
      warnings,
      rows: { total, searched: n, best: bestRows, ...(sample ? { why: sampleWhy } : {}) },
      save(path: string, which: 'best' | 'ensemble' = 'best') {
        if (which !== 'best' && which !== 'ensemble') throw new ArgumentError(`automl.save: which must be 'best' or 'ensemble', got ${JSON.stringify(which)}`);
        const saved = which === 'ensemble' && ensemble ? 'ensemble' : 'best';
        const model: Predictor = saved === 'ensemble' ? ensemble! : best!;
        model.save(path);
        return saved;
      },
    };
    return result;
  }
}

/**
 * A score of stacked out-of-fold output (repeats blocks of n rows) as a leaderboard row's: the mean over the folds
 * (fold i of repeat floor(i / k)) of each fold's score. One score over all stacked rows is not comparable with it:
 * r² over pooled rows uses one mean for the target, each fold its own, and on 40 rows an ensemble of 0.98 times one
 * linear model read r² 0.853 where that model's row read 0.780.
 */
export function foldMeanScore(metric: MetricName, out: OutOfFold, folds: readonly Int32Array[], testY: readonly Target[], k: number, n: number): number {
  let sum = 0;
  folds.forEach((test, i) => {
    const at = Math.floor(i / k) * n;
    if ('proba' in out) {
      const { cols, data } = out.proba;
      const sub = new Float64Array(test.length * cols);
      test.forEach((row, j) => sub.set(data.subarray((at + row) * cols, (at + row + 1) * cols), j * cols));
      sum += score(metric, testY[i], { proba: matrix(test.length, cols, sub) });
    } else sum += score(metric, testY[i], { pred: Float64Array.from(test, (row) => out.pred[at + row]) });
  });
  return sum / folds.length;
}

/** The sample AutoML searches on by default, past as many rows and when every row would not keep pace. */
const autoSampleRows = 20000;

/**
 * Why the trials should cross-validate a sample of a table, or undefined when every row keeps pace. `specs` are the
 * defaults of the strong tree ensembles searched, gradient boosting's and the random forest's (else the first
 * default): each is timed on one fold of a 2,000-row subset, fit and predictions, and scaled to a fold of every row
 * (linearly for boosting, whose histograms make it linear in the rows; as n log n for the others, as trees grow); a
 * sample is needed when none of them could do its `folds` folds within the search's seconds (each probe is stopped
 * once its time shows it could not: on zipcodes, 59 classes, boosting's had taken 5 s of a 60 s run). Those trials
 * would be stopped at their pace, and with them every learner as slow, leaving the search the light ones (naive
 * Bayes, linear models): on a seeded synthetic 200,000-row table that was so (bench/automl-large.bench.ts: 71.7% on
 * held-out rows with every row, 86.2% on a sample), where on flights-200k → delay (160,000 rows x 2) boosting keeps
 * pace on every row and won there (R² 0.091 on held-out rows; a 20,000-row sample had preferred extra trees, 0.045),
 * and on zipcodes → state (33,639 rows, 59 classes) boosting cannot but the forest can. A probe that fails says
 * nothing (that trial will say why).
 */
export function sampleNeed(features: Table, enc: { task: Task; y: Target; classes: string[] }, target: string, specs: PipelineSpec[], folds: number, seed: number, clock: () => number, searchSeconds: number): string | undefined {
  const total = features.nRows;
  const probe = enc.task === 'classification' ? stratifiedSample(enc.y, 2000, folds, seed + 1) : randomSample(total, 2000, seed + 1);
  const y = takeTarget(enc.y, probe);
  const k = Math.min(folds, probe.length);
  const test = (enc.task === 'classification' ? stratifiedKFold(y, k, seed) : kFold(probe.length, k, seed))[0];
  const ctx: FoldContext = { features: subsetTable(features, probe), target, task: enc.task, y, classes: enc.classes, folds: [test] };
  const fold = foldTables(ctx)(0);
  const time = (s: number) => (s < 1 ? `${Math.round(s * 1000)} ms` : `${s < 10 ? s.toFixed(1) : Math.round(s)} s`);
  const late: string[] = [];
  for (const spec of specs) {
    // the probe's time that, scaled, reaches the search time: it is stopped there, the answer known
    const limitMs = (1000 * searchSeconds) / (folds * scaleFitTime(spec.learner, 1, probe.length - test.length, (total * (folds - 1)) / folds));
    try {
      if (!('late' in fitFold(ctx, fold, spec, clock() + limitMs, clock))) return undefined;
    } catch {
      return undefined;
    }
    late.push(`${spec.learner} over ${time(limitMs / 1000)}`);
  }
  return `cross-validating the default ${specs.map((s) => s.learner).join(' or ')} on all ${total} rows would take longer than the ${time(searchSeconds)} search (fits on ${probe.length - test.length} rows: ${late.join(', ')})`;
}

/**
 * A fold's seconds (fit and predictions) on `fromRows` training rows scaled to `toRows`, by how the learner's work
 * grows with the rows: as n log n for the trees and forests (each level sorts or splits its rows), as n² for kNN
 * (brute force: each of the fold's n / k test rows reads every training row; measured 15x from 2,000 to 8,000 rows
 * and 57x to 16,000, where n log n said 4.7x and 10x), linearly for the rest (boosting's histograms, the linear
 * models' and the MLP's passes over the rows, naive Bayes' counts).
 */
export function scaleFitTime(learner: LearnerName, seconds: number, fromRows: number, toRows: number): number {
  const trees = learner === 'decision-tree' || learner === 'random-forest' || learner === 'extra-trees';
  const g = (rows: number) => (learner === 'knn' ? rows * rows : trees ? rows * Math.log2(Math.max(2, rows)) : rows);
  return (seconds * g(toRows)) / g(fromRows);
}

/** A set of prediction arrays, equal when bit for bit equal: add() says whether the array was new. */
class PredictionSet {
  private readonly byHash = new Map<number, Float64Array[]>();

  add(values: Float64Array): boolean {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    let h = 0x811c9dc5;
    for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193);
    const same = this.byHash.get(h);
    const equal = (o: Float64Array) => o.length === values.length && o.every((v, i) => Object.is(v, values[i]));
    if (same?.some(equal)) return false;
    if (same) same.push(values);
    else this.byHash.set(h, [values]);
    return true;
  }
}

/**
 * A strategy that proposes `first` (in order) before handing over to `then`, which sees their results as history.
 * `cheapFirst()` reorders the configs not yet proposed by the learners' typical fit cost, cheapest first: for when
 * the strong defaults at the front (forests, boosting) are too slow for the table and the budget; `untried()` counts
 * the configs not yet proposed.
 */
function startWith(first: readonly Config[], then: Strategy<Config>): Strategy<Config> & { cheapFirst(): void; untried(): number } {
  const queue = [...first];
  let asked = 0;
  return {
    name: then.name,
    ...(then.pruner ? { pruner: then.pruner } : {}),
    ask: (ctx) => {
      if (ctx.index >= queue.length) return then.ask(ctx);
      asked = Math.max(asked, ctx.index + 1);
      return { config: queue[ctx.index] };
    },
    cheapFirst() {
      const rest = queue.splice(asked).sort((a, b) => fitCost.indexOf(a.learner as LearnerName) - fitCost.indexOf(b.learner as LearnerName));
      queue.push(...rest);
    },
    untried: () => queue.length - asked,
  };
}

/** Learners by the typical cost of a default fit on a large table, cheapest first. */
const fitCost: readonly LearnerName[] = ['gaussian-nb', 'categorical-nb', 'linear', 'decision-tree', 'linear-svm', 'knn', 'mlp', 'extra-trees', 'gradient-boosting', 'random-forest'];

/** What a leaderboard row shows of a pipeline: the learner's searched parameters, the imputation and (kNN) the scaling. */
export function specParams(spec: PipelineSpec): LearnerParams {
  return { ...spec.params, impute: spec.preprocess?.numericImpute, ...(spec.learner === 'knn' ? { scale: spec.preprocess?.scale } : {}) };
}

/** Parameters as `key=value` words: fractions to 3 significant digits, lists as [a,b]. */
export function formatParams(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`)
    .join(' ');
}

/** Leaderboard as an aligned text table (rank, learner, CV score ± std, fit time, key params). */
export function formatLeaderboard(rows: readonly LeaderboardRow[], metric: MetricName, limit = 10): string {
  const head = `rank  learner            ${metric.padEnd(17)}  fit s   params`;
  const lines = rows.slice(0, limit).map((r) => `${String(r.rank).padStart(4)}  ${r.learner.padEnd(17)}  ${`${r.score.toFixed(4)} ± ${r.std.toFixed(4)}`.padEnd(17)}  ${r.fitSeconds.toFixed(3).padStart(6)}  ${formatParams(r.params)}`);
  return [head, ...lines].join('\n');
}

