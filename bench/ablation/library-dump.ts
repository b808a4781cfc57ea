// Per outer fold of the nested AutoML bench (same sets, outer folds, seeds and 60 s budget as automl.bench.ts), the
// ensemble library's out-of-fold probabilities and each member's refit probabilities on the outer test rows, written
// to LIBRARY_DIR (default /tmp/whittle-library) for ensemble-ablation.ts. It needs library-hook.patch applied to
// search/automl/automl.ts (a hook that hands out the library; not in the product). Recorded runs: commit 7bd8e58
// (ensemble calibration then off) for ensemble-ablation.ts, and 442e75c for member-ablation.ts (the patch as it is
// now: the library tempered, with the raw probabilities and temperatures), each
// `AUTOML_OUTER_BUDGET=60 LIBRARY_DIR=... npx tsx bench/ablation/library-dump.ts` in two processes split by BENCH_SETS.
import { mkdirSync } from 'node:fs';
import { writeFileSync, existsSync } from 'node:fs';
import { benchSets } from '../automl-sets.js';
import { automl } from '../../search/automl/automl.js';
import { complement, stratifiedKFold } from '../../search/automl/cv.js';
import { subsetTable } from '../../search/automl/frame.js';
import { encodeTarget } from '../../search/automl/pipeline.js';

const budget = Number(process.env.AUTOML_OUTER_BUDGET ?? 60);
const only = process.env.BENCH_SETS?.split(',');
const seed = 0;
const outDir = process.env.LIBRARY_DIR ?? '/tmp/whittle-library';
mkdirSync(outDir, { recursive: true });
for (const set of benchSets.filter((s) => s.id !== 'iris' && (!only || only.includes(s.id)))) {
  const full = set.load();
  const enc = encodeTarget(full, set.target);
  const table = enc.rows.length === full.nRows ? full : subsetTable(full, enc.rows);
  const labels = enc.y as Int32Array;
  const repeats = table.nRows <= 500 ? 3 : 1;
  for (let rep = 0; rep < repeats; rep++) {
    const outer = stratifiedKFold(labels, 5, seed + rep);
    for (const [fi, test] of outer.entries()) {
      const file = `${outDir}/${set.id}-${rep}-${fi}.json`;
      if (existsSync(file)) continue;
      let hook: any;
      (globalThis as any).__automlHook = (x: unknown) => (hook = x);
      const run = await automl({ data: subsetTable(table, complement(table.nRows, test)), target: set.target, budgetSeconds: budget, seed: seed + rep });
      const testTable = subsetTable(table, test);
      const shipped = run.ensemble ?? run.best;
      // held-out rows are read as the bench reads them: a cell it cannot read is a gap, not an error
      const shippedPred = shipped.predict(testTable, { unreadable: 'missing' });
      const t0 = Date.now();
      const testProba = hook.specs.map((_: unknown, i: number) => Array.from(hook.refit(i).predictProba(testTable, { unreadable: 'missing' }).data));
      const out = {
        set: set.id, rep, fold: fi, trials: run.trials, classes: hook.classes, allClasses: enc.classes,
        specs: hook.specs, scores: hook.scores, yStacked: Array.from(hook.yStacked), weights: hook.weights,
        oof: hook.library.map((l: any) => Array.from(l.proba.data)), rawOof: hook.rawOof.map((l: any) => Array.from(l.data)), temperatures: hook.temperatures,
        testRows: Array.from(test), testY: Array.from(test, (r) => enc.classes[labels[r]]), testProba, shippedPred,
      };
      writeFileSync(file, JSON.stringify(out));
      const acc = shippedPred.filter((p, j) => p === out.testY[j]).length / test.length;
      console.log(`${set.id} rep ${rep} fold ${fi}: trials ${run.trials}, pool ${hook.specs.length}, shipped acc ${acc.toFixed(4)}, refits ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
}
