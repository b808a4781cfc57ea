import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { Random } from '../../../core/random.js';
import { automl, formatLeaderboard, sampleNeed, scaleFitTime, type AutoMLOptions, type AutoMLResult, type LeaderboardRow } from '../../../search/automl/automl.js';
import { parseCsv, readCsv } from '../../../core/data/csv.js';
import { complement, stratifiedKFold, stratifiedSample } from '../../../search/automl/cv.js';
import { subsetTable, tableFromRecords } from '../../../search/automl/frame.js';
import { takeTarget } from '../../../search/automl/matrix.js';
import { accuracy } from '../../../search/automl/metrics.js';
import { Pipeline, encodeTarget, loadPipeline } from '../../../search/automl/pipeline.js';
import type { Config } from '../../../search/space.js';
import { configToSpec, defaultConfigs } from '../../../search/automl/space.js';
import type { Strategy } from '../../../search/strategies/types.js';
import { tpe } from '../../../search/strategies/tpe.js';
import { irisData, penguinRecords } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-automl-'));

function irisCsv(): string {
  const d = irisData();
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  for (let r = 0; r < d.x.rows; r++) lines.push([...d.x.data.subarray(r * 4, r * 4 + 4), d.classes[d.y[r]]].join(','));
  const path = join(dir, 'iris.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
const irisPath = irisCsv();
const fast = ['decision-tree', 'gaussian-nb', 'knn', 'linear'] as const;

const withoutTimes = (rows: LeaderboardRow[]) => rows.map(({ fitSeconds: _, ...rest }) => rest);

describe('automl', () => {
  it('errors on a missing target, listing the columns', async () => {
    const err = await automl({ data: irisPath, target: 'Species', budgetSeconds: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toMatch(/target must be one of the columns "sepal_length", "sepal_width", "petal_length", "petal_width", "species", got "Species"/);
  });

  it('errors when no column is left to learn from, naming why each was left out', async () => {
    // amounts written '1,000' read as text, every one distinct: an identifier, no columns; a search would have scored
    // the majority class and saved it
    const data = Array.from({ length: 40 }, (_, i) => ({ amt: `${i + 1},${String(100 + i).padStart(3, '0')}`, y: i % 2 ? 'hi' : 'lo' }));
    await expect(automl({ data, target: 'y', maxTrials: 2 })).rejects.toThrow(new ArgumentError(`automl: no column is left to learn from: amt: 40 distinct values, none repeated: no columns (an identifier); amt: read as text, though its values look like numbers with ',' between thousands ("1,100"): without the commas they are read as numbers`));
    await expect(automl({ data: data.map(({ y }) => ({ y })), target: 'y', maxTrials: 2 })).rejects.toThrow(new ArgumentError('automl: the table has no column besides the target "y"'));
    // a column with no value (a trailing comma on every line) is no column to learn from either: it had trained a
    // majority-class model and saved it
    const empty = parseCsv(['x,y,', ...data.map(({ y }) => `,${y},`)].join('\n'));
    await expect(automl({ data: empty, target: 'y', maxTrials: 2 })).rejects.toThrow(new ArgumentError('automl: no column is left to learn from: x: no values: no columns; (no name): no values: no columns'));
  });

  it('a target that is text: for a regression, says why its values are not numbers; as classes, notes numbers written as text', async () => {
    const words = Array.from({ length: 30 }, (_, i) => ({ x: i, y: ['lo', 'hi'][i % 2] }));
    await expect(automl({ data: words, target: 'y', task: 'regression', maxTrials: 1 })).rejects.toThrow(new ArgumentError(`automl: a regression target must hold numbers in at least 2 rows, got 0 in "y" ("lo" is not a number); for classes give task 'classification' (or leave it 'auto')`));
    const amounts = Array.from({ length: 30 }, (_, i) => ({ x: i, y: `${40 + (i % 3)},${String(100 + i).padStart(3, '0')}` }));
    await expect(automl({ data: amounts, target: 'y', task: 'regression', maxTrials: 1 })).rejects.toThrow(`got 0 in "y": its values look like numbers with ',' between thousands ("40,100"): without the commas they are read as numbers`);
    // as classes (the 'auto' task reads text so) the search runs, with a note of why there are 30 classes
    const res = await automl({ data: amounts, target: 'y', maxTrials: 1, ensemble: false });
    expect(res.notes).toContain(`y (the target): read as text, each value a class, though its values look like numbers with ',' between thousands ("40,100"): without the commas they are read as numbers`);
    // no ensemble built (ensembling off): 'ensemble' saves the best pipeline, and says so (it had thrown, giving no reason)
    const path = join(dir, 'no-ensemble.json');
    expect(res.save(path, 'ensemble')).toBe('best');
    expect(loadPipeline(path).predict(amounts)).toEqual(res.best.predict(amounts));
  });

  it('refuses unknown option names and values of the wrong kind before any work, naming them', async () => {
    const recs = Array.from({ length: 30 }, (_, i) => ({ x: i, y: i % 3 === 0 ? 'p' : i % 3 === 1 ? 'q' : 'r' }));
    // a mistyped task had fitted a regression on the class indices and predicted numbers
    await expect(automl({ data: recs, target: 'y', maxTrials: 1, task: 'classify' as 'classification' })).rejects.toThrow(new ArgumentError(`automl: task must be 'auto', 'classification' or 'regression', got "classify"`));
    await expect(automl({ data: recs, target: 'y', maxTrials: 1, budgetSecond: 5 } as unknown as AutoMLOptions)).rejects.toThrow(/^automl: unknown option "budgetSecond" \(did you mean "budgetSeconds"\?\); options: data, target, /);
    await expect(automl({ data: recs, target: 'y', maxTrials: 1, ensemble: { sizee: 3 } as object })).rejects.toThrow(/^automl: unknown ensemble option "sizee"; ensemble options: size, /);
    await expect(automl({ data: recs, target: 'y', learners: 'knn' as unknown as ['knn'] })).rejects.toThrow(new ArgumentError('automl: learners must be an array, got "knn"'));
    await expect(automl({ data: null as unknown as string, target: 'y' })).rejects.toThrow(new ArgumentError('automl: data must be a file path, a Table or an array of records, got null'));
    await expect(automl({ data: recs, target: 'y', budgetSeconds: '3' as unknown as number })).rejects.toThrow(new ArgumentError('automl: budgetSeconds must be a number, got "3"'));
    await expect(automl({ data: recs, target: 'y', strategy: 'grid' as 'tpe' })).rejects.toThrow(new ArgumentError(`automl: strategy must be 'tpe', 'random' or a strategy, got "grid"`));
  });

  it("names the table's rows in its notes, not the rows with a target", async () => {
    // row 1 has no target, so the infinite x of row 5 is the fifth labelled row (index 4): the note says row 5
    const data = Array.from({ length: 30 }, (_, i) => ({ x: i === 5 ? Infinity : i, y: i === 1 ? null : i % 2 ? 'a' : 'b' }));
    const r = await automl({ data, target: 'y', maxTrials: 1, workers: 1, learners: ['linear'] });
    expect(r.notes).toEqual(['x: 1 value is not finite, read as missing: Infinity (row 5)']);
  });

  it('refuses fewer rows than folds, and warns of classes with fewer rows than folds', async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i, y: i < 3 ? 'rare' : i % 2 ? 'a' : 'b' }));
    await expect(automl({ data: rows(4), target: 'y', maxTrials: 1 })).rejects.toThrow(new ArgumentError('automl: 4 rows with a "y" cannot be split into 5 folds for cross-validation; give folds <= 4, or more rows'));
    await expect(automl({ data: rows(30), target: 'y', maxTrials: 1, folds: 31 })).rejects.toThrow(/^automl: 30 rows with a "y" cannot be split into 31 folds/);
    const r = await automl({ data: rows(30), target: 'y', maxTrials: 1, workers: 1 });
    expect(r.warnings).toEqual(['class with fewer rows than the 5 folds: "rare" (3 rows); the cross-validated scores say little about it']);
    expect((await automl({ data: rows(30), target: 'y', maxTrials: 1, workers: 1, folds: 3 })).warnings).toEqual([]);
  });

  it('errors on a target with one class', async () => {
    const path = join(dir, 'one.csv');
    writeFileSync(path, 'a,b\n1,x\n2,x\n3,x\n');
    await expect(automl({ data: path, target: 'b', budgetSeconds: 5 })).rejects.toThrow(/must have at least two classes, got only "x"/);
    // and on a regression target of words (it failed deep in the fold split)
    await expect(automl({ data: irisPath, target: 'species', task: 'regression', maxTrials: 1 })).rejects.toThrow(
      `automl: a regression target must hold numbers in at least 2 rows, got 0 in "species" ("setosa" is not a number); for classes give task 'classification' (or leave it 'auto')`,
    );
  });

  it('reads a table file of any format readTable knows: JSON records and ARFF give the leaderboard the CSV gives', async () => {
    // before, a path was always read as CSV, and a .json file failed with "a closing quote must be followed by a delimiter"
    const d = irisData();
    const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
    const rows = Array.from({ length: d.x.rows }, (_, r) => ({ ...Object.fromEntries(names.map((n, j) => [n, d.x.data[r * 4 + j]])), species: d.classes[d.y[r]] }));
    const json = join(dir, 'iris.json');
    writeFileSync(json, JSON.stringify(rows));
    const arff = join(dir, 'iris.arff');
    writeFileSync(arff, ['@relation iris', ...names.map((n) => `@attribute ${n} numeric`), `@attribute species {${d.classes.join(',')}}`, '@data', ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n');
    const run = (data: string) => automl({ data, target: 'species', maxTrials: 4, seed: 3, learners: [...fast], ensemble: false }).then((r) => withoutTimes(r.leaderboard));
    const fromCsv = await run(irisPath);
    expect(await run(json)).toEqual(fromCsv);
    expect(await run(arff)).toEqual(fromCsv);
  });

  it('errors on a metric that does not fit the task', async () => {
    await expect(automl({ data: irisPath, target: 'species', metric: 'rmse', maxTrials: 1 })).rejects.toThrow(/metric for classification must be one of/);
  });

  it('same seed gives the same leaderboard (random and TPE)', async () => {
    for (const strategy of ['random', 'tpe'] as const) {
      const run = () => automl({ data: irisPath, target: 'species', maxTrials: 12, budgetSeconds: 120, seed: 5, strategy, learners: [...fast], ensemble: false });
      const a = await run();
      const b = await run();
      expect(a.trials).toBe(12);
      expect(withoutTimes(b.leaderboard)).toEqual(withoutTimes(a.leaderboard));
      expect(a.leaderboard[0].score).toBeGreaterThan(0.9);
      const c = await automl({ data: irisPath, target: 'species', maxTrials: 12, budgetSeconds: 120, seed: 6, strategy, learners: [...fast], ensemble: false });
      expect(withoutTimes(c.leaderboard)).not.toEqual(withoutTimes(a.leaderboard));
    }
  });

  it('starts from every learner\'s defaults, then the strategy searches; startFromDefaults: false skips them', async () => {
    const res = await automl({ data: irisPath, target: 'species', maxTrials: 6, seed: 5, strategy: 'random', learners: [...fast], ensemble: false });
    const byTrial = [...res.leaderboard].sort((a, b) => a.trial - b.trial);
    expect(byTrial.slice(0, 4).map((r) => r.learner)).toEqual(['linear', 'knn', 'decision-tree', 'gaussian-nb']);
    // iris has no gaps, so the only imputation is knn (see the next test)
    expect(byTrial[0].params).toEqual({ penalty: 'l2', C: 1, impute: 'knn' });
    expect(byTrial[1].params).toEqual({ k: 5, weights: 'uniform', impute: 'knn', scale: 'standard' });
    // per learner, the trials started and completed, in the order of `learners`; the defaults alone gave each one
    expect(res.learnerTrials.map((l) => l.learner)).toEqual([...fast]);
    expect(res.learnerTrials.reduce((a, l) => a + l.trials, 0)).toBe(res.trials);
    for (const l of res.learnerTrials) {
      expect(l.trials).toBeGreaterThanOrEqual(1);
      expect(l.completed).toBeLessThanOrEqual(l.trials);
      expect(l.completed).toBeGreaterThanOrEqual(res.leaderboard.filter((r) => r.learner === l.learner).length);
    }
    const two = await automl({ data: irisPath, target: 'species', maxTrials: 2, seed: 5, learners: [...fast], ensemble: false });
    expect(two.learnerTrials).toEqual([
      { learner: 'decision-tree', trials: 0, completed: 0 },
      { learner: 'gaussian-nb', trials: 0, completed: 0 },
      { learner: 'knn', trials: 1, completed: 1 },
      { learner: 'linear', trials: 1, completed: 1 },
    ]);
    const plain = await automl({ data: irisPath, target: 'species', maxTrials: 6, seed: 5, strategy: 'random', learners: [...fast], ensemble: false, startFromDefaults: false });
    expect([...plain.leaderboard].sort((a, b) => a.trial - b.trial)[0].params).not.toEqual(byTrial[0].params);
  });

  it('a pipeline the strategy proposes again is one leaderboard row and one library candidate', async () => {
    // random search over kNN's 200 pipelines (k from 1 to 50 on a log scale, two weightings, two scalings) repeats some
    const res = await automl({ data: irisPath, target: 'species', maxTrials: 60, seed: 1, learners: ['knn'], strategy: 'random', pruner: 'none', repeats: 1 });
    expect(res.history.length).toBe(60);
    const key = (r: LeaderboardRow) => JSON.stringify([r.learner, r.params]);
    expect(res.leaderboard.length).toBeLessThan(50);
    expect(new Set(res.leaderboard.map(key)).size).toBe(res.leaderboard.length);
    // every completed trial's score is on the board under its pipeline's first trial
    const scores = new Set(res.leaderboard.map((r) => r.score));
    for (const h of res.history) expect(scores.has(h.score)).toBe(true);
    expect(res.ensemble!.members.length).toBe(new Set(res.ensemble!.members.map((m) => JSON.stringify(m.spec))).size);
  });

  it('pipelines with bit-identical out-of-fold predictions (a parameter that changed nothing) are one row', async () => {
    // trees on iris: many depth limits, leaf sizes and pruning strengths grow the same tree
    const opts = { data: irisPath, target: 'species', maxTrials: 40, seed: 3, learners: ['decision-tree' as const], strategy: 'random' as const, pruner: 'none' as const, repeats: 1 };
    const every = await automl({ ...opts, dedupePredictions: false });
    const res = await automl(opts);
    expect(res.history).toEqual(every.history);
    // the board only: the ensemble is the same
    expect(JSON.stringify(res.ensemble!.toJSON())).toBe(JSON.stringify(every.ensemble!.toJSON()));
    expect(res.leaderboard.length).toBeLessThan(every.leaderboard.length - 5);
    // a row folded away has the score of a better-ranked row that was kept (the same predictions score the same)
    const kept = new Set(res.leaderboard.map((r) => r.trial));
    for (const r of every.leaderboard) if (!kept.has(r.trial)) expect(res.leaderboard.some((k) => k.score === r.score && k.rank < every.leaderboard.find((e) => e.trial === r.trial)!.rank)).toBe(true);
  });

  it('searches every imputation when at least 5 rows have gaps, else only knn; impute: [...] chooses', async () => {
    const d = irisData();
    const records = Array.from({ length: d.x.rows }, (_, r) => ({
      a: d.x.data[r * 4], b: d.x.data[r * 4 + 1], c: d.x.data[r * 4 + 2], d: d.x.data[r * 4 + 3], species: d.classes[d.y[r]],
    }));
    const imputesOf = async (recs: typeof records, impute?: ('median' | 'mean' | 'most-frequent' | 'knn')[]) => {
      const res = await automl({ data: recs, target: 'species', maxTrials: 40, seed: 2, strategy: 'random', learners: ['linear', 'knn'], ensemble: false, folds: 3, repeats: 1, ...(impute ? { impute } : {}) });
      return new Set(res.leaderboard.map((r) => r.params.impute));
    };
    const gaps = (count: number) => records.map((r, i) => (i % 15 === 0 && i / 15 < count ? { ...r, c: null as unknown as number } : r));
    expect(await imputesOf(gaps(4))).toEqual(new Set(['knn']));
    expect(await imputesOf(gaps(5))).toEqual(new Set(['median', 'mean', 'most-frequent', 'knn']));
    expect(await imputesOf(gaps(5), ['mean'])).toEqual(new Set(['mean']));
    await expect(automl({ data: records, target: 'species', maxTrials: 2, impute: ['zero' as 'mean'] })).rejects.toThrow(/impute must be among median, mean, most-frequent, knn, got "zero"/);
  });

  it('respects the time budget: no trial starts after it, the overrun is small', async () => {
    const t0 = Date.now();
    let lastProgress = 0;
    const res = await automl({ data: irisPath, target: 'species', budgetSeconds: 2, seed: 1, onProgress: (p) => (lastProgress = p.elapsedSeconds) });
    const wall = (Date.now() - t0) / 1000;
    expect(res.trials).toBeGreaterThan(1);
    expect(lastProgress).toBeLessThan(2.5);
    expect(wall).toBeLessThan(2 + 1.5);
  });

  it('a trial that cannot finish its folds by the search time stops when that shows, so the refits still fit the budget', async () => {
    // a clock the test advances: 1 ms each time it is read, and the fits read it once per boosting tree or epoch,
    // so time is work done and the run is the same on any machine however busy (on the wall clock this ran 2,064
    // rows for a 3 s budget and failed under load). The first rule let the trial in progress run on to the budget
    // itself, leaving nothing for the refits (3.65 s of 3 on the wall clock)
    let lastTrialEnd = 0;
    const run = () => {
      let now = 0;
      return automl({ data: penguinRecords(), target: 'Species', budgetSeconds: 5, learners: ['mlp', 'gradient-boosting'], seed: 1, repeats: 1, pruner: 'none', clock: () => (now += 1), onProgress: (p) => (lastTrialEnd = p.elapsedSeconds) });
    };
    const res = await run();
    expect(res.leaderboard.length).toBeGreaterThan(2);
    // with no pruner, a trial stopped early was stopped by the time rule
    expect(res.prunedTrials).toBeGreaterThan(0);
    expect(res.failedTrials).toBe(0);
    // the search ends by 4.5 s, the tenth of the budget kept for the refits, and they fit in it
    expect(lastTrialEnd).toBeLessThanOrEqual(4.5);
    expect(res.elapsedSeconds).toBeLessThanOrEqual(5);
    // the same clock, the same run
    const again = await run();
    expect(again.leaderboard).toEqual(res.leaderboard);
    expect(again.elapsedSeconds).toBe(res.elapsedSeconds);
  });

  it('a refit that the machine makes slower than its fold fits stops at the budget and its member is left out; the rest are kept only if they beat the best alone', async () => {
    // the clock the test advances reads 1 ms during the search and 10 ms once 80% of the budget is gone, as if the
    // machine got ten times busier: a forest member's refit, estimated from its fold fits to end in time, would run
    // on past the budget (2.09 s of 2 and 3.11 of 3 before the refits were limited)
    const rng = new Random(4);
    const records = Array.from({ length: 300 }, (_, i) => ({ ...Object.fromEntries(Array.from({ length: 4 }, (_, j) => [`x${j}`, rng.normal() + (j === i % 3 ? 1.5 : 0)])), y: 'abc'[i % 3] }));
    for (const budget of [2.5, 3]) {
      let now = 0;
      const clock = () => (now += now > 0.8 * budget * 1000 ? 10 : 1);
      const res = await automl({ data: records, target: 'y', budgetSeconds: budget, learners: ['gaussian-nb', 'random-forest', 'extra-trees'], seed: 1, repeats: 1, clock });
      // past the budget by at most the few reads after the stopped tree (10 ms each now)
      expect(res.elapsedSeconds).toBeLessThanOrEqual(budget + 0.04);
      // with 2.5 s, 3 of the 5 members picked were refitted and still blend better than the best pipeline alone (log
      // loss on the out-of-fold rows); with 3 s, 2 of 5 were and do not: the best pipeline alone is the model then
      if (budget === 2.5) expect(res.ensemble!.predict(records.slice(0, 5)).length).toBe(5);
      else {
        expect(res.ensemble).toBeUndefined();
        expect(res.ensembleSkipped).toBe('the 2 of its 5 members refitted within the 3 s budget blend no better than the best pipeline alone (log-loss on the out-of-fold rows)');
        expect(res.ensembleSkippedBy).toBe('budget');
        expect(res.best.predict(records.slice(0, 5)).length).toBe(5);
      }
    }
  });

  it('on a table too big for the forest in the budget, the forest stops as soon as it falls behind and the cheaper defaults run instead', async () => {
    // on a clock the test advances (1 ms a read) the forest reads it once per tree, 100 ms a fold, while naive Bayes
    // and the linear model take a few ms: 5 forest folds cannot fit the 0.3 s budget, the others can
    const rng = new Random(4);
    const records = Array.from({ length: 300 }, () => ({ ...Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`x${j}`, rng.normal()])), y: ['a', 'b', 'c'][rng.int(3)] }));
    const learners: ('random-forest' | 'extra-trees' | 'gaussian-nb' | 'linear')[] = ['random-forest', 'extra-trees', 'gaussian-nb', 'linear'];
    let now = 0;
    const clock = () => (now += 1);
    const done = new Map<number, number>();
    const res = await automl({ data: records, target: 'y', budgetSeconds: 0.3, learners, seed: 1, repeats: 1, clock, onProgress: (p) => done.set(p.trial, p.elapsedSeconds) });
    expect(res.elapsedSeconds).toBeLessThanOrEqual(0.3);
    expect(res.prunedTrials).toBeGreaterThanOrEqual(1);
    // the defaults run strongest first (forest, extra trees, linear, naive Bayes); once the forest is stopped the
    // rest go cheapest first
    const firstTrial = (l: string) => Math.min(...res.leaderboard.filter((r) => r.learner === l).map((r) => r.trial));
    expect([firstTrial('gaussian-nb'), firstTrial('linear')]).toEqual([1, 2]);
    // the forest stopped within its first fold, at a fifth of the 0.27 s search time (a tree past it), not when the
    // 100 ms fold ended: naive Bayes, next, was done before the forest's first fold would have been
    expect(done.get(1)).toBeLessThan(0.1);
    // with only the forest, nothing completes: every forest the search tries stops once it falls behind (between
    // trees), the run keeps to the budget, and the error says why
    now = 0;
    await expect(automl({ data: records, target: 'y', budgetSeconds: 0.1, learners: ['random-forest'], seed: 1, repeats: 1, clock })).rejects.toThrow(
      /^automl: no trial completed within 0\.1 s; all \d+ trials started were stopped before their last fold to keep to the budget: this table needs a larger budgetSeconds$/,
    );
    expect(now).toBeLessThan(0.1 * 1000 + 10);
  });

  it('a slow default that completes does not end the run while cheaper defaults are untried: they run next, cheapest first', async () => {
    // on a clock the test advances (1 ms a read) the forest reads it once per tree: its 5 folds fit the 0.9 s search
    // time but take over half of it, so a trial as long as the mean so far would not fit the rest. The run used to
    // stop there with the forest alone; naive Bayes and the linear model take a few ms
    const rng = new Random(6);
    const records = Array.from({ length: 300 }, (_, i) => ({ ...Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`x${j}`, rng.normal() + (j === i % 3 ? 1 : 0)])), y: 'abc'[i % 3] }));
    const run = () => {
      let now = 0;
      const done: { trial: number; learner: string; at: number }[] = [];
      const res = automl({
        data: records, target: 'y', budgetSeconds: 1, learners: ['random-forest', 'linear', 'gaussian-nb'], seed: 1, repeats: 1, pruner: 'none', clock: () => (now += 1),
        onProgress: (p) => done.push({ trial: p.trial, learner: p.learner, at: p.elapsedSeconds }),
      });
      return res.then((r) => ({ res: r, done }));
    };
    const { res, done } = await run();
    // the forest ran first and completed, past half the search time
    expect(done[0].learner).toBe('random-forest');
    expect(done[0].at).toBeGreaterThan(0.45);
    expect(done[0].at).toBeLessThan(0.9);
    // then the untried defaults, cheapest first (the order they are queued in is forest, linear, naive Bayes)
    expect(done.slice(1, 3).map((d) => d.learner)).toEqual(['gaussian-nb', 'linear']);
    expect(new Set(res.leaderboard.map((r) => r.learner))).toEqual(new Set(['random-forest', 'linear', 'gaussian-nb']));
    // and the budget still holds: no trial completes after the search time, the run ends within the budget
    expect(Math.max(...done.map((d) => d.at))).toBeLessThanOrEqual(0.9);
    expect(res.elapsedSeconds).toBeLessThanOrEqual(1);
    // once every default has run, the mean rule applies again: the run does not start trial after trial to the end
    expect(res.trials).toBeLessThan(20);
    const again = await run();
    expect(again.done).toEqual(done);
  });

  it('the search ends early enough to refit the best pipeline, when that refit is longer than the tenth of the budget kept back', async () => {
    // y is the sign of x0 * x1: the forest wins, naive Bayes cannot. The strategy proposes 50 naive Bayes trials, a
    // forest of 100 trees, then naive Bayes again. On a clock the test advances, a read costs 1 ms and the forest's
    // (one per tree) 10 ms: a forest fold takes ~1 s, so its refit on all rows is estimated at ~1.25 s, more than
    // the 1 s kept back from a 10 s budget, while the mean trial is short enough to let the search run to ~9 s
    const rng = new Random(7);
    const records = Array.from({ length: 300 }, () => {
      const x0 = rng.normal(), x1 = rng.normal();
      return { x0, x1, x2: rng.normal(), y: x0 * x1 > 0 ? 'p' : 'q' };
    });
    const forest: Config = { learner: 'random-forest', impute: 'knn', 'forest.nEstimators': 100, 'forest.maxFeatures': 'sqrt', 'forest.maxDepth': 'none', 'forest.minSamplesLeaf': 1, 'forest.criterion': 'gini' };
    const strategy: Strategy<Config> = {
      name: 'scripted',
      ask: (ctx) => ({ config: ctx.index === 50 ? forest : { learner: 'gaussian-nb', impute: 'knn', 'gnb.varSmoothing': 1e-9 * (ctx.index + 1) } }),
    };
    let now = 0;
    const clock = () => (now += /forest\.ts/.test(new Error().stack ?? '') ? 10 : 1);
    let searchEndedAt = 0;
    const res = await automl({
      data: records, target: 'y', budgetSeconds: 10, learners: ['random-forest', 'gaussian-nb'], strategy, startFromDefaults: false, seed: 1, repeats: 1, pruner: 'none', clock,
      onProgress: (p) => (searchEndedAt = p.elapsedSeconds),
    });
    expect(res.bestSpec.learner).toBe('random-forest');
    expect(res.trials).toBeGreaterThan(55);
    const refitEstimate = (1.1 * res.leaderboard[0].fitSeconds * 5) / 4;
    expect(refitEstimate).toBeGreaterThan(1);
    // the last trial ended by the budget less the best's refit estimate (the search ran on to 8.96 s before)
    expect(searchEndedAt).toBeLessThanOrEqual(10 - refitEstimate);
    expect(searchEndedAt).toBeGreaterThan(10 - refitEstimate - 0.2);
    expect(res.elapsedSeconds).toBeLessThanOrEqual(10);
  });

  it('a trial whose fit the deadline cannot cut is stopped at the fold where it falls behind, and the search goes on', async () => {
    // naive Bayes reads no clock while it fits. On a test clock (1 ms a read) one read jumps 1 s: the second that
    // automl's trial code makes after trial 0 reports, when trial 1's first fold starts (the first is the trial's
    // start; the study's own reads are not counted). That fold ends 1 s after the trial started, behind its pace
    // (a fifth of the 1.8 s search time): trial 1 stops there, and trials 2.. run as before
    const rng = new Random(5);
    const records = Array.from({ length: 200 }, () => ({ a: rng.normal(), b: rng.normal(), y: rng.uniform() < 0.5 ? 'p' : 'q' }));
    let now = 0;
    let countdown = -1;
    const clock = () => {
      if (countdown > 0 && /at objective \(.*automl[/\\]automl\.ts/.test(new Error().stack ?? '') && --countdown === 0) return (now += 1000);
      return (now += 1);
    };
    const res = await automl({
      data: records, target: 'y', budgetSeconds: 2, learners: ['gaussian-nb'], seed: 1, repeats: 1, maxTrials: 5, pruner: 'none', dedupePredictions: false, clock,
      onProgress: (p) => p.trial === 0 && (countdown = 2),
    });
    expect(countdown).toBe(0);
    expect(res.prunedTrials).toBe(1);
    expect(res.leaderboard.map((r) => r.trial).sort()).toEqual([0, 2, 3, 4]);
    expect(res.elapsedSeconds).toBeLessThanOrEqual(2);
  });

  it('ensemble selection keeps to the budget too: one that cannot finish in time is skipped, and the result says so', async () => {
    // selection and calibration read the clock about once per million numbers they read (none on a small table):
    // on a test clock (1 ms a read) each read they make jumps 10 s, as if 5,000 rows of outputs took that long
    const rng = new Random(6);
    const records = Array.from({ length: 5000 }, () => ({ a: rng.normal(), b: rng.normal(), y: rng.uniform() < 0.5 ? 'p' : 'q' }));
    const run = (budgetSeconds: number) => {
      let now = 0;
      const clock = () => (now += /at (ensembleSelection|fitTemperature) /.test(new Error().stack ?? '') ? 10_000 : 1);
      return automl({ data: records, target: 'y', budgetSeconds, maxTrials: 6, learners: ['gaussian-nb', 'decision-tree'], seed: 1, repeats: 1, clock });
    };
    const res = await run(0.3);
    expect(res.leaderboard.length).toBeGreaterThanOrEqual(2);
    expect(res.ensemble).toBeUndefined();
    expect(res.ensembleSkipped).toMatch(/^selecting the ensemble over \d+ pipelines did not fit the 0\.3 s budget$/);
    expect(res.ensembleSkippedBy).toBe('budget');
    expect(res.elapsedSeconds).toBeLessThanOrEqual(0.3 + 10);
    // with the time it needs (a budget of hours on this clock), the same six trials build one
    const roomy = await run(3600);
    expect(roomy.ensemble).toBeDefined();
    expect(roomy.ensembleSkipped).toBeUndefined();
    expect(roomy.ensembleSkippedBy).toBeUndefined();
  });

  it('a signal stops the search early: the result holds the trials completed so far', async () => {
    const stop = new AbortController();
    const t0 = Date.now();
    const res = await automl({ data: irisPath, target: 'species', budgetSeconds: 60, seed: 1, signal: stop.signal, onProgress: (p) => p.trial >= 3 && stop.abort() });
    expect((Date.now() - t0) / 1000).toBeLessThan(20);
    // the abort lands while trial 3 reports; trial 4 may already be running and stops at a fold boundary
    expect(res.trials).toBeLessThanOrEqual(5);
    expect(res.leaderboard.length).toBeGreaterThanOrEqual(4);
    expect(res.best.predict(readCsv(irisPath)).length).toBe(150);
    const aborted = new AbortController();
    aborted.abort();
    await expect(automl({ data: irisPath, target: 'species', budgetSeconds: 60, signal: aborted.signal })).rejects.toThrow('automl: stopped by the signal before any trial completed');
  });

  it('penguins with categorical and missing values: leaderboard, ensemble, save and load', async () => {
    const records = penguinRecords();
    const progress: number[] = [];
    const res = await automl({ data: records, target: 'Species', maxTrials: 8, budgetSeconds: 60, seed: 2, onProgress: (p) => progress.push(p.trial) });
    // progress and history list the completed trials; the median rule stopped the others after a fold
    expect(progress.length + res.prunedTrials + res.failedTrials).toBe(8);
    expect(res.history.map((h) => h.trial)).toEqual([...progress].sort((a, b) => a - b));
    expect(res.history[res.history.length - 1].best).toBe(res.leaderboard[0].score);
    expect(res.leaderboard.map((r) => r.rank)).toEqual(res.leaderboard.map((_, i) => i + 1));
    for (let i = 1; i < res.leaderboard.length; i++) expect(res.leaderboard[i].score).toBeLessThanOrEqual(res.leaderboard[i - 1].score);
    expect(res.leaderboard[0].score).toBeGreaterThan(0.9);
    expect(formatLeaderboard(res.leaderboard, res.metric)).toMatch(/rank\s+learner\s+accuracy/);
    expect(res.ensemble).toBeDefined();
    expect(res.ensemble!.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(res.ensembleScore!).toBeGreaterThanOrEqual(res.leaderboard[0].score - 0.02);
    expect(res.ensembleObjective).toBe('log-loss');

    const fresh = records.slice(0, 20).map(({ Species: _, ...rest }) => rest);
    // two rows of penguins have gaps (fewer than 5), so every pipeline fills with knn: the saved donors must fill
    // row 3 (every measurement missing) after loading exactly as before saving
    expect(res.bestSpec.preprocess?.numericImpute).toBe('knn');
    expect(fresh[3]['Beak Length (mm)']).toBeNull();
    const best = join(dir, 'best.json');
    res.save(best);
    expect(loadPipeline(best).predict(fresh)).toEqual(res.best.predict(fresh));
    const ens = join(dir, 'ensemble.json');
    expect(res.save(ens, 'ensemble')).toBe('ensemble');
    expect(loadPipeline(ens).predict(fresh)).toEqual(res.ensemble!.predict(fresh));
  });

  it('a pruner stops poor trials between folds; pruned trials stay off the leaderboard', async () => {
    const { medianPruner } = await import('../../../search/strategies/median.js');
    const res = await automl({ data: irisPath, target: 'species', maxTrials: 30, seed: 4, strategy: 'random', learners: ['decision-tree', 'gaussian-nb', 'linear-svm', 'categorical-nb'], pruner: medianPruner({ startupTrials: 3 }), ensemble: false });
    expect(res.prunedTrials).toBeGreaterThan(0);
    expect(res.leaderboard.length + res.prunedTrials + res.failedTrials).toBe(30);
  });

  it("prunes by default with the median rule, after the five strongest defaults; 'none' runs every trial whole", async () => {
    const learners = ['random-forest', 'linear', 'knn', 'decision-tree', 'gaussian-nb', 'categorical-nb', 'linear-svm'] as const;
    const run = (pruner?: 'median' | 'none') => automl({ data: penguinRecords(), target: 'Species', maxTrials: 40, seed: 3, strategy: 'random', learners: [...learners], folds: 3, repeats: 1, ensemble: false, ...(pruner ? { pruner } : {}) });
    const [byDefault, median, none] = await Promise.all([run(), run('median'), run('none')]);
    expect(byDefault.prunedTrials).toBeGreaterThan(0);
    const key = (r: AutoMLResult) => r.leaderboard.map((l) => [l.trial, l.learner, l.score]);
    expect(key(byDefault)).toEqual(key(median));
    expect(none.prunedTrials).toBe(0);
    expect(none.leaderboard.length + none.failedTrials).toBe(40);
    // the first five trials (the defaults of the five strongest learners here) complete before the rule judges any
    const done = new Set(byDefault.leaderboard.map((r) => r.trial));
    for (let t = 0; t < 5; t++) expect(done.has(t), `trial ${t}`).toBe(true);
    // the trials that were not stopped score as they do when nothing is stopped
    const whole = new Map(none.leaderboard.map((l) => [l.trial, l.score]));
    for (const l of byDefault.leaderboard) expect(l.score).toBe(whole.get(l.trial));
    await expect(automl({ data: irisPath, target: 'species', maxTrials: 1, pruner: 'mean' as 'median' })).rejects.toThrow(/pruner must be 'median', 'none' or a pruner, got "mean"/);

    // with pruning off, a searched trial reports the running mean of its fold scores after each fold but the last
    const reports: number[][] = [];
    const never = { name: 'never', shouldPrune: (t: { reports: readonly (readonly [number, number])[] }) => (reports.push(t.reports.map(([, v]) => v)), false) };
    const one = await automl({ data: irisPath, target: 'species', maxTrials: 1, seed: 5, strategy: 'random', learners: ['decision-tree'], startFromDefaults: false, pruner: never, folds: 5, repeats: 1, ensemble: false });
    const table = readCsv(irisPath);
    const enc = encodeTarget(table, 'species');
    const features = { columns: table.columns.filter((c) => c.name !== 'species'), nRows: table.nRows };
    const folds = stratifiedKFold(enc.y, 5, 5).map((test) => {
      const train = complement(table.nRows, test);
      const p = new Pipeline(one.bestSpec).fitEncoded(subsetTable(features, train), { task: 'classification', y: takeTarget(enc.y, train), classes: enc.classes }, 'species');
      return accuracy(takeTarget(enc.y, test), p.predictEncoded(subsetTable(features, test)));
    });
    expect(new Set(folds.slice(0, 4)).size).toBeGreaterThan(1); // else a raw fold score would pass as the mean
    const means = folds.slice(0, 4).map((_, i) => folds.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1));
    expect(reports.length).toBe(4);
    reports.at(-1)!.forEach((v, i) => expect(v).toBeCloseTo(means[i], 12));
  });

  it('regression targets use the regressors and R2', async () => {
    const records = penguinRecords().filter((r) => r['Body Mass (g)'] !== null);
    const res = await automl({ data: records, target: 'Body Mass (g)', maxTrials: 4, seed: 3, learners: ['decision-tree', 'linear', 'gaussian-nb'], strategy: 'random' });
    expect(res.task).toBe('regression');
    expect(res.metric).toBe('r2');
    expect(new Set(res.leaderboard.map((r) => r.learner))).not.toContain('gaussian-nb');
    expect(res.leaderboard[0].score).toBeGreaterThan(0.6);
  });

  it('reads a column of ISO dates as year, month, day and weekday (seattle-weather.csv as shipped)', async () => {
    const { packageDir } = await import('../../../core/data/datasets.js');
    const res = await automl({ data: join(packageDir('vega-datasets'), 'data', 'seattle-weather.csv'), target: 'weather', maxTrials: 1, learners: ['decision-tree'], repeats: 1, ensemble: false });
    expect(res.notes).toEqual(['date: read as dates: year, month, day, weekday']);
    expect(res.best.preprocessor.featureNames).toEqual(['date.year', 'date.month', 'date.day', 'date.weekday', 'precipitation', 'temp_max', 'temp_min', 'wind']);
    // a day the table never had still predicts
    expect(res.best.predict([{ date: '2016-07-04', precipitation: 0, temp_max: 28, temp_min: 14, wind: 2.5 }])).toHaveLength(1);
    const asCategories = await automl({ data: join(packageDir('vega-datasets'), 'data', 'seattle-weather.csv'), target: 'weather', maxTrials: 1, learners: ['decision-tree'], repeats: 1, ensemble: false, parseDates: false });
    expect(asCategories.notes).toEqual(['date: 1,461 distinct values, none repeated: no columns (an identifier)']);
  });

  it('an identifier column gets no one-hot columns and a many-level one is capped; notes say so; maxCategories is checked', async () => {
    // a name per row (never repeated) and a many-level code: the penguin's row number mod 40, a pure-noise column
    const records: Record<string, string | number | null>[] = penguinRecords().map((r, i) => ({ ...r, name: `penguin ${i}`, code: `c${i % 40}` }));
    const res = await automl({ data: records, target: 'Species', maxTrials: 2, seed: 1, strategy: 'random', learners: ['linear'], repeats: 1, maxCategories: 16 });
    expect(res.notes).toEqual(['name: 344 distinct values, none repeated: no columns (an identifier)', 'code: 40 levels: the 15 most frequent kept, the other 25 share one column']);
    const names = res.best.preprocessor.featureNames;
    expect(names.filter((f) => f.startsWith('name='))).toEqual([]);
    expect(names.filter((f) => f.startsWith('code='))).toHaveLength(16);
    expect(res.bestSpec.preprocess?.maxCategories).toBe(16);
    // new rows with names and codes never seen still predict, as well as the rows it learned from
    const fresh = records.slice(0, 60).map((r, i) => ({ ...r, name: `new ${i}`, code: `new ${i}` }));
    const pred = res.best.predict(fresh);
    const truth = records.slice(0, 60).map((r) => r.Species);
    expect(pred.filter((p, i) => p === truth[i]).length).toBeGreaterThan(55);
    expect((await automl({ data: records, target: 'Species', maxTrials: 1, learners: ['linear'], repeats: 1 })).notes).toEqual(['name: 344 distinct values, none repeated: no columns (an identifier)']);
    await expect(automl({ data: records, target: 'Species', maxTrials: 1, maxCategories: 1.5 })).rejects.toThrow(/automl: maxCategories must be an integer >= 2, got 1.5/);
  });
});

