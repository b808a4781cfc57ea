// AutoML on tables too big to cross-validate every row in the budget: the saved model's score on held-out rows with
// the trials on every row (sampleRows: false) against the default (sampleRows 'auto': a 20,000-row sample when
// gradient boosting's default, timed on 2,000 rows, would not keep pace on every row; the refits then on every row
// when that fits). Quality, not speed: each table is split 80/20 at random (seeded), each run gets the same 60 s
// budget on the 80% and its saved model (the ensemble when one was built, else the best pipeline, as `whittle
// automl` saves) is scored on the 20%.
//   - synthetic: 200,000 rows x 20 numbers + 1 category, a seeded nonlinear class boundary (interactions, a sine, a
//     threshold, a square) with noise: the strong learners need many rows to fit it and cannot cross-validate them all
//     in 60 s;
//   - zipcodes → state (vega-datasets zipcodes.csv, 42,049 US zip codes): latitude and longitude only, 59 classes;
//   - flights-200k → delay in minutes (regression) and → late (delay > 15 min), from distance and the hour.
// Run: `npx tsx bench/automl-large.bench.ts` (8 runs of 60 s and the loading: about 10 minutes on 2 cores;
// BENCH_QUICK=1 gives each run 10 s, a smoke run; AUTOML_WORKERS=n sets the workers, default one per core as the
// command; BENCH_SETS=synthetic,flights-late runs only those). Writes bench/results/automl-large.json, where a
// BENCH_SETS run replaces only its sets' entries.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { Random } from '../core/random.js';
import { type Column, type Table, categoricalColumn, numericColumn, withTarget } from '../core/data/csv.js';
import { packageDir } from '../core/data/datasets.js';
import { automl } from '../search/automl/automl.js';
import { subsetTable } from '../search/automl/frame.js';
import { r2 } from '../search/automl/metrics.js';
import { defaultWorkers } from '../search/workers.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const budget = quick ? 10 : 60;
const workers = Number(process.env.AUTOML_WORKERS ?? defaultWorkers());

interface LargeSet {
  id: string;
  target: string;
  about: string;
  task: 'classification' | 'regression';
  load(): Table;
}

/** 200,000 rows: x0..x19 standard normal, c one of six levels; y 'pos' when a nonlinear score plus noise is > 0. */
function synthetic(): Table {
  const n = 200_000;
  const rng = new Random(2026);
  const x = Array.from({ length: 20 }, () => new Float64Array(n));
  const c: string[] = new Array(n);
  const y: string[] = new Array(n);
  const levels = ['a', 'b', 'c', 'd', 'e', 'f'];
  const effect = [0.8, -0.6, 0.3, 0, -0.3, 0.5];
  for (let i = 0; i < n; i++) {
    for (const col of x) col[i] = rng.normal();
    const l = rng.int(levels.length);
    c[i] = levels[l];
    const s = 1.2 * x[0][i] * x[1][i] + Math.sin(2 * x[2][i]) + (x[3][i] > 0.5 ? x[4][i] : -0.5 * x[4][i]) + 0.6 * (x[5][i] ** 2 - 1) + 0.4 * x[6][i] + effect[l] + rng.normal(0, 0.7);
    y[i] = s > 0 ? 'pos' : 'neg';
  }
  const columns: Column[] = [...x.map((v, j) => numericColumn(`x${j}`, v)), categoricalColumn('c', c), categoricalColumn('y', y)];
  return withTarget(columns, 'y', 'synthetic');
}

function zipcodes(): Table {
  const path = join(packageDir('vega-datasets'), 'data', 'zipcodes.csv');
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  if (lines[0] !== 'zip_code,latitude,longitude,city,state,county') throw new FormatError(`automl-large: zipcodes.csv must start with its header line, got ${JSON.stringify(lines[0])}`, path, 'line 1');
  const rows = lines.slice(1).map((l) => l.split(',')).filter((f) => f[1] !== '' && f[2] !== '' && f[4] !== '');
  return withTarget([numericColumn('latitude', rows.map((f) => Number(f[1]))), numericColumn('longitude', rows.map((f) => Number(f[2]))), categoricalColumn('state', rows.map((f) => f[4]))], 'state', path);
}

