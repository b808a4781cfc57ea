// Rule induction side by side: RIPPER against our own pruned decision tree (CART + C4.5 pessimistic pruning) and the
// C4.5 rules read from it, on real sets with numeric and nominal columns. Accuracy is repeated stratified 10-fold CV
// on identical folds for every learner; rules and conditions are per-fold means. Writes bench/results/rules.json.
// Run: npx tsx bench/rules.bench.ts   (BENCH_QUICK=1: one repeat instead of three)
import os from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../core/data/csv.js';
import { cars, iris, packageDir, penguins } from '../core/data/datasets.js';
import { Random } from '../core/random.js';
import { type Encoded, type Table, encodeTable, stratifiedFolds, takeTableRows } from '../search/rules/data.js';
import { type MimicResult, type ModelPredict, rulesFromModel } from '../search/rules/mimic.js';
import { ripperEncoded } from '../search/rules/ripper.js';
import { growPrunedTree, rulesFromTree, treePredict } from '../search/rules/tree-rules.js';
import { isMain, isQuick, writeResult } from './harness.js';
import { Pipeline } from '../search/automl/pipeline.js';

interface Score {
  accuracy: number;
  rules: number;
  conditions: number;
}

export interface RulesBenchRow {
  dataset: string;
  rows: number;
  numeric: number;
  nominal: number;
  classes: number;
  ripper: Score & { fitMs: number };
  /** RIPPER pruning by Weka JRip's (p+1)/(p+n+2) instead of Cohen's (p-n)/(p+n). */
  ripperLaplace: Score;
  tree: Score & { fitMs: number };
  treeRules: Score;
  /** RIPPER accuracy minus the tree's, in percentage points. */
  ripperMinusTreePoints: number;
  ripperWithinTwoPoints: boolean;
  ripperFewerConditions: boolean;
}

/** Weather in Seattle and New York (vega-datasets weather.csv): the date becomes a nominal month. */
function weather(): Table {
  const t = readCsv(join(packageDir('vega-datasets'), 'data', 'weather.csv'), { target: 'weather' });
  const columns = t.columns.map((c) => {
    if (c.name !== 'date' || c.kind !== 'categorical') return c;
    const values = c.values.map((v) => (v === null ? null : v.slice(5, 7)));
    return { name: 'month', kind: 'categorical' as const, values, categories: [...new Set(values.filter((v): v is string => v !== null))].sort() };
  });
  return { ...t, columns };
}

function treeConditions(nodes: { feature: number; left: number; right: number }[]): number {
  const walk = (i: number, depth: number): number => (nodes[i].feature < 0 ? depth : walk(nodes[i].left, depth + 1) + walk(nodes[i].right, depth + 1));
  return walk(0, 0);
}

