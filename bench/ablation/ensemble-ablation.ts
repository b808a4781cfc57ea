// Ensemble-selection variants scored offline on the libraries library-dump.ts wrote: each variant picks weights on
// the inner out-of-fold predictions only and is scored on the outer test rows, so every figure is nested CV. The
// variants and the rule for adopting one (mean gain over the sets > 0, no set worse by more than one fold-paired
// standard error) were fixed before the run. Writes bench/results/automl-ensemble-ablation.json.
// It reads `oof` as untempered, as 7bd8e58's libraries hold it; dumps of later code hold the tempered library there
// (and the untempered one in `rawOof`).
//   npx tsx bench/ablation/ensemble-ablation.ts [LIBRARY_DIR]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { ensembleSelection, fitTemperature, temper } from '../../search/automl/ensemble.js';
import { matrix } from '../../search/automl/matrix.js';
const dir = process.argv[2] ?? process.env.LIBRARY_DIR ?? '/tmp/whittle-library';
type Dump = any;
const variants: Record<string, (d: Dump, lib: { proba: any }[], y: Int32Array) => { w: number[]; T?: number[] }> = {
  V0_default: (d, lib, y) => ({ w: ensembleSelection(lib, y, 'accuracy', 50, { bags: 20, init: 3, seed: d.rep, objective: 'log-loss' }) }),
  V1_calibrate: (d, lib, y) => {
    const T = lib.map((l) => fitTemperature(l.proba, y));
    return { w: ensembleSelection(lib.map((l, i) => ({ proba: temper(l.proba, T[i]) })), y, 'accuracy', 50, { bags: 20, init: 3, seed: d.rep, objective: 'log-loss' }), T };
  },
  V2_accuracy: (d, lib, y) => ({ w: ensembleSelection(lib, y, 'accuracy', 50, { bags: 20, init: 3, seed: d.rep, objective: 'accuracy' }) }),
  V3_best: (_d, lib) => ({ w: lib.map((_, i) => (i === 0 ? 1 : 0)) }),
  V4_plainCaruana: (d, lib, y) => ({ w: ensembleSelection(lib, y, 'accuracy', 50, { objective: 'log-loss' }) }),
  V5_uniformLearnerBest: (d) => {
    const seen = new Set<string>();
    const w = d.specs.map((s: any) => (seen.has(s.learner) ? 0 : (seen.add(s.learner), 1)));
    const tot = w.reduce((a: number, b: number) => a + b, 0);
    return { w: w.map((x: number) => x / tot) };
  },
};
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const bySet = new Map<string, Record<string, number[]>>();
let repro = 0, reproN = 0, shippedAgree = 0;
for (const f of files) {
  const d: Dump = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const K = d.classes.length;
  const y = Int32Array.from(d.yStacked);
  const lib = d.oof.map((o: number[]) => ({ proba: matrix(o.length / K, K, Float64Array.from(o)) }));
  const n = d.testY.length;
  const acc: Record<string, number> = {};
  for (const [name, v] of Object.entries(variants)) {
    const { w, T } = v(d, lib, y);
    if (name === 'V0_default') { reproN++; if (w.every((x, i) => Math.abs(x - d.weights[i]) < 1e-12)) repro++; }
    let right = 0;
    const preds: string[] = [];
    for (let j = 0; j < n; j++) {
      const p = new Float64Array(K);
      w.forEach((wi, m) => {
        if (wi === 0) return;
        let row = d.testProba[m].slice(j * K, (j + 1) * K);
        if (T && T[m] !== 1) row = Array.from(temper(matrix(1, K, Float64Array.from(row)), T[m]).data);
        for (let c = 0; c < K; c++) p[c] += wi * row[c];
      });
      let best = 0;
      for (let c = 1; c < K; c++) if (p[c] > p[best]) best = c;
      preds.push(d.classes[best]);
      if (d.classes[best] === d.testY[j]) right++;
    }
    if (name === 'V0_default') shippedAgree += preds.filter((p, j) => p === d.shippedPred[j]).length / n;
    acc[name] = right / n;
  }
  const rec = bySet.get(d.set) ?? {};
  for (const [k, a] of Object.entries(acc)) (rec[k] ??= []).push(a);
  bySet.set(d.set, rec);
}
console.log(`V0 weights reproduced ${repro}/${reproN}; V0 test predictions equal the shipped model's on ${(100 * shippedAgree / reproN).toFixed(2)}% of rows (avg per fold)`);
const names = Object.keys(variants);
console.log('set'.padEnd(18), names.map((n) => n.padStart(22)).join(''));
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const overall: Record<string, number[]> = {};
for (const [set, rec] of bySet) {
  const base = rec.V0_default;
  console.log(set.padEnd(18), names.map((nm) => {
    const diffs = rec[nm].map((a, i) => a - base[i]);
    const md = meanOf(diffs);
    const se = Math.sqrt(diffs.reduce((a, x) => a + (x - md) ** 2, 0) / Math.max(1, diffs.length - 1) / diffs.length);
    (overall[nm] ??= []).push(100 * md);
    return `${(100 * meanOf(rec[nm])).toFixed(2)} (${md >= 0 ? '+' : ''}${(100 * md).toFixed(2)}±${(100 * se).toFixed(2)})`.padStart(22);
  }).join(''), `folds ${base.length}`);
}
console.log('mean diff vs V0'.padEnd(18), names.map((nm) => meanOf(overall[nm]).toFixed(2).padStart(22)).join(''));

const summary = Object.fromEntries(
  [...bySet].map(([set, rec]) => [
    set,
    Object.fromEntries(
      names.map((nm) => {
        const diffs = rec[nm].map((a, i) => a - rec.V0_default[i]);
        const md = meanOf(diffs);
        const se = Math.sqrt(diffs.reduce((a, x) => a + (x - md) ** 2, 0) / Math.max(1, diffs.length - 1) / diffs.length);
        return [nm, { accuracy: meanOf(rec[nm]), perFold: rec[nm], diffPointsVsV0: 100 * md, diffSEPoints: 100 * se }];
      }),
    ),
  ]),
);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'automl-ensemble-ablation.json');
writeFileAtomic(out, JSON.stringify({ date: new Date().toISOString(), libraries: files.length, meanDiffPointsVsV0: Object.fromEntries(names.map((nm) => [nm, meanOf(overall[nm])])), sets: summary }, null, 1) + '\n');
console.log(`wrote ${out}`);
