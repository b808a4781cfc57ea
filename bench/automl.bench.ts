// AutoML quality, not speed: accuracy of search/automl against baselines, on the same folds.
//   1. iris: AutoML CV vs a random-search-tuned random forest (10 draws from the grid n_estimators {10,50,100,200},
//      max_features {sqrt,log2,all}, max_depth {none,10,20,30}; 5-fold CV through our own forest).
//   2. real tables with numeric and categorical columns and missing values (bench/automl-sets.ts): AutoML vs every
//      learner at its defaults, by NESTED cross-validation. AutoML's own CV score is optimistic (it picked the best
//      of many pipelines on those folds), so each outer fold runs a fresh automl() on the outer training rows only
//      (its inner folds split those rows) and scores its ensemble on the held-out outer fold; each default learner is
//      fitted and scored on the same outer folds. The 60 s budget is split over the 5 outer folds (12 s each), so
//      each AutoML run the table scores had at most 12 s; AUTOML_OUTER_BUDGET=60 gives each outer fold the full 60 s.
//      Tables up to 500 rows redraw the outer split 3 times (AUTOML_OUTER_REPEATS overrides) and average over all 15
//      outer folds: there one row is 0.3 points, and the best of 10 defaults is picked after the fact, so a single
//      split crowns whichever default was luckiest on it.
//   3. our CART / random forest / extra trees vs scikit-learn run on exactly our folds and encoded matrices
//      (bench/reference/sklearn-folds.json, made by bench/reference/sklearn_reference.py), and vs sklearn's published
//      iris numbers on sklearn's own folds (bench/reference/sklearn-iris.json). bench/reference/README.md says where
//      each number comes from.
// Run: `npx tsx bench/automl.bench.ts` (about 15 minutes on 2 cores; about an hour with AUTOML_OUTER_BUDGET=60,
// which two processes over disjoint BENCH_SETS halve: AutoML runs on one core; BENCH_QUICK=1 shrinks the budgets
// to a smoke run). Writes bench/results/automl.json; a BENCH_SETS run replaces only its sets' entries.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { iris } from '../core/data/datasets.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { Random } from '../core/random.js';
import { benchSets } from './automl-sets.js';
import { exportFolds } from '../search/automl/folds.js';
import { DecisionTree } from '../search/automl/tree.js';
import { ExtraTrees, RandomForest } from '../search/automl/forest.js';
import { fromRows } from '../search/automl/matrix.js';
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
const outerBudget = Number(process.env.AUTOML_OUTER_BUDGET ?? (quick ? 3 : 12));
const outerFolds = 5;
// BENCH_SETS=penguins-sex,cars-origin limits sections 2 and 3a to those sets
const onlySets = process.env.BENCH_SETS?.split(',');
// AUTOML_OUTER_REPEATS=n forces the number of outer splits (default 3 up to 500 rows, else 1)
const outerRepeats = process.env.AUTOML_OUTER_REPEATS ? Number(process.env.AUTOML_OUTER_REPEATS) : undefined;
// AUTOML_PRUNE=none runs every AutoML trial to its last fold (default: automl's median stopping rule)
const noPrune = process.env.AUTOML_PRUNE === 'none';
// AUTOML_WORKERS=n runs n trials at once, their fits on worker threads (default 1, the search on the main thread)
const workers = Number(process.env.AUTOML_WORKERS ?? 1);
// AUTOML_BENCH_OUT=file writes the results there instead of bench/results/automl.json
const outFile = process.env.AUTOML_BENCH_OUT;
const sets = benchSets.filter((s) => !onlySets || onlySets.includes(s.id));

// held-out rows are scored as cross-validation scores them: a cell the fitted preprocessing cannot read is a gap
const asGaps = { unreadable: 'missing' } as const;

