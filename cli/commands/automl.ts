// whittle automl: joint search over learners, their hyperparameters and preprocessing on a table; saves the best pipeline.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, num, str, bool, required, UsageError } from '../args.js';
import { loadTable, targetOf } from '../data.js';
import { createProgress, interrupt, tickSeconds } from '../progress.js';
import { automl, formatLeaderboard, specParams, type AutoMLResult } from '../../search/automl/automl.js';
import { encodeTarget } from '../../search/automl/pipeline.js';
import { type LearnerName, learnerNames } from '../../search/automl/learners.js';
import { type MetricName, classificationMetrics, greaterIsBetter, regressionMetrics } from '../../search/automl/metrics.js';
import { plural, writeReport, type ReportData } from '../report/html.js';
import { defaultWorkers } from '../../search/workers.js';
import type { PreprocessConfig } from '../../search/automl/preprocess.js';
import { type Table, findColumn } from '../../search/automl/frame.js';

export const automlSpec: CommandSpec = {
  name: 'automl',
  summary: 'search learners + hyperparameters + preprocessing on a table; print the leaderboard; save the ensemble or the best pipeline',
  usage: 'whittle automl --data FILE.csv|iris|penguins|cars [--target COLUMN] [--budget SECONDS] [--out pipeline.json]',
  options: {
    data: { type: 'string', path: 'input', help: 'a CSV/TSV/ARFF/JSON-records file or a built-in table (iris, penguins, cars)' },
    target: { type: 'string', help: 'the column to predict (built-in tables: their label, e.g. species for iris)' },
    budget: { type: 'number', above: 0, help: 'time budget in seconds', default: 60 },
    trials: { type: 'number', integer: true, min: 1, help: 'stop after this many trials' },
    strategy: { type: 'string', help: 'search strategy', choices: ['tpe', 'random'], default: 'tpe' },
    task: { type: 'string', help: "classification or regression; auto: a number target with more than 10 distinct values (or any non-integer) is regression, else classification", choices: ['auto', 'classification', 'regression'], default: 'auto' },
    metric: {
      type: 'string',
      help: 'what the search maximizes (or minimizes, log-loss and rmse): default accuracy for a class target, r2 for a numeric one; balanced-accuracy or macro-f1 when a class is rare',
      choices: [...classificationMetrics, ...regressionMetrics],
    },
    folds: { type: 'number', integer: true, min: 2, help: 'cross-validation folds', default: 5 },
    repeats: { type: 'number', integer: true, min: 1, help: 'times the folds are redrawn (default 3 up to 500 rows, 2 up to 1000, else 1)' },
    sampleRows: {
      type: 'string',
      help: "when the trials cross-validate a sample (stratified by class) instead of every row: 'auto', a 20000-row sample past 20000 rows when neither gradient boosting's nor the random forest's default (timed on 2000 rows) would keep pace with the budget on every row; N, a sample of N past N rows; 'all', every row. The best pipeline is then refitted on all rows when that fits the budget (and saved alone: the ensemble is chosen for pipelines fitted on the sample)",
      default: 'auto',
    },
    learners: { type: 'string', items: learnerNames, help: `learners to search, comma-separated (default all that fit the task): ${learnerNames.join(',')}` },
    impute: { type: 'string', items: ['median', 'mean', 'most-frequent', 'knn'], help: 'numeric imputations to search, comma-separated: median,mean,most-frequent,knn (default all four when at least 5 rows have a missing number, else knn)' },
    maxCategories: { type: 'number', integer: true, min: 2, help: 'most one-hot columns per categorical column: more levels keep the most frequent and share one column for the rest; a column whose values never repeat (a name, an id) is left out', default: 64 },
    dates: { type: 'boolean', help: "read columns of dates (ISO 2012-01-31, or 2012/01/31) as year, month, day, weekday (and hour) numbers; --dates false keeps them categories", default: true },
    prune: { type: 'string', help: "stop poor trials between folds: 'median' (median stopping rule on the mean score so far) or 'none'", choices: ['median', 'none'], default: 'median' },
    ensemble: { type: 'boolean', help: "bagged ensemble selection over each learner's best and the best pipelines (Caruana et al. 2004)", default: true },
    save: { type: 'string', help: "what --out holds: 'ensemble' (the selected ensemble; the best pipeline when none was built) or 'best' (the best single pipeline)", choices: ['ensemble', 'best'], default: 'ensemble' },
    out: { type: 'string', path: 'output', help: 'where to save the pipeline (JSON)', default: 'pipeline.json' },
    report: { type: 'string', path: 'output', help: 'also write an HTML report: the leaderboard per learner, the best score by trial, what was done to the columns' },
    workers: { type: 'number', integer: true, min: 1, help: 'trials at once, their fits on worker threads; one per core by default (more trials in the budget). With more than one the same --seed may take another path, as trials finish in varying order; --workers 1 with --trials repeats a run exactly', default: defaultWorkers() },
    quiet: { type: 'boolean', help: 'no progress', default: false },
  },
  examples: ['whittle automl --data penguins --target Species --budget 30', 'whittle automl --data my.csv --target label --out best.json'],
};