function flights(target: 'delay' | 'late'): Table {
  const path = join(packageDir('vega-datasets'), 'data', 'flights-200k.json');
  const records = JSON.parse(readFileSync(path, 'utf8')) as { delay: number; distance: number; time: number }[];
  if (!Array.isArray(records) || !records.every((r) => typeof r.delay === 'number' && typeof r.distance === 'number' && typeof r.time === 'number')) {
    throw new FormatError('automl-large: flights-200k.json must be records of delay, distance and time numbers', path);
  }
  const columns: Column[] = [numericColumn('distance', records.map((r) => r.distance)), numericColumn('time', records.map((r) => r.time))];
  columns.push(target === 'delay' ? numericColumn('delay', records.map((r) => r.delay)) : categoricalColumn('late', records.map((r) => (r.delay > 15 ? 'late' : 'on time'))));
  return withTarget(columns, target, path);
}

// BENCH_SETS=synthetic,flights-late runs only those
const only = process.env.BENCH_SETS?.split(',');
const sets: LargeSet[] = [
  { id: 'synthetic', target: 'y', about: '200,000 rows, 20 numeric + 1 categorical, nonlinear boundary', task: 'classification', load: synthetic },
  { id: 'zipcodes-state', target: 'state', about: '42,049 zip codes, latitude + longitude, 59 states', task: 'classification', load: zipcodes },
  { id: 'flights-delay', target: 'delay', about: '200,000 flights, distance + hour, delay in minutes', task: 'regression', load: () => flights('delay') },
  { id: 'flights-late', target: 'late', about: '200,000 flights, distance + hour, delay > 15 min', task: 'classification', load: () => flights('late') },
];

/** Accuracy, or R² for a number target, of `pred` against the held-out target column. */
function heldOutScore(task: LargeSet['task'], truth: Column, pred: (string | number)[]): number {
  if (task === 'classification') return pred.filter((p, i) => p === truth.values[i]).length / pred.length;
  return r2(truth.values as Float64Array, pred.map(Number));
}

// held-out rows are scored as cross-validation scores them: a cell the fitted preprocessing cannot read is a gap
const asGaps = { unreadable: 'missing' } as const;

const results: { id: string; [k: string]: unknown }[] = [];
for (const set of sets.filter((s) => !only || only.includes(s.id))) {
  const table = set.load();
  const perm = new Random(7).permutation(table.nRows);
  const cut = Math.floor(0.8 * table.nRows);
  const train = subsetTable(table, perm.slice(0, cut).sort());
  const test = subsetTable(table, perm.slice(cut).sort());
  const runs: Record<string, unknown> = {};
  for (const sampleRows of [false, 'auto'] as const) {
    const res = await automl({ data: train, target: set.target, budgetSeconds: budget, workers, seed: 0, sampleRows });
    const model = res.ensemble ?? res.best;
    const score = heldOutScore(set.task, test.target!, model.predict(test, asGaps) as (string | number)[]);
    // the best pipeline alone too: past a sample the ensemble's weights were chosen on members fitted on the sample
    const bestScore = res.ensemble ? heldOutScore(set.task, test.target!, res.best.predict(test, asGaps) as (string | number)[]) : score;
    runs[String(sampleRows)] = {
      heldOut: score,
      bestHeldOut: bestScore,
      model: res.ensemble ? `ensemble of ${res.ensemble.members.length} (${res.ensemble.members.map((m) => m.spec.learner).join(', ')})` : `best (${res.bestSpec.learner})${res.ensembleSkipped ? `; no ensemble: ${res.ensembleSkipped}` : ''}`,
      rows: res.rows,
      trials: res.trials,
      seconds: res.elapsedSeconds,
    };
    console.log(`${set.id.padEnd(16)} sampleRows ${String(sampleRows).padEnd(5)} ${set.task === 'classification' ? 'accuracy' : 'R2'} ${score.toFixed(4)} (best alone ${bestScore.toFixed(4)})  searched ${res.rows.searched} of ${res.rows.total}, best refitted on ${res.rows.best}  ${res.trials} trials ${res.elapsedSeconds.toFixed(1)} s  ${(runs[String(sampleRows)] as { model: string }).model}`);
  }
  results.push({ id: set.id, target: set.target, about: set.about, task: set.task, trainRows: train.nRows, testRows: test.nRows, runs });
}

const out = join(here, 'results', 'automl-large.json');
mkdirSync(dirname(out), { recursive: true });
// a BENCH_SETS run replaces only its sets' entries (each keeps the date of its run)
const now = new Date().toISOString();
const kept = only && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { sets: { id: string }[] }).sets.filter((s) => !only.includes(s.id)) : [];
const ordered = [...kept, ...results.map((r) => ({ ...r, date: now }))].sort((a, b) => sets.findIndex((s) => s.id === a.id) - sets.findIndex((s) => s.id === b.id));
writeFileAtomic(out, `${JSON.stringify({ node: process.version, quick, budgetSeconds: budget, workers, sets: ordered }, null, 2)}\n`);
console.log(`wrote ${out}`);
