// whittle rules: induce a readable rule list (RIPPER or pruned-tree rules) from a table; print it with its CV accuracy.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, UsageError, bool, num, str, required } from '../args.js';
import { loadTable, targetOf } from '../data.js';
import { createProgress } from '../progress.js';
import { type ReportData, writeReport } from '../report/html.js';
import { rulesAsync, type RulesResult } from '../../search/rules/index.js';
import { defaultWorkers } from '../../search/workers.js';
import { findColumn } from '../../search/automl/frame.js';
import { labelsOf } from '../../search/rules/data.js';

export const rulesSpec: CommandSpec = {
  name: 'rules',
  summary: 'induce readable IF-THEN rules from a table; print them and their cross-validated accuracy; save JSON',
  usage: 'whittle rules --data FILE.csv|FILE.arff|iris|penguins|cars [--target COLUMN] [--algorithm ripper|tree] [--out rules.json]',
  options: {
    data: { type: 'string', path: 'input', help: 'a CSV/TSV/ARFF/JSON-records file or a built-in table (iris, penguins, cars)' },
    target: { type: 'string', help: 'the class column (built-in tables: their label, e.g. species for iris)' },
    algorithm: { type: 'string', help: 'RIPPER (Cohen 1995) or C4.5-style rules from a pruned tree', choices: ['ripper', 'tree'], default: 'ripper' },
    mode: { type: 'string', help: 'ordered list (first match wins) or unordered set (most confident wins)', choices: ['ordered', 'unordered'], default: 'ordered' },
    folds: { type: 'number', integer: true, min: 0, help: 'cross-validation folds (0 skips)', default: 10 },
    dates: { type: 'boolean', help: 'read columns of dates (ISO 2012-01-31, or 2012/01/31) as date.year, .month, .day, .weekday (and .hour) numbers; --dates false keeps them categories', default: true },
    out: { type: 'string', path: 'output', help: 'where to save the rules (JSON)', default: 'rules.json' },
    report: { type: 'string', path: 'output', help: 'also write an HTML report (the rules, accuracy per fold, the cross-validated predictions)' },
    workers: { type: 'number', integer: true, min: 1, help: 'fits at once on worker threads, one per core by default (the model on all rows and the folds; the same result for any number)', default: defaultWorkers() },
    quiet: { type: 'boolean', help: 'no progress', default: false },
  },
  examples: ['whittle rules --data iris --target species', 'whittle rules --data weather.arff --target play --algorithm tree', 'whittle rules --data flights.csv --target origin --report rules.html'],
};

export async function runRules(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<RulesResult> {
  const data = required(p, 'data', 'rules');
  const target = targetOf(str(p, 'target'), data, 'rules', log);
  const table = loadTable(data, target, 'rules');
  // the default 10 folds on a table of fewer labelled rows: said for the flag (the library names its option)
  const folds = num(p, 'folds')!;
  const targetColumn = findColumn(table, target);
  const labelled = targetColumn ? labelsOf(targetColumn).filter((l) => l !== null).length : 0;
  if (folds > labelled && labelled >= 1) throw new UsageError(`rules: --folds ${folds} needs at least ${folds} rows with a ${target}, ${data} has ${labelled}; give --folds ${labelled >= 2 ? `2 to ${labelled}, or ` : ''}0 (no cross-validation)`);
  const algorithm = str(p, 'algorithm') as 'ripper' | 'tree';
  // progress in hundredths of the whole (the fit on all rows and each fold, several at once on worker threads), once
  // the work has taken a second
  const progress = createProgress('rules', 100, { quiet: bool(p, 'quiet'), after: 1 });
  const accuracies: number[] = [];
  const fractions: number[] = [];
  const res = await rulesAsync({
    data: table, target, algorithm, mode: str(p, 'mode') as 'ordered' | 'unordered', folds: num(p, 'folds'), seed: num(p, 'seed'), parseDates: bool(p, 'dates'),
    workers: num(p, 'workers'),
    onProgress: (e) => {
      fractions[e.fit] = e.fraction;
      if (e.foldAccuracy !== undefined) accuracies.push(e.foldAccuracy);
      const folds = e.fits - 1;
      const what = folds === 0 ? 'fitting on all rows' : `${accuracies.length} of ${folds} folds done`;
      const mean = accuracies.length ? `, held-out accuracy so far ${((100 * accuracies.reduce((s, a) => s + a, 0)) / accuracies.length).toFixed(1)}%` : '';
      progress.update(Math.floor((100 * fractions.reduce((s, f) => s + (f ?? 0), 0)) / e.fits), what + mean);
    },
  });
  progress.done();
  for (const note of res.notes) log(`note: ${note}`);
  // the rules and their accuracy are what the command is run for: stdout (notes and progress: stderr)
  out(`${res.text}\n`);
  const file = resolve(str(p, 'out')!);
  res.save(file);
  log(`saved ${res.nRules} rules (${res.nConditions} conditions) to ${file}`);
  const report = str(p, 'report');
  if (report) {
    writeReport(resolve(report), { title: `whittle rules ${data}`, rules: rulesSection(res, `${data} → ${target}`, algorithm === 'tree' ? 'C4.5 rules from a pruned tree' : 'RIPPER') });
    log(`wrote the report to ${resolve(report)}`);
  }
  return res;
}

/** The rules part of an HTML report from a result: the rules, each fold's accuracy, the cross-validated predictions. */
export function rulesSection(res: RulesResult, dataset: string, algorithm: string): NonNullable<ReportData['rules']> {
  const classes = [...res.model.classes];
  for (const c of [...res.cv.truth, ...res.cv.predicted]) if (!classes.includes(c)) classes.push(c);
  const at = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  res.cv.truth.forEach((t, i) => counts[at.get(t)!][at.get(res.cv.predicted[i])!]++);
  return {
    text: res.text, cvAccuracy: res.cvAccuracy, nRules: res.nRules, nConditions: res.nConditions, dataset, algorithm,
    foldAccuracies: res.foldAccuracies,
    notes: res.notes,
    ...(res.cv.truth.length > 0 ? { confusion: { classes, counts } } : {}),
  };
}