export async function runAutoml(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<AutoMLResult> {
  const data = required(p, 'data', 'automl');
  const target = targetOf(str(p, 'target'), data, 'automl', log);
  const table = loadTable(data, target, 'automl');
  const budget = num(p, 'budget')!;
  const task = str(p, 'task') as 'auto' | 'classification' | 'regression';
  // the rows AutoML learns from: those with a target value
  const enc = encodeTarget(table, target, task);
  const labelled = enc.rows.length;
  // more folds than labelled rows: said for the flag, before the search (the library names its option, `folds`)
  const folds = num(p, 'folds')!;
  if (folds > labelled) throw new UsageError(`automl: --folds ${folds} needs at least ${folds} rows with a ${target}, ${data} has ${labelled}; give ${labelled >= 2 ? `--folds 2 to ${labelled}, or ` : ''}more rows`);
  const rows = `${labelled} rows${labelled < table.nRows ? ` with a ${target} (${table.nRows - labelled} without one left out)` : ''}`;
  interrupt.install();
  if (!bool(p, 'quiet')) process.stderr.write(`automl: ${rows}, ${taskNote(enc, task, table, target)}, up to ${budget} s (Ctrl-C stops early and keeps the best so far)\n`);
  const progress = createProgress('automl', num(p, 'trials') ?? Math.round(budget), { quiet: bool(p, 'quiet') });
  let lastTrial = 0;
  // counting seconds (no --trials), the bar moves with the clock too, between the trials that finish
  let detail = 'no trial finished yet';
  const stopTicking = num(p, 'trials') ? () => {} : tickSeconds(progress, Math.round(budget), () => detail);
  const sampleRows = parseSampleRows(str(p, 'sampleRows')!);
  const res = await automl({
    data: table, target, budgetSeconds: budget, maxTrials: num(p, 'trials'), seed: num(p, 'seed'), folds: num(p, 'folds'), repeats: num(p, 'repeats'),
    strategy: str(p, 'strategy') as 'tpe' | 'random', ensemble: bool(p, 'ensemble'), signal: interrupt.controller.signal,
    pruner: str(p, 'prune') as 'median' | 'none',
    workers: num(p, 'workers'),
    sampleRows,
    ...(str(p, 'metric') !== undefined ? { metric: str(p, 'metric') as MetricName } : {}),
    task,
    maxCategories: num(p, 'maxCategories'),
    parseDates: bool(p, 'dates'),
    ...(str(p, 'learners') !== undefined ? { learners: str(p, 'learners')!.split(',').map((s) => s.trim()) as LearnerName[] } : {}),
    ...(str(p, 'impute') !== undefined ? { impute: str(p, 'impute')!.split(',').map((s) => s.trim()) as PreprocessConfig['numericImpute'][] } : {}),
    // with several workers trials finish out of order: the count shown is the highest trial finished
    onProgress: (e) => {
      detail = `trial ${e.trial} ${e.learner} ${e.score.toFixed(4)} best ${e.bestScore.toFixed(4)}`;
      progress.update(num(p, 'trials') ? (lastTrial = Math.max(lastTrial, e.trial)) : Math.min(Math.round(e.elapsedSeconds), Math.round(budget)), detail);
    },
  }).finally(stopTicking);
  progress.done(`${res.trials} trials (${res.prunedTrials} stopped early, ${res.failedTrials} failed)${interrupt.requested ? ', stopped early by Ctrl-C' : ''}`);
  for (const note of res.notes) log(`column ${note}`);
  for (const w of res.warnings) log(`warning: ${w}`);
  const sampled = sampleNote(res.rows);
  if (sampled) log(sampled);
  // the leaderboard and the ensemble's score are what the command is run for: stdout (notes and progress: stderr)
  out(`${formatLeaderboard(res.leaderboard, res.metric)}\n`);
  if (res.ensemble) out(`${ensembleLine(res)}\n`);
  const noEnsemble = ensembleNote(res);
  if (noEnsemble) log(noEnsemble);
  const file = resolve(str(p, 'out')!);
  const which = str(p, 'save') === 'ensemble' && res.ensemble ? 'ensemble' : 'best';
  res.save(file, which);
  const what = which === 'ensemble' ? `the ensemble of ${plural(res.ensemble!.members.length, 'pipeline')} (${memberSummary(res.ensemble!.members.map((m) => m.spec.learner))})` : `the best pipeline (${res.bestSpec.learner})`;
  log(`saved ${what} to ${file}${interrupt.requested ? ' (stopped early by Ctrl-C)' : ''}`);
  const report = str(p, 'report');
  if (report) {
    writeReport(resolve(report), { title: `whittle automl ${str(p, 'data')}`, automl: automlSection(res, `${str(p, 'data')} → ${target} (${rows}${sampled ? `; ${sampled}` : ''})`, which, file, interrupt.requested) });
    log(`wrote the report to ${resolve(report)}`);
  }
  return res;
}

/** The AutoML part of an HTML report from a result. */
export function automlSection(res: AutoMLResult, dataset: string, which: 'ensemble' | 'best' = res.ensemble ? 'ensemble' : 'best', savedTo?: string, stoppedByUser = false): NonNullable<ReportData['automl']> {
  const ensemble = which === 'ensemble' ? res.ensemble : undefined;
  return {
    run: { trials: res.trials, stoppedEarly: res.prunedTrials, failed: res.failedTrials, seconds: res.elapsedSeconds, stoppedByUser },
    missing: {
      unfinished: res.learnerTrials.filter((l) => l.trials > 0 && l.completed === 0).map((l) => l.learner),
      untried: res.learnerTrials.filter((l) => l.trials === 0).map((l) => l.learner),
    },
    model: ensemble
      ? { kind: 'ensemble', ...(savedTo ? { savedTo } : {}), score: res.ensembleScore, members: ensemble.members.map((m, i) => ({ learner: m.spec.learner, weight: ensemble.weights[i], params: specParams(m.spec) as Record<string, unknown> })) }
      : { kind: 'best', ...(savedTo ? { savedTo } : {}), ...(res.ensembleSkipped ? { why: ensembleNote(res) } : {}), score: res.leaderboard[0]?.score, members: [{ learner: res.bestSpec.learner, weight: 1, params: specParams(res.bestSpec) as Record<string, unknown> }] },
    metric: res.metric,
    leaderboard: res.leaderboard.map((r) => ({ rank: r.rank, learner: r.learner, score: r.score, params: r.params as Record<string, unknown>, fitSeconds: r.fitSeconds })),
    history: res.history.map((h) => ({ trial: h.trial, best: h.best })),
    dataset,
    lowerIsBetter: !greaterIsBetter(res.metric),
    notes: res.notes,
  };
}

/** --sample-rows: 'auto', a row count >= 2, or 'all' (no sample). */
function parseSampleRows(v: string): number | false | 'auto' {
  if (v === 'all') return false;
  if (v === 'auto') return 'auto';
  const m = Number(v);
  if (!(Number.isInteger(m) && m >= 2)) throw new UsageError(`automl: --sample-rows must be 'auto', an integer >= 2 or 'all', got ${JSON.stringify(v)}`);
  return m;
}

/** What a user should know when the trials saw a sample: how many rows, why, and which rows the best pipeline learnt from. */
export function sampleNote(rows: AutoMLResult['rows']): string | undefined {
  if (rows.searched === rows.total) return undefined;
  return `trials cross-validated a sample of ${rows.searched} of the ${rows.total} rows (${rows.why}; --sample-rows); the best pipeline was refitted on ${rows.best === rows.total ? `all ${rows.total} rows` : `the ${rows.searched}-row sample`}`;
}

/**
 * The task, and when it was guessed from a numeric target how to ask for the other: a target of 1.5 and 2.5 is read
 * as numbers (regression), one of whole numbers with at most 10 distinct values as classes.
 */
export function taskNote(enc: { task: 'classification' | 'regression'; classes: string[] }, asked: 'auto' | 'classification' | 'regression', table: Table, target: string): string {
  // the target is held apart from the features (table.target) when the table was read for it
  const numericTarget = findColumn(table, target)?.kind === 'numeric';
  const what = enc.task === 'regression' ? 'regression' : `classification into ${enc.classes.length} classes`;
  if (asked !== 'auto' || !numericTarget) return what;
  return enc.task === 'regression' ? `${what} (a numeric target; --task classification reads its values as classes)` : `${what} (whole numbers, at most 10 distinct; --task regression reads them as numbers)`;
}

/**
 * The ensemble's score, and when it is below the best pipeline's on the metric, why it is the model all the same
 * and how to save the best instead: a user had seen 'accuracy 0.0684' under a best of 0.0869 and the ensemble saved.
 */
export function ensembleLine(res: Pick<AutoMLResult, 'metric' | 'ensembleScore' | 'ensembleObjective' | 'leaderboard'>): string {
  const line = `ensemble of the best pipelines: ${res.metric} ${res.ensembleScore?.toFixed(4)} (on the out-of-fold predictions it was chosen on)`;
  const best = res.leaderboard[0]?.score;
  if (res.ensembleScore === undefined || best === undefined) return line;
  const worse = greaterIsBetter(res.metric) ? res.ensembleScore < best : res.ensembleScore > best;
  if (!worse) return line;
  const why = res.ensembleObjective && res.ensembleObjective !== res.metric ? `its weights were chosen on ${res.ensembleObjective}, not ${res.metric}` : 'its weights were chosen on bags of the candidates';
  return `${line}; below the best pipeline's ${best.toFixed(4)}: ${why}; --save best saves the best pipeline instead`;
}

/** Why no ensemble was built, when none was: the reasons that are the budget's say a larger one helps; the other (a sample) says what the model is. */
export function ensembleNote(res: Pick<AutoMLResult, 'ensembleSkipped' | 'ensembleSkippedBy'>): string | undefined {
  if (!res.ensembleSkipped) return undefined;
  return `no ensemble: ${res.ensembleSkipped}${res.ensembleSkippedBy === 'budget' ? ' (a larger --budget leaves time for it)' : ''}`;
}

/** 'linear-svm x3, mlp, knn': each learner once, with its count when it appears more than once, in first-seen order. */
function memberSummary(learners: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of learners) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, c]) => (c > 1 ? `${l} x${c}` : l)).join(', ');
}
