// whittle rules: induce a readable rule list (RIPPER or pruned-tree rules) from a table; print it with its CV accuracy.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, bool, num, str, required } from '../args.js';
import { loadTable } from '../data.js';
import { rules, type RulesResult } from '../../search/rules/index.js';

export const rulesSpec: CommandSpec = {
  name: 'rules',
  summary: 'induce readable IF-THEN rules from a table; print them and their cross-validated accuracy; save JSON',
  usage: 'whittle rules --data FILE.csv|FILE.arff|iris|penguins --target COLUMN [--algorithm ripper|tree] [--out rules.json]',
  options: {
    data: { type: 'string', help: 'a CSV/TSV/ARFF/JSON-records file or a built-in table (iris, penguins, cars)' },
    target: { type: 'string', help: 'the class column' },
    algorithm: { type: 'string', help: 'RIPPER (Cohen 1995) or C4.5-style rules from a pruned tree', choices: ['ripper', 'tree'], default: 'ripper' },
    mode: { type: 'string', help: 'ordered list (first match wins) or unordered set (most confident wins)', choices: ['ordered', 'unordered'], default: 'ordered' },
    folds: { type: 'number', help: 'cross-validation folds (0 skips)', default: 10 },
    dates: { type: 'boolean', help: 'read columns of dates (ISO 2012-01-31, or 2012/01/31) as date.year, .month, .day, .weekday (and .hour) numbers; --dates false keeps them categories', default: true },
    out: { type: 'string', help: 'where to save the rules (JSON)', default: 'rules.json' },
  },
  examples: ['whittle rules --data iris --target species', 'whittle rules --data weather.arff --target play --algorithm tree'],
};

export async function runRules(p: Parsed, log: (s: string) => void): Promise<RulesResult> {
  const target = required(p, 'target', 'rules');
  const table = loadTable(required(p, 'data', 'rules'), target, 'rules');
  const res = rules({ data: table, target, algorithm: str(p, 'algorithm') as 'ripper' | 'tree', mode: str(p, 'mode') as 'ordered' | 'unordered', folds: num(p, 'folds'), seed: num(p, 'seed'), parseDates: bool(p, 'dates') });
  log(res.text);
  const out = resolve(str(p, 'out')!);
  res.save(out);
  log(`saved ${res.nRules} rules (${res.nConditions} conditions) to ${out}`);
  return res;
}
