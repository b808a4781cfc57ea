// AutoML quality, not speed: cross-validated accuracy of search/automl against baselines on the same folds.
//   1. iris: AutoML vs a random-search-tuned random forest (10 draws from the grid n_estimators {10,50,100,200},
//      max_features {sqrt,log2,all}, max_depth {none,10,20,30}; 5-fold CV through our own forest).
//   2. penguins (numeric + categorical + missing): AutoML within 60 s vs every learner at its defaults (5-fold CV).
//   3. our CART / random forest / extra trees vs scikit-learn's published iris numbers on sklearn's own folds
//      (bench/reference/README.md says where each reference number comes from).
// Run: `npx tsx bench/automl.bench.ts` (BENCH_QUICK=1 shrinks the budgets to a smoke run). Writes bench/results/automl.json.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { iris, penguins } from '../core/data/datasets.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { Random } from '../core/random.js';
import { automl, formatLeaderboard } from '../search/automl/automl.js';
import { complement, stratifiedKFold } from '../search/automl/cv.js';
import { type Table, subsetTable } from '../search/automl/frame.js';
import { type LearnerName, type LearnerParams, learnerNames } from '../search/automl/learners.js';
import { accuracy } from '../search/automl/metrics.js';
import { Pipeline, encodeTarget } from '../search/automl/pipeline.js';
import { space } from '../search/space.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const irisBudget = quick ? 5 : 30;
const penguinBudget = quick ? 10 : 60;