/** Per-fold accuracy of one pipeline spec on the given test folds; the rows it gets wrong are pushed onto `wrong`. */
function foldAccuracies(table: Table, target: string, folds: Int32Array[], learner: LearnerName, params: LearnerParams = {}, seed = 0, wrong: number[] = []): number[] {
  const enc = encodeTarget(table, target);
  return folds.map((test) => {
    const train = complement(table.nRows, test);
    const p = new Pipeline({ learner, params, seed }).fit(subsetTable(table, train), target, { classes: enc.classes });
    const pred = p.predictEncoded(subsetTable(table, test), asGaps);
    test.forEach((row, j) => pred[j] !== enc.y[row] && wrong.push(row));
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

  const irisTable = iris();
  const seed = 0;
  // BENCH_SETS without iris skips sections 1 and 3b (the iris-only parts)
  const withIris = !onlySets || onlySets.includes('iris');
  if (withIris) {
    // 1. iris: AutoML vs tuned random forest on the same 5 folds (automl's folds come from stratifiedKFold(y, 5, seed))
    const irisFolds = stratifiedKFold(encodeTarget(irisTable, 'species').y, 5, seed);
    const irisRun = await automl({ data: irisTable, target: 'species', budgetSeconds: irisBudget, seed, workers });
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
      automl: { budgetSeconds: irisBudget, workers, trials: irisRun.trials, best: irisRun.leaderboard[0], ensembleOOF: irisRun.ensembleScore, elapsedSeconds: irisRun.elapsedSeconds },
      tunedRandomForest: { draws: 10, seconds: rfSeconds, best: bestRf, all: tuned },
    };
  }

  // 2. nested CV on the real tables: AutoML (fresh run per outer fold) vs each learner's defaults, same outer folds
  const nested: Record<string, unknown> = {};
  for (const set of sets.filter((s) => s.id !== 'iris')) {
    const full = set.load();
    const enc = encodeTarget(full, set.target);
    const table = enc.rows.length === full.nRows ? full : subsetTable(full, enc.rows);
    const labels = enc.y as Int32Array;
    // small tables: the outer split is redrawn (seeds 0, 1, ...) and everything is averaged over all outer folds,
    // because one split's luck is several rows there (a row of penguins is 0.3 points) and the best of 10 defaults
    // is picked after the fact; each repeat's AutoML runs and random default learners use that repeat's seed
    const repeats = outerRepeats ?? (table.nRows <= 500 ? 3 : 1);
    const automlAcc: number[] = [];
    const runs: { repeat: number; trials: number; pruned: number; members: string[]; innerBest: number; innerEnsemble?: number; seconds: number; wrong: number[] }[] = [];
    const defaultAcc = new Map<LearnerName, { perFold: number[]; seconds: number; wrong: number[] }>(learnerNames.map((l) => [l, { perFold: [], seconds: 0, wrong: [] }]));
    for (let rep = 0; rep < repeats; rep++) {
      const outer = stratifiedKFold(labels, outerFolds, seed + rep);
      for (const test of outer) {
        const run = await automl({ data: subsetTable(table, complement(table.nRows, test)), target: set.target, budgetSeconds: outerBudget, seed: seed + rep, workers, ...(noPrune ? { pruner: 'none' as const } : {}) });
        const model = run.ensemble ?? run.best;
        const pred = model.predict(subsetTable(table, test), asGaps);
        // which rows (of the labelled table) it got wrong, to compare with the defaults' misses
        const wrong = Array.from(test).filter((row, j) => pred[j] !== enc.classes[labels[row]]);
        automlAcc.push((test.length - wrong.length) / test.length);
        runs.push({
          repeat: rep,
          trials: run.trials,
          pruned: run.prunedTrials,
          members: run.ensemble ? run.ensemble.members.map((m, i) => `${m.spec.learner}:${run.ensemble!.weights[i].toFixed(2)}`) : [run.bestSpec.learner],
          innerBest: run.leaderboard[0].score,
          innerEnsemble: run.ensembleScore,
          seconds: run.elapsedSeconds,
          wrong,
        });
        console.log(`  ${set.id} repeat ${rep} fold ${automlAcc.length - rep * outerFolds}: AutoML ${automlAcc[automlAcc.length - 1].toFixed(4)} (${run.trials} trials, ${run.prunedTrials} stopped early)`);
      }
      for (const learner of learnerNames) {
        const t = Date.now();
        const d = defaultAcc.get(learner)!;
        d.perFold.push(...foldAccuracies(table, set.target, outer, learner, {}, seed + rep, d.wrong));
        d.seconds += (Date.now() - t) / 1000;
      }
    }
    const defaults = learnerNames.map((learner) => ({ learner, accuracy: mean(defaultAcc.get(learner)!.perFold), ...defaultAcc.get(learner)! }));
    const bestDefault = defaults.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const am = mean(automlAcc);
    console.log(`\n== ${set.id} -> ${set.target} (${set.about}), nested ${outerFolds}-fold accuracy${repeats > 1 ? ` x ${repeats} outer splits` : ''}, AutoML ${outerBudget} s per outer fold ==`);
    console.log(`${'AutoML (ensemble)'.padEnd(28)} ${fmt(am)}  per fold [${automlAcc.map((a) => a.toFixed(3)).join(', ')}]  trials ${runs.map((r) => r.trials).join('/')}`);
    for (const d of [...defaults].sort((a, b) => b.accuracy - a.accuracy)) console.log(`${`${d.learner} (defaults)`.padEnd(28)} ${fmt(d.accuracy)}  per fold [${d.perFold.map((a) => a.toFixed(3)).join(', ')}]  ${d.seconds.toFixed(1)} s`);
    // per outer split: AutoML's mean and the best default's mean on that split's folds alone
    const perRepeat = Array.from({ length: repeats }, (_, rep) => {
      const slice = (xs: number[]) => mean(xs.slice(rep * outerFolds, (rep + 1) * outerFolds));
      const best = defaults.reduce((a, b) => (slice(b.perFold) > slice(a.perFold) ? b : a));
      return { repeat: rep, automl: slice(automlAcc), bestDefault: best.learner, bestDefaultAccuracy: slice(best.perFold) };
    });
    if (repeats > 1) for (const r of perRepeat) console.log(`  split ${r.repeat}: AutoML ${fmt(r.automl)} vs best default ${r.bestDefault} ${fmt(r.bestDefaultAccuracy)} (${(100 * (r.automl - r.bestDefaultAccuracy)).toFixed(2)} points)`);
    const margin = am - bestDefault.accuracy;
    // standard error of the margin from the fold-paired differences (folds are not independent, so a rough guide)
    const diffs = automlAcc.map((a, i) => a - bestDefault.perFold[i]);
    const marginSE = Math.sqrt(diffs.reduce((a, d) => a + (d - margin) ** 2, 0) / (diffs.length - 1) / diffs.length);
    console.log(`AutoML - best default (${bestDefault.learner}): ${(100 * margin).toFixed(2)} ± ${(100 * marginSE).toFixed(2)} points (fold-paired SE) -> ${margin > 0 ? 'AutoML wins' : margin === 0 ? 'tie' : 'AutoML loses'}`);
    nested[set.id] = { target: set.target, about: set.about, rows: table.nRows, outerFolds, outerRepeats: repeats, budgetSecondsPerOuterFold: outerBudget, workers, automl: { accuracy: am, perFold: automlAcc, runs }, perRepeat, defaults, bestDefault: bestDefault.learner, marginPoints: 100 * margin, marginSEPoints: 100 * marginSE, automlWins: margin > 0 };
  }
  results.nested = nested;

  // 3a. vs scikit-learn run on exactly our folds and encoded matrices (bench/reference/sklearn-folds.json)
  const skl = JSON.parse(readFileSync(join(here, 'reference', 'sklearn-folds.json'), 'utf8')) as {
    sklearn: string;
    command: string;
    sets: Record<string, Record<string, { accuracy: number; perFold: number[]; seeds: number[] }>>;
  };
  const makers = {
    'decision-tree': (s: number) => new DecisionTree({ seed: s }),
    'random-forest': (s: number) => new RandomForest({ seed: s }),
    'extra-trees': (s: number) => new ExtraTrees({ seed: s }),
  };
  console.log(`\n== ours vs scikit-learn ${skl.sklearn} on the same 5 folds and encoded matrices (mean over seeds) ==`);
  console.log('set                learner          whittle   sklearn   diff (points)  within 1');
  const vsSklearn: Record<string, unknown>[] = [];
  for (const set of sets) {
    const ex = exportFolds(set.load(), set.target, { k: 5, seed: 0 });
    const y = Int32Array.from(ex.y);
    for (const [learner, make] of Object.entries(makers)) {
      const ref = skl.sets[set.id][learner];
      const seeds = ref.seeds.length;
      const perFold = ex.folds.map((f) => {
        const test = new Set(f.test);
        const yTrain = y.filter((_, i) => !test.has(i));
        let acc = 0;
        for (let s = 0; s < seeds; s++) {
          const pred = make(s).fit(fromRows(f.xTrain), yTrain).predict(fromRows(f.xTest));
          acc += f.test.filter((r, j) => pred[j] === y[r]).length / f.test.length;
        }
        return acc / seeds;
      });
      const ours = mean(perFold);
      const diff = 100 * (ours - ref.accuracy);
      console.log(`${set.id.padEnd(18)} ${learner.padEnd(16)} ${fmt(ours)}    ${fmt(ref.accuracy)}    ${diff >= 0 ? '+' : ''}${diff.toFixed(2).padStart(5)}         ${Math.abs(diff) <= 1 ? 'yes' : 'NO'}`);
      vsSklearn.push({ set: set.id, learner, seeds, whittle: ours, whittlePerFold: perFold, sklearn: ref.accuracy, sklearnPerFold: ref.perFold, diffPoints: diff, withinOnePoint: Math.abs(diff) <= 1 });
    }
  }
  results.vsSklearn = { sklearn: skl.sklearn, command: skl.command, rows: vsSklearn };

  if (withIris) {
    // 3b. vs scikit-learn's published iris numbers, on sklearn's own (unshuffled stratified) folds
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
  }

  const out = outFile ?? join(here, 'results', 'automl.json');
  mkdirSync(dirname(out), { recursive: true });
  // a BENCH_SETS run replaces only its own sets' entries in the saved results (read just before writing, so two
  // runs over different sets can share the file)
  let saved = results;
  if (onlySets && existsSync(out)) {
    const old = JSON.parse(readFileSync(out, 'utf8')) as Record<string, any>;
    const rows = (results.vsSklearn as { rows: { set: string }[] }).rows;
    saved = {
      ...old,
      ...results,
      nested: { ...old.nested, ...(results.nested as object) },
      vsSklearn: { ...(results.vsSklearn as object), rows: [...(old.vsSklearn?.rows ?? []).filter((r: { set: string }) => !onlySets.includes(r.set)), ...rows] },
    };
  }
  writeFileAtomic(out, JSON.stringify(saved, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}

await main();