describe('automl with its fold fits on worker threads (workers > 1)', () => {
  const records = penguinRecords();
  const fixedPath = { strategy: 'random', pruner: 'none', seed: 3, budgetSeconds: 300 } as const;

  it('gives the result one worker gives when the path does not depend on finishing order (random search, no pruner)', async () => {
    const run = (workers: number) => automl({ data: records, target: 'Sex', maxTrials: 14, workers, learners: ['random-forest', 'linear', 'knn', 'decision-tree', 'gaussian-nb'], ...fixedPath });
    const one = await run(1);
    const two = await run(2);
    expect(two.trials).toBe(14);
    expect(withoutTimes(two.leaderboard)).toEqual(withoutTimes(one.leaderboard));
    expect(two.bestSpec).toEqual(one.bestSpec);
    expect(two.ensembleScore).toBe(one.ensembleScore);
    // the refits ran on the workers (sent back as JSON): the same members, probabilities bit for bit
    expect(two.ensemble!.members.map((m) => m.spec)).toEqual(one.ensemble!.members.map((m) => m.spec));
    expect(two.ensemble!.members.length).toBeGreaterThan(1);
    expect(Array.from(two.ensemble!.predictProba(records).data)).toEqual(Array.from(one.ensemble!.predictProba(records).data));
    expect(Array.from(two.best.predictProba(records).data)).toEqual(Array.from(one.best.predictProba(records).data));
  });

  it('runs `workers` trials at once: the strategy is asked for the next before the first finishes', async () => {
    const seen = async (workers: number) => {
      const asked: number[] = [];
      const inner = tpe({ avoidRepeats: true });
      const strategy: Strategy<Config> = { name: 'spy', ask: (ctx) => (asked.push(ctx.history.length), inner.ask(ctx)) };
      await automl({ data: records, target: 'Species', maxTrials: 6, workers, strategy, startFromDefaults: false, learners: ['linear', 'knn'], pruner: 'none', budgetSeconds: 300, seed: 1 });
      return asked;
    };
    // one worker: each trial is asked with every earlier one finished; three: the first three start together
    expect(await seen(1)).toEqual([0, 1, 2, 3, 4, 5]);
    const three = await seen(3);
    expect(three.slice(0, 3)).toEqual([0, 0, 0]);
    expect(three.length).toBe(6);
    expect(three.every((h, i) => h <= i && h >= i - 2)).toBe(true);
  });

  it('keeps to the time budget and stops for a signal, with the trials completed so far', async () => {
    const t0 = Date.now();
    const res = await automl({ data: records, target: 'Sex', budgetSeconds: 3, workers: 2, seed: 1 });
    expect((Date.now() - t0) / 1000).toBeLessThan(3 + 1.5);
    expect(res.elapsedSeconds).toBeLessThan(3.3);
    expect(res.leaderboard.length).toBeGreaterThan(2);
    const stop = new AbortController();
    const stopped = await automl({ data: records, target: 'Sex', budgetSeconds: 120, workers: 2, seed: 1, signal: stop.signal, onProgress: (p) => p.trial >= 3 && stop.abort() });
    // the abort lands while a trial reports; the other worker's trial stops at a fold boundary
    expect(stopped.elapsedSeconds).toBeLessThan(30);
    expect(stopped.leaderboard.length).toBeGreaterThanOrEqual(3);
    expect(stopped.best.predict(records).length).toBe(records.length);
  });

  it('refuses a worker count that is not a positive integer, and a clock of its own next to workers', async () => {
    await expect(automl({ data: records, target: 'Sex', maxTrials: 1, workers: 0 })).rejects.toThrow(/automl: workers must be a positive integer, got 0/);
    await expect(automl({ data: records, target: 'Sex', maxTrials: 1, workers: 1.5 })).rejects.toThrow(ArgumentError);
    await expect(automl({ data: records, target: 'Sex', maxTrials: 1, workers: 2, clock: () => 0 })).rejects.toThrow(/automl: 2 workers time their fits on the process clock/);
  });

  it('a boolean target comes back as booleans from the best pipeline and the ensemble, refitted here or on a worker', async () => {
    const rows = records.map((r) => ({ ...r, heavy: typeof r['Body Mass (g)'] === 'number' ? r['Body Mass (g)'] > 4200 : null, 'Body Mass (g)': undefined }));
    for (const workers of [1, 2]) {
      const res = await automl({ data: rows, target: 'heavy', maxTrials: 6, learners: [...fast], pruner: 'none', budgetSeconds: 300, seed: 1, workers });
      const labelled = rows.filter((r) => r.heavy !== null);
      const pred = res.best.predict(labelled);
      expect(new Set(pred), `workers ${workers}`).toEqual(new Set([false, true]));
      expect(pred.filter((v, i) => v === labelled[i].heavy).length / labelled.length).toBeGreaterThan(0.8);
      expect(res.ensemble, `workers ${workers}`).toBeDefined();
      expect(new Set(res.ensemble!.predict(labelled))).toEqual(new Set([false, true]));
    }
  });

  it("the target's own type comes back from a file too: a CSV's class numbers as numbers, a JSON records file's true/false as booleans", async () => {
    // classes 3, 5 and 9 by island: an index (0, 1, 2) or a string ('3') returned for a class fails toStrictEqual;
    // the CSV's run refits on workers, the JSON file's here
    const code = { Biscoe: 3, Dream: 5, Torgersen: 9 } as Record<string, number>;
    const rows = records.filter((r) => typeof r['Body Mass (g)'] === 'number').map((r) => ({ mass: r['Body Mass (g)'] as number, beak: r['Beak Length (mm)'] as number, island: code[r.Island as string], heavy: (r['Body Mass (g)'] as number) > 4200 }));
    const csv = join(dir, 'islands.csv');
    writeFileSync(csv, ['mass,beak,island', ...rows.map((r) => `${r.mass},${r.beak},${r.island}`)].join('\n') + '\n');
    const json = join(dir, 'heavy.json');
    writeFileSync(json, JSON.stringify(rows.map(({ island: _, ...r }) => r)));
    const opts: Omit<AutoMLOptions, 'data' | 'target'> = { maxTrials: 4, learners: [...fast], pruner: 'none', budgetSeconds: 300, seed: 1, repeats: 1 };
    const islands = await automl({ data: csv, target: 'island', ...opts, workers: 2 });
    for (const model of [islands.best, islands.ensemble!]) {
      expect(model.labels).toBe('number');
      const pred = model.predict(rows);
      expect(new Set(pred)).toStrictEqual(new Set([3, 5, 9]));
      expect(pred.filter((v, i) => v === rows[i].island).length / rows.length).toBeGreaterThan(0.5);
    }
    const heavy = await automl({ data: json, target: 'heavy', ...opts });
    for (const model of [heavy.best, heavy.ensemble!]) {
      expect(model.labels).toBe('boolean');
      expect(model.predict(rows).filter((v, i) => v === rows[i].heavy).length / rows.length).toBeGreaterThan(0.9);
    }
  });
});

