// Who joins the ensemble, scored offline on libraries library-dump.ts wrote (with the temperatures and raw
// out-of-fold probabilities): each variant decides on the inner out-of-fold predictions only and is scored on the
// outer test rows, so every figure is nested CV. The variants and the adoption rule were fixed before the libraries
// were dumped (the preregistration below). Writes bench/results/automl-member-ablation.json.
//   npx tsx bench/ablation/member-ablation.ts [LIBRARY_DIR]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { ensembleSelection, temper } from '../../search/automl/ensemble.js';
import { type Matrix, matrix } from '../../search/automl/matrix.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] ?? process.env.LIBRARY_DIR ?? '/tmp/whittle-library';
const preregistration = readFileSync(join(here, 'member-ablation-prereg.txt'), 'utf8').trim().split('\n');

interface Dump {
  set: string;
  rep: number;
  fold: number;
  classes: string[];
  specs: { learner: string }[];
  scores: number[];
  yStacked: number[];
  weights: number[];
  oof: number[][];
  rawOof: number[][];
  temperatures: number[];
  testRows: number[];
  testY: string[];
  testProba: number[][];
  shippedPred: string[];
}

const argmax = (m: Matrix, r: number): number => {
  let best = 0;
  for (let c = 1; c < m.cols; c++) if (m.data[r * m.cols + c] > m.data[r * m.cols + best]) best = c;
  return best;
};

/** Each learner's best pipeline in the library (the first of its learner: the library is in ranked order). */
const learnerBests = (d: Dump): number[] => {
  const seen = new Set<string>();
  return d.specs.flatMap((s, i) => (seen.has(s.learner) ? [] : (seen.add(s.learner), [i])));
};

/** The learner bests not clearly worse than the overall best (index 0): mean paired loss <= its standard error. */
const oneSE = (d: Dump, oof: Matrix[], y: Int32Array): number[] =>
  learnerBests(d).filter((i) => {
    if (i === 0) return true;
    const n = y.length;
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      const diff = (argmax(oof[0], r) === y[r] ? 1 : 0) - (argmax(oof[i], r) === y[r] ? 1 : 0);
      s += diff;
      s2 += diff * diff;
    }
    const mean = s / n;
    const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean) * (n / (n - 1)));
    return mean <= sd / Math.sqrt(n);
  });

const uniform = (d: Dump, members: number[]): number[] => d.specs.map((_, i) => (members.includes(i) ? 1 / members.length : 0));

/** Weights over the library, and whether members are temperature-scaled. */
const variants: Record<string, (d: Dump, tempered: Matrix[], raw: Matrix[], y: Int32Array) => { w: number[]; calibrated: boolean }> = {
  V0_shipped: (d, tempered, _raw, y) => ({ w: ensembleSelection(tempered.map((proba) => ({ proba })), y, 'accuracy', 50, { bags: 20, init: 3, seed: d.rep, objective: 'log-loss' }), calibrated: true }),
  V5_uniformLearnerBest: (d) => ({ w: uniform(d, learnerBests(d)), calibrated: false }),
  V6_oneSE_uniform: (d, tempered, _raw, y) => ({ w: uniform(d, oneSE(d, tempered, y)), calibrated: true }),
  V7_oneSE_uniform_raw: (d, _tempered, raw, y) => ({ w: uniform(d, oneSE(d, raw, y)), calibrated: false }),
};

const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const bySet = new Map<string, { acc: Record<string, number[]>; members: Record<string, number[]>; folds: string[] }>();
let reproduced = 0;
let agree = 0;
let testRows = 0;
for (const f of files) {
  const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dump;
  const k = d.classes.length;
  const y = Int32Array.from(d.yStacked);
  const rows = y.length;
  const tempered = d.oof.map((o) => matrix(rows, k, Float64Array.from(o)));
  const raw = d.rawOof.map((o) => matrix(rows, k, Float64Array.from(o)));
  const n = d.testY.length;
  testRows += n;
  const rec = bySet.get(d.set) ?? { acc: {}, members: {}, folds: [] };
  rec.folds.push(`${d.rep}-${d.fold}`);
  for (const [name, v] of Object.entries(variants)) {
    const { w, calibrated } = v(d, tempered, raw, y);
    if (name === 'V0_shipped' && w.every((x, i) => Math.abs(x - d.weights[i]) < 1e-12)) reproduced++;
    const blend = matrix(n, k);
    w.forEach((wi, m) => {
      if (wi === 0) return;
      const p = matrix(n, k, Float64Array.from(d.testProba[m]));
      const q = calibrated ? temper(p, d.temperatures[m]) : p;
      for (let j = 0; j < q.data.length; j++) blend.data[j] += wi * q.data[j];
    });
    let right = 0;
    for (let j = 0; j < n; j++) {
      const pred = d.classes[argmax(blend, j)];
      if (pred === d.testY[j]) right++;
      if (name === 'V0_shipped' && pred === d.shippedPred[j]) agree++;
    }
    (rec.acc[name] ??= []).push(right / n);
    (rec.members[name] ??= []).push(w.filter((x) => x > 0).length);
  }
  bySet.set(d.set, rec);
}