/** Per-fold accuracy of one pipeline spec on the given test folds. */
function foldAccuracies(table: Table, target: string, folds: Int32Array[], learner: LearnerName, params: LearnerParams = {}, seed = 0): number[] {
  const enc = encodeTarget(table, target);
  return folds.map((test) => {
    const train = complement(table.nRows, test);
    const p = new Pipeline({ learner, params, seed }).fit(subsetTable(table, train), target, { classes: enc.classes });
    const pred = p.predictEncoded(subsetTable(table, test));
    return accuracy(Int32Array.from(test, (i) => enc.y[i]), pred);
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => x.toFixed(4);

/** sklearn's StratifiedKFold(n_splits=k, shuffle=False) on data sorted by class with equal class sizes: fold i takes
 * the i-th contiguous block of every class (what cross_val_score(clf, X, y, cv=k) uses). */
function sklearnUnshuffledFolds(y: Int32Array, k: number): Int32Array[] {
  const byClass = new Map<number, number[]>();
  y.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
  return Array.from({ length: k }, (_, f) => {
    const rows: number[] = [];
    for (const members of byClass.values()) {
      const size = members.length / k;
      rows.push(...members.slice(Math.round(f * size), Math.round((f + 1) * size)));
    }
    return Int32Array.from(rows.sort((a, b) => a - b));
  });
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, quick };

  // 1. iris: AutoML vs tuned random forest on the same 5 folds (automl's folds come from stratifiedKFold(y, 5, seed))
  const irisTable = iris();
  const seed = 0;
  const irisFolds = stratifiedKFold(encodeTarget(irisTable, 'species').y, 5, seed);
  const irisRun = await automl({ data: irisTable, target: 'species', budgetSeconds: irisBudget, seed });
  const rfSpace = space()
    .categorical('nEstimators', [10, 50, 100, 200])
    .categorical('maxFeatures', ['sqrt', 'log2', 'all'])
    .categorical('maxDepth', ['none', 10, 20, 30])
    .build();
  const rng = new Random(seed);
  const tuned: { config: Record<string, unknown>; cv: number }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 10; i++) {
    const c = rfSpace.sample(rng);
    const params = { nEstimators: c.nEstimators, maxFeatures: c.maxFeatures, maxDepth: c.maxDepth === 'none' ? null : c.maxDepth };
    tuned.push({ config: params, cv: mean(foldAccuracies(irisTable, 'species', irisFolds, 'random-forest', params, seed)) });
  }
  const rfSeconds = (Date.now() - t0) / 1000;
  const bestRf = tuned.reduce((a, b) => (b.cv > a.cv ? b : a));
  console.log(`\n== iris, 5-fold stratified CV accuracy (seed ${seed}) ==`);
  console.log(`AutoML (${irisBudget} s, ${irisRun.trials} trials): best ${irisRun.leaderboard[0].learner} ${fmt(irisRun.leaderboard[0].score)}; ensemble (OOF) ${irisRun.ensembleScore === undefined ? '-' : fmt(irisRun.ensembleScore)}`);
  console.log(`random-search-tuned random forest (10 draws, ${rfSeconds.toFixed(1)} s): ${fmt(bestRf.cv)} with ${JSON.stringify(bestRf.config)}`);
  console.log(formatLeaderboard(irisRun.leaderboard, 'accuracy', 5));
  results.iris = {
    folds: 5,
    automl: { budgetSeconds: irisBudget, trials: irisRun.trials, best: irisRun.leaderboard[0], ensembleOOF: irisRun.ensembleScore, elapsedSeconds: irisRun.elapsedSeconds },
    tunedRandomForest: { draws: 10, seconds: rfSeconds, best: bestRf, all: tuned },
  };

  // 2. penguins: AutoML within the budget vs each learner at its defaults, same folds
  const pengTable = penguins();
  const pengFolds = stratifiedKFold(encodeTarget(pengTable, 'Species').y, 5, seed);
  const pengRun = await automl({ data: pengTable, target: 'Species', budgetSeconds: penguinBudget, seed });
  const defaults: { learner: LearnerName; cv: number; std: number; seconds: number }[] = [];
  for (const learner of learnerNames) {
    const t = Date.now();
    const accs = foldAccuracies(pengTable, 'Species', pengFolds, learner, {}, seed);
    const m = mean(accs);
    defaults.push({ learner, cv: m, std: Math.sqrt(mean(accs.map((a) => (a - m) ** 2))), seconds: (Date.now() - t) / 1000 });
  }
  console.log(`\n== penguins (344 rows, Island/Sex categorical, missing values), 5-fold CV accuracy ==`);
  console.log('model                          accuracy  ± std    seconds');
  console.log(`${`AutoML best (${pengRun.leaderboard[0].learner})`.padEnd(30)} ${fmt(pengRun.leaderboard[0].score)}  ${fmt(pengRun.leaderboard[0].std)}  ${pengRun.elapsedSeconds.toFixed(1).padStart(6)}  (${pengRun.trials} trials)`);
  if (pengRun.ensembleScore !== undefined) console.log(`${'AutoML ensemble (OOF)'.padEnd(30)} ${fmt(pengRun.ensembleScore)}       -       -    (${pengRun.ensemble!.members.length} members)`);
  for (const d of defaults) console.log(`${`${d.learner} (defaults)`.padEnd(30)} ${fmt(d.cv)}  ${fmt(d.std)}  ${d.seconds.toFixed(2).padStart(6)}`);
  console.log(formatLeaderboard(pengRun.leaderboard, 'accuracy', 5));
  results.penguins = {
    folds: 5,
    automl: { budgetSeconds: penguinBudget, trials: pengRun.trials, elapsedSeconds: pengRun.elapsedSeconds, best: pengRun.leaderboard[0], top5: pengRun.leaderboard.slice(0, 5), ensembleOOF: pengRun.ensembleScore },
    defaults,
  };

  // 3. vs scikit-learn's published iris numbers, on sklearn's own (unshuffled stratified) folds
  const reference = JSON.parse(readFileSync(join(here, 'reference', 'sklearn-iris.json'), 'utf8')) as {
    cases: { name: string; learner: LearnerName; params: LearnerParams; folds: number; accuracy: number; perFold?: number[]; source: string }[];
  };
  const irisY = encodeTarget(irisTable, 'species').y as Int32Array;
  console.log(`\n== vs scikit-learn published iris results (sklearn's unshuffled StratifiedKFold) ==`);
  console.log('case                                   whittle   sklearn (published)');
  const refRows = reference.cases.map((c) => {
    const folds = sklearnUnshuffledFolds(irisY, c.folds);
    // forests are random: average our score over 5 seeds, sklearn's number is one run
    const seeds = c.learner === 'decision-tree' ? [0] : [0, 1, 2, 3, 4];
    const perSeed = seeds.map((s) => foldAccuracies(irisTable, 'species', folds, c.learner, c.params, s));
    const ours = mean(perSeed.map(mean));
    console.log(`${c.name.padEnd(38)} ${fmt(ours)}    ${fmt(c.accuracy)}`);
    if (c.perFold) console.log(`  per fold: ours [${perSeed[0].map((a) => a.toFixed(3)).join(', ')}]  sklearn [${c.perFold.map((a) => a.toFixed(3)).join(', ')}]`);
    return { ...c, whittle: ours, whittlePerFold: perSeed[0], seeds: seeds.length };
  });
  results.reference = refRows;

  const out = join(here, 'results', 'automl.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}

await main();