describe('automl on a table past sampleRows: the trials on a sample, the refits on every row', () => {
  const records = penguinRecords();
  const sampleOf = (recs: typeof records, target: string, m: number, seed: number) => Array.from(stratifiedSample(encodeTarget(tableFromRecords(recs), target, 'auto').y, m, 5, seed), (i) => recs[i]);
  const probaOf = (p: { predictProba(r: typeof records): { data: Float64Array } }, recs: typeof records) => Array.from(p.predictProba(recs).data);
  const fixed: Omit<AutoMLOptions, 'data'> = { target: 'Species', maxTrials: 5, strategy: 'random', pruner: 'none', seed: 2, learners: ['decision-tree', 'linear', 'knn'], budgetSeconds: 300, repeats: 1 };

  it('cross-validates a stratified sample (the leaderboard of a run on those rows alone), refits the best on every row and saves it alone', async () => {
    const res = await automl({ data: records, sampleRows: 120, ...fixed });
    const alone = await automl({ data: sampleOf(records, 'Species', 120, 2), sampleRows: false, ...fixed });
    expect(withoutTimes(res.leaderboard)).toEqual(withoutTimes(alone.leaderboard));
    expect(res.bestSpec).toEqual(alone.bestSpec);
    expect(res.rows).toEqual({ total: 344, searched: 120, best: 344, why: 'asked for past 120 rows' });
    expect(alone.rows).toEqual({ total: 120, searched: 120, best: 120 });
    // the refit predicts as a pipeline fitted on all 344 rows, not as the one on the sample
    expect(probaOf(res.best, records)).toEqual(probaOf(new Pipeline(res.bestSpec).fit(records, 'Species'), records));
    expect(probaOf(res.best, records)).not.toEqual(probaOf(alone.best, records));
    // the ensemble was chosen for pipelines fitted on the sample: with the best on every row, none is built
    expect(alone.ensemble!.members.length).toBeGreaterThan(1);
    expect(res.ensemble).toBeUndefined();
    expect(res.ensembleSkipped).toBe('the trials ran on a 120-row sample and the best pipeline was refitted on all 344 rows, where the ensemble was chosen for pipelines fitted on the sample: the best alone is the model');
    expect(res.ensembleSkippedBy).toBe('sample');
  });

  it('refits on the sample when a refit on every row would not fit the budget, or runs late', async () => {
    // on a clock the test advances (1 ms a read) the forest reads it once per tree: 100 ms a fold on 80 rows, so a
    // refit on all 1,000 rows is estimated at 1.1 * 100 * 1000 / 80 = 1,375 ms
    const rng = new Random(7);
    const recs = Array.from({ length: 1000 }, (_, i) => ({ ...Object.fromEntries(Array.from({ length: 4 }, (_, j) => [`x${j}`, rng.normal() + (j === i % 3 ? 1 : 0)])), y: 'abc'[i % 3] }));
    const run = (budgetSeconds: number, clock: () => number, onProgress?: () => void, more: Partial<AutoMLOptions> = {}) =>
      automl({ data: recs, target: 'y', sampleRows: 100, learners: ['random-forest'], maxTrials: 1, ensemble: false, repeats: 1, pruner: 'none', seed: 1, budgetSeconds, clock, onProgress, ...more });
    let now = 0;
    const tight = await run(1, () => (now += 1));
    expect(tight.rows).toEqual({ total: 1000, searched: 100, best: 100, why: 'asked for past 100 rows' });
    const onSample = new Pipeline(tight.bestSpec).fit(sampleOf(recs, 'y', 100, 1), 'y');
    expect(probaOf(tight.best, recs)).toEqual(probaOf(onSample, recs));
    expect(tight.elapsedSeconds).toBeLessThanOrEqual(1);
    // with the best on the sample, an ensemble's members are fitted on the sample too (what its selection measured)
    now = 0;
    const two = await run(2, () => (now += 1), undefined, { maxTrials: 2, ensemble: true });
    expect(two.rows.best).toBe(100);
    expect(two.ensemble!.members.length).toBe(2);
    for (const m of two.ensemble!.members) expect(probaOf(m, recs)).toEqual(probaOf(new Pipeline(m.spec).fit(sampleOf(recs, 'y', 100, 1), 'y'), recs));
    now = 0;
    expect((await run(20, () => (now += 1))).rows.best).toBe(1000);
    // estimated to fit, but the machine turns 1000x slower once the trial is done: the refit on every row stops at the
    // budget's end and the best is refitted on the sample instead
    now = 0;
    let slow = false;
    const slowed = await run(20, () => (now += slow ? 1000 : 1), () => (slow = true));
    expect(slowed.rows.best).toBe(100);
    expect(probaOf(slowed.best, recs)).toEqual(probaOf(onSample, recs));
  });

  it("'auto' (the default) samples a table past 20,000 rows only when its probe says every row would not keep pace", async () => {
    // on a clock the test advances (5 ms a read) the linear model's probe and trial take a few reads whatever the
    // rows: scaled to 16,800 training rows the probe is past a 0.27 s search, and inside a 4.5 s one
    const rng = new Random(9);
    const recs = Array.from({ length: 21000 }, (_, i) => ({ x0: rng.normal() + (i % 2), x1: rng.normal(), y: i % 2 ? 'b' : 'a' }));
    const run = (budgetSeconds: number, sampleRows?: number | false) => {
      let now = 0;
      return automl({ data: recs, target: 'y', learners: ['linear'], maxTrials: 1, ensemble: false, repeats: 1, seed: 1, budgetSeconds, clock: () => (now += 5), sampleRows });
    };
    const tight = await run(0.3);
    expect(tight.rows.searched).toBe(20000);
    expect(tight.rows.why).toMatch(/^cross-validating the default linear on all 21000 rows would take longer than the \d+ ms search \(fits on 1600 rows: linear over \d+ ms\)$/);
    expect((await run(5)).rows).toEqual({ total: 21000, searched: 21000, best: 21000 });
    // never with false, always past the number given
    expect((await run(0.3, false)).rows.searched).toBe(21000);
    expect((await run(5, 20500)).rows).toMatchObject({ total: 21000, searched: 20500, why: 'asked for past 20500 rows' });
  });

  it('needs a sample only when none of the probed defaults could do its folds in the search time', () => {
    // on a clock the test advances (1 ms a read) boosting reads it once per round (about 20 here, as it stops early)
    // and the forest once per tree (5 here), on 1,600 rows scaled to 4,000 training rows: 5 folds at 12-13x the probe
    const rng = new Random(3);
    const recs = Array.from({ length: 5000 }, (_, i) => ({ x0: rng.normal() + (i % 2) * 0.3, x1: rng.normal(), y: i % 2 ? 'b' : 'a' }));
    const table = tableFromRecords(recs, 'y');
    const enc = encodeTarget(table, 'y', 'auto');
    const features = { columns: table.columns, nRows: table.nRows };
    const [gbt, rf] = defaultConfigs(['gradient-boosting', 'random-forest']).sort((a) => (a.learner === 'gradient-boosting' ? -1 : 1)).map((c) => configToSpec(c, 0));
    const smallForest = { ...rf, params: { ...rf.params, nEstimators: 5 } };
    let now = 0;
    const clock = () => (now += 1);
    const need = (specs: typeof gbt[], searchSeconds: number) => sampleNeed(features, enc, 'y', specs, 5, 0, clock, searchSeconds);
    // 0.2 s: boosting's 5 folds would not fit, the small forest's would: every row
    expect(need([gbt, smallForest], 0.2)).toBeUndefined();
    expect(need([gbt], 0.2)).toMatch(/^cross-validating the default gradient-boosting on all 5000 rows would take longer than the 200 ms search \(fits on 1600 rows: gradient-boosting over \d+ ms\)$/);
    // 0.02 s: neither, and the reason names both
    expect(need([gbt, smallForest], 0.02)).toMatch(/^cross-validating the default gradient-boosting or random-forest on all 5000 rows would take longer than the 20 ms search \(fits on 1600 rows: gradient-boosting over \d+ ms, random-forest over \d+ ms\)$/);
    // a whole minute: boosting keeps pace, the forest is not probed
    const before = now;
    expect(need([gbt, smallForest], 60)).toBeUndefined();
    expect(now - before).toBeLessThan(200);
  });

  it('scales a probe fit time to all rows as the learner grows: n log n for trees, n² for kNN, else linearly', () => {
    expect(scaleFitTime('gradient-boosting', 0.5, 2000, 16000)).toBeCloseTo(4, 12);
    for (const l of ['linear', 'linear-svm', 'mlp', 'gaussian-nb', 'categorical-nb'] as const) expect(scaleFitTime(l, 0.5, 2000, 16000)).toBeCloseTo(4, 12);
    for (const l of ['random-forest', 'extra-trees', 'decision-tree'] as const) expect(scaleFitTime(l, 0.5, 1024, 4096)).toBeCloseTo((0.5 * 4 * 12) / 10, 12);
    expect(scaleFitTime('knn', 0.5, 2000, 16000)).toBeCloseTo(32, 12);
  });

  it("reads a kNN probe as growing with the square of the rows", () => {
    // on a clock the test advances (1 ms a read) kNN's probe reads it a few times per 64 query rows, the same on any
    // machine. Scaled from 1,600 training rows to 48,000, n log n had said 44x where brute force grows 900x: its
    // 5 folds of every row would have seemed to keep pace with a 20 s search
    const rng = new Random(5);
    const table = tableFromRecords(Array.from({ length: 60000 }, (_, i) => ({ x0: rng.normal() + (i % 2), x1: rng.normal(), y: i % 2 ? 'b' : 'a' })), 'y');
    const enc = encodeTarget(table, 'y', 'auto');
    const [knn] = defaultConfigs(['knn']).map((c) => configToSpec(c, 0));
    let now = 0;
    const clock = () => (now += 1);
    const need = (searchSeconds: number) => sampleNeed({ columns: table.columns, nRows: table.nRows }, enc, 'y', [knn], 5, 0, clock, searchSeconds);
    expect(need(20)).toMatch(/^cross-validating the default knn on all 60000 rows would take longer than the 20 s search \(fits on 1600 rows: knn over \d+ ms\)$/);
    expect(need(600)).toBeUndefined();
  });

  it('samples a regression target at random, and gives with 2 workers what 1 gives', async () => {
    const mass: Omit<AutoMLOptions, 'data'> = { ...fixed, target: 'Body Mass (g)', learners: ['linear', 'knn', 'decision-tree'] };
    const one = await automl({ data: records, sampleRows: 100, ...mass, workers: 1 });
    const two = await automl({ data: records, sampleRows: 100, ...mass, workers: 2 });
    expect(one.task).toBe('regression');
    expect(one.rows.total).toBe(342); // two penguins have no body mass
    expect(one.rows.searched).toBe(100);
    expect(one.rows.best).toBe(342);
    expect(two.rows).toEqual(one.rows);
    expect(withoutTimes(two.leaderboard)).toEqual(withoutTimes(one.leaderboard));
    expect(Array.from(two.best.predictEncoded(tableFromRecords(records)) as Float64Array)).toEqual(Array.from(one.best.predictEncoded(tableFromRecords(records)) as Float64Array));
    expect(two.ensembleSkipped).toBe(one.ensembleSkipped);
  });

  it("refuses a sampleRows that is not 'auto', an integer >= 2 or false", async () => {
    for (const bad of [0, 1, 2.5, -3, 'some']) await expect(automl({ data: records, target: 'Species', maxTrials: 1, sampleRows: bad as number })).rejects.toThrow(`automl: sampleRows must be 'auto', an integer >= 2 or false, got ${bad}`);
  });
});