function medianMs(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** Repeated stratified k-fold CV of RIPPER, the pruned tree and its C4.5 rules on the same folds. */
export function compareOnTable(name: string, table: Table, target: string, opts: { folds?: number; repeats?: number } = {}): RulesBenchRow {
  const folds = opts.folds ?? 10;
  const repeats = opts.repeats ?? 3;
  const all = encodeTable(table, target);
  const keep = [...Array(table.nRows).keys()];
  const acc = { ripper: [0, 0, 0], ripperLaplace: [0, 0, 0], tree: [0, 0, 0], treeRules: [0, 0, 0] }; // correct, rules, conditions
  for (let rep = 0; rep < repeats; rep++) {
    const fold = stratifiedFolds(all.y, folds, new Random(1000 + rep));
    for (let k = 0; k < folds; k++) {
      const trainIdx = keep.filter((i) => fold[i] !== k);
      const testIdx = keep.filter((i) => fold[i] === k);
      const train: Encoded = encodeTable(takeTableRows(table, trainIdx), target, { like: all });
      const testTable = takeTableRows(table, testIdx);
      const test = encodeTable(testTable, target, { like: all });
      const seed = rep * folds + k;
      const rip = ripperEncoded(train, { seed });
      const ripL = ripperEncoded(train, { seed, pruneMetric: 'laplace' });
      const tree = growPrunedTree(train, { seed });
      const c45 = rulesFromTree(tree);
      const pr = rip.predict(testTable);
      const pl = ripL.predict(testTable);
      const pc = c45.predict(testTable);
      const pt = treePredict(tree, test);
      for (let j = 0; j < test.n; j++) {
        const truth = all.classes[test.y[j]];
        if (pr[j] === truth) acc.ripper[0]++;
        if (pl[j] === truth) acc.ripperLaplace[0]++;
        if (pc[j] === truth) acc.treeRules[0]++;
        if (pt[j] === test.y[j]) acc.tree[0]++;
      }
      acc.ripper[1] += rip.rules.length + 1;
      acc.ripper[2] += rip.nConditions;
      acc.ripperLaplace[1] += ripL.rules.length + 1;
      acc.ripperLaplace[2] += ripL.nConditions;
      acc.treeRules[1] += c45.rules.length + 1;
      acc.treeRules[2] += c45.nConditions;
      acc.tree[1] += tree.nodes.filter((n) => n.feature < 0).length;
      acc.tree[2] += treeConditions(tree.nodes);
    }
  }
  const runs = folds * repeats;
  const score = (a: number[]): Score => ({ accuracy: a[0] / (all.n * repeats), rules: a[1] / runs, conditions: a[2] / runs });
  const ripper = { ...score(acc.ripper), fitMs: medianMs(() => ripperEncoded(all, { seed: 0 }), 5) };
  const tree = { ...score(acc.tree), fitMs: medianMs(() => growPrunedTree(all, { seed: 0 }), 5) };
  const points = 100 * (ripper.accuracy - tree.accuracy);
  return {
    dataset: name,
    rows: all.n,
    numeric: all.features.filter((f) => f.kind === 'numeric').length,
    nominal: all.features.filter((f) => f.kind === 'categorical').length,
    classes: all.classes.length,
    ripper,
    ripperLaplace: score(acc.ripperLaplace),
    tree,
    treeRules: score(acc.treeRules),
    ripperMinusTreePoints: points,
    ripperWithinTwoPoints: points >= -2,
    ripperFewerConditions: ripper.conditions < tree.conditions,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// LEAD: rules from an MLP / LeNet. Once the neural engine exists, train the network, wrap its predict as ModelPredict
// (rows of feature name -> value in, class names out, or class indices with numbers: 'indices') and call this. It fits rules that mimic the
// network on 70% of the rows and reports, on the other 30%, fidelity (rules agree with the network) and accuracy
// (rules agree with the true labels) next to the network's own accuracy. LeNet on images: pass a table whose columns
// are the pixels (or the network's penultimate features) and the digit as target.
// ---------------------------------------------------------------------------------------------------------------------
export function neuralRulesFidelity(name: string, predict: ModelPredict, data: Table, target: string, opts: { seed?: number; algorithm?: 'ripper' | 'tree'; numbers?: 'labels' | 'indices' } = {}): MimicResult {
  const res = rulesFromModel(predict, data, { target, seed: opts.seed ?? 0, algorithm: opts.algorithm ?? 'ripper', numbers: opts.numbers });
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(`${name}: rules mimic the model with fidelity ${pct(res.fidelity)}; rules ${pct(res.accuracy)} vs model ${pct(res.modelAccuracy)} on ${res.nHoldout} held-out rows; ${res.rules.rules.length} rules, ${res.rules.nConditions} conditions`);
  return res;
}

export function main(): { cases: RulesBenchRow[]; mimic: { name: string; fidelity: number; accuracy: number; modelAccuracy: number; rules: number }[] } {
  const repeats = isQuick() ? 1 : 3;
  const sets: [string, () => Table, string][] = [
    ['iris', () => iris(), 'species'],
    ['penguins', () => penguins(), 'Species'],
    ['cars', () => cars(), 'Origin'],
    ['weather', weather, 'weather'],
  ];
  const cases: RulesBenchRow[] = [];
  console.log(`\n# rules (${repeats}x stratified 10-fold CV; rules include the default; tree rules = leaves)`);
  console.log('dataset    rows num nom | RIPPER acc rules conds   ms | tree acc leaves conds   ms | C4.5rules acc rules conds');
  for (const [name, load, target] of sets) {
    const r = compareOnTable(name, load(), target, { repeats });
    cases.push(r);
    const s = (v: number, w: number, d = 1): string => v.toFixed(d).padStart(w);
    console.log(
      `${name.padEnd(10)} ${String(r.rows).padStart(4)} ${String(r.numeric).padStart(3)} ${String(r.nominal).padStart(3)} |` +
        `  ${s(100 * r.ripper.accuracy, 5)}% ${s(r.ripper.rules, 5)} ${s(r.ripper.conditions, 5)} ${s(r.ripper.fitMs, 4, 0)} |` +
        ` ${s(100 * r.tree.accuracy, 5)}% ${s(r.tree.rules, 6)} ${s(r.tree.conditions, 5)} ${s(r.tree.fitMs, 4, 0)} |` +
        `  ${s(100 * r.treeRules.accuracy, 5)}% ${s(r.treeRules.rules, 5)} ${s(r.treeRules.conditions, 5)}` +
        `   RIPPER-tree ${r.ripperMinusTreePoints >= 0 ? '+' : ''}${r.ripperMinusTreePoints.toFixed(1)} pts` +
        `  (JRip pruning: ${s(100 * r.ripperLaplace.accuracy, 4)}%, ${s(r.ripperLaplace.conditions, 4)} conds)`,
    );
  }
  // rules that mimic a neural network: an MLP on whittle's engine (automl's 'mlp' learner), trained on all rows of
  // the table; rules are induced on 70% of the rows relabelled by the network and scored on the other 30%
  const mimic = [];
  for (const [name, load, target] of sets.slice(0, 3)) {
    const table = load();
    const net = new Pipeline({ learner: 'mlp', seed: 0 }).fit(table, target);
    // the pipeline's labels as it returns them: rulesFromModel reads a number as a label, as the pipeline means it
    const predict: ModelPredict = (rows) => net.predict(rows);
    const res = neuralRulesFidelity(`${name} (black box: MLP on whittle's engine)`, predict, table, target);
    mimic.push({ name, fidelity: res.fidelity, accuracy: res.accuracy, modelAccuracy: res.modelAccuracy, rules: res.rules.rules.length });
  }
  const out = {
    suite: 'rules',
    date: new Date().toISOString(),
    quick: isQuick(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, platform: `${os.platform()} ${os.arch()}` },
    cases,
    mimic,
  };
  writeResult('rules', out);
  return { cases, mimic };
}

if (isMain(import.meta.url)) main();