// the best default learner per set and its per-fold accuracies, on the same outer folds (bench/results/automl.json)
const bench = JSON.parse(readFileSync(join(here, '..', 'results', 'automl.json'), 'utf8')) as {
  date: string;
  nested: Record<string, { bestDefault: string; defaults: { learner: string; accuracy: number; perFold: number[] }[] }>;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pairedSE = (diffs: number[]) => {
  const m = mean(diffs);
  return Math.sqrt(diffs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, diffs.length - 1) / diffs.length);
};
const names = Object.keys(variants);
const sets: Record<string, unknown> = {};
const gains: Record<string, number[]> = {};
let worseByMoreThanSE = false;
console.log(`V0 weights reproduced on ${reproduced}/${files.length} libraries; V0 test predictions equal the shipped model's on ${agree} of ${testRows} rows`);
console.log('set'.padEnd(18), names.map((nm) => nm.padStart(26)).join(''), '  best default');
for (const [set, rec] of bySet) {
  const base = rec.acc.V0_shipped;
  const def = bench.nested[set];
  const bestDefault = def ? def.defaults.find((x) => x.learner === def.bestDefault)! : undefined;
  const row: Record<string, unknown> = {};
  const cells = names.map((nm) => {
    const diffs = rec.acc[nm].map((a, i) => a - base[i]);
    const gain = 100 * mean(diffs);
    const se = 100 * pairedSE(diffs);
    (gains[nm] ??= []).push(gain);
    if (nm === 'V6_oneSE_uniform' && gain < -se) worseByMoreThanSE = true;
    const margin = bestDefault && bestDefault.perFold.length === rec.acc[nm].length ? rec.acc[nm].map((a, i) => a - bestDefault.perFold[i]) : undefined;
    row[nm] = {
      accuracy: mean(rec.acc[nm]),
      perFold: rec.acc[nm],
      meanMembers: mean(rec.members[nm]),
      gainPointsVsV0: gain,
      gainSEPoints: se,
      ...(margin ? { marginPointsVsBestDefault: 100 * mean(margin), marginSEPoints: 100 * pairedSE(margin) } : {}),
    };
    return `${(100 * mean(rec.acc[nm])).toFixed(2)} (${gain >= 0 ? '+' : ''}${gain.toFixed(2)}±${se.toFixed(2)})`.padStart(26);
  });
  console.log(set.padEnd(18), cells.join(''), bestDefault ? `  ${def!.bestDefault} ${(100 * bestDefault.accuracy).toFixed(2)}` : '');
  sets[set] = { folds: rec.folds, bestDefault: def?.bestDefault, bestDefaultAccuracy: bestDefault?.accuracy, variants: row };
}
const meanGain = Object.fromEntries(names.map((nm) => [nm, mean(gains[nm])]));
console.log('mean gain vs V0'.padEnd(18), names.map((nm) => meanGain[nm].toFixed(2).padStart(26)).join(''));
// a gain must be more than rounding: identical predictions give a mean of about 1e-17
const adopted = meanGain.V6_oneSE_uniform > 1e-9 && !worseByMoreThanSE;
console.log(`V6 ${adopted ? 'adopted' : 'not adopted'} by the preregistered rule`);
const out = join(here, '..', 'results', 'automl-member-ablation.json');
writeFileAtomic(
  out,
  JSON.stringify({ date: new Date().toISOString(), preregistration, libraries: files.length, v0Reproduced: reproduced, v0SameTestPredictions: `${agree} of ${testRows}`, defaultsFrom: `bench/results/automl.json (${bench.date})`, meanGainPointsVsV0: meanGain, adopted, sets }, null, 1) + '\n',
);
console.log(`wrote ${out}`);