describe('automl on core/data tables', () => {
  it('takes a Table whose target is held apart (core/data/datasets penguins)', async () => {
    const { penguins } = await import('../../../core/data/datasets.js');
    const res = await automl({ data: penguins(), target: 'Species', maxTrials: 3, seed: 1, strategy: 'random', learners: ['decision-tree', 'knn'] });
    expect(res.best.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(res.leaderboard[0].score).toBeGreaterThan(0.9);
  });
});

describe('automl on small tables: repeated CV and the ensemble library', () => {
  it('repeats the k-fold split with seeds seed, seed + 1, ... and scores a trial on every repeat (default 3 up to 500 rows)', async () => {
    const table = readCsv(irisPath);
    const enc = encodeTarget(table, 'species');
    const features = { columns: table.columns.filter((c) => c.name !== 'species'), nRows: table.nRows };
    const expected = (repeats: number): number => {
      const scores: number[] = [];
      for (let r = 0; r < repeats; r++) {
        for (const test of stratifiedKFold(enc.y, 5, 3 + r)) {
          const train = complement(table.nRows, test);
          const p = new Pipeline({ learner: 'gaussian-nb', params: { varSmoothing: 1e-9 }, preprocess: { numericImpute: 'median', scale: 'standard' }, seed: 3 });
          p.fitEncoded(subsetTable(features, train), { task: 'classification', y: takeTarget(enc.y, train), classes: enc.classes }, 'species');
          scores.push(accuracy(takeTarget(enc.y, test), p.predictEncoded(subsetTable(features, test))));
        }
      }
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    };
    const run = (repeats?: number) => automl({ data: table, target: 'species', learners: ['gaussian-nb'], maxTrials: 1, seed: 3, ensemble: false, ...(repeats ? { repeats } : {}) });
    const [one, two, byDefault] = await Promise.all([run(1), run(2), run()]);
    expect(one.leaderboard[0].score).toBeCloseTo(expected(1), 12);
    expect(two.leaderboard[0].score).toBeCloseTo(expected(2), 12);
    expect(byDefault.leaderboard[0].score).toBeCloseTo(expected(3), 12);
    expect(expected(3)).not.toBeCloseTo(expected(1), 6);
    await expect(automl({ data: table, target: 'species', maxTrials: 1, repeats: 0 })).rejects.toThrow(/repeats must be a positive integer, got 0/);
    for (const folds of [1, 2.5]) await expect(automl({ data: table, target: 'species', maxTrials: 1, folds })).rejects.toThrow(`automl: folds must be an integer >= 2, got ${folds}`);
  });

  it("refuses bad ensemble options before the search, not after it", async () => {
    const table = readCsv(irisPath);
    let trials = 0;
    const run = (ensemble: NonNullable<Parameters<typeof automl>[0]['ensemble']>) => automl({ data: table, target: 'species', maxTrials: 5, ensemble, onProgress: () => trials++ });
    await expect(run({ maxRows: 0 })).rejects.toThrow('automl: ensemble.maxRows must be an integer >= 1, got 0');
    await expect(run({ size: 2.5 })).rejects.toThrow('automl: ensemble.size must be an integer >= 1, got 2.5');
    await expect(run({ init: -1 })).rejects.toThrow('automl: ensemble.init must be an integer >= 0, got -1');
    await expect(run({ candidates: 0 })).rejects.toThrow('automl: ensemble.candidates must be an integer >= 1, got 0');
    await expect(run({ bags: 0 })).rejects.toThrow('automl: ensemble.bags must be an integer >= 1, got 0');
    await expect(run({ objective: 'rmse' })).rejects.toThrow("automl: ensemble.objective for classification must be one of accuracy, balanced-accuracy, log-loss, macro-f1, got \"rmse\"");
    expect(trials).toBe(0);
  });

  it("the ensemble library holds each learner's best trial, not only the best trials overall", async () => {
    const learners = ['decision-tree', 'gaussian-nb', 'knn', 'linear'] as const;
    // one candidate from the top, sorted initialization of 4 and no greedy steps: the library is exactly one pipeline per learner
    const res = await automl({ data: irisPath, target: 'species', learners: [...learners], maxTrials: 10, seed: 1, strategy: 'random', ensemble: { candidates: 1, bags: 1, init: 4, size: 4 } });
    expect(res.ensemble!.members.map((m) => m.spec.learner).sort()).toEqual([...learners].sort());
    expect(res.ensemble!.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
    for (const l of learners) {
      const bestOfLearner = res.leaderboard.find((r) => r.learner === l)!;
      const member = res.ensemble!.members.find((m) => m.spec.learner === l)!;
      expect({ ...member.spec.params, impute: member.spec.preprocess?.numericImpute, ...(l === 'knn' ? { scale: member.spec.preprocess?.scale } : {}) }).toEqual(bestOfLearner.params);
    }
  });

  it('calibrate (the default) temperature-scales each member on its out-of-fold predictions; calibrate: false does not', async () => {
    const opts = { data: irisPath, target: 'species', learners: ['linear-svm', 'gaussian-nb'] as ('linear-svm' | 'gaussian-nb')[], maxTrials: 2, seed: 1, repeats: 1 };
    const plain = await automl({ ...opts, ensemble: { init: 2, size: 2, bags: 1, calibrate: false } });
    const scaled = await automl({ ...opts, ensemble: { init: 2, size: 2, bags: 1 } });
    expect(plain.ensemble!.temperatures).toEqual([1, 1]);
    const svmAt = scaled.ensemble!.members.findIndex((m) => m.spec.learner === 'linear-svm');
    // the margin softmax is far too unsure on iris, so its temperature sharpens it
    expect(scaled.ensemble!.temperatures[svmAt]).toBeLessThan(0.5);
    expect(scaled.ensembleScore).toBeGreaterThanOrEqual(0.9);
  });
});
