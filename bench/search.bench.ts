// Search quality: for each problem and seed, random search runs N trials; TPE and regularized
// evolution then run (same seed, up to `limit` trials) and we count the trials each needs to reach
// the best value random search found. Fewer is better; a run that never gets there counts as
// `limit` and is reported in the "reached" column. Run: `npx tsx bench/search.bench.ts`.
// To add a problem (e.g. a small real training task), push a BenchProblem onto `problems`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Space } from '../search/space.js';
import { regularizedEvolution } from '../search/strategies/evolution.js';
import { randomSearch } from '../search/strategies/random.js';
import { tpe } from '../search/strategies/tpe.js';
import type { GenericStrategy } from '../search/strategies/types.js';
import { optimize } from '../search/study.js';
import { branin, BRANIN_MINIMUM, braninSpace, hartmann6, HARTMANN6_MINIMUM, hartmann6Space } from '../search/test-functions.js';

export interface BenchProblem<C = any> {
  readonly name: string;
  readonly space: Space<C>;
  /** Minimized. May be async (a real training run). */
  readonly objective: (config: C) => number | Promise<number>;
  /** Random search's trial budget N. */
  readonly trials: number;
  /** Known optimum, when there is one (printed for reference). */
  readonly optimum?: number;
}

export const problems: BenchProblem[] = [
  { name: 'branin', space: braninSpace, objective: ({ x1, x2 }) => branin(x1, x2), trials: 100, optimum: BRANIN_MINIMUM },
  { name: 'hartmann6', space: hartmann6Space, objective: (c) => hartmann6([c.x1, c.x2, c.x3, c.x4, c.x5, c.x6]), trials: 100, optimum: HARTMANN6_MINIMUM },
];

export const strategies: Record<string, () => GenericStrategy> = {
  tpe: () => tpe(),
  evolution: () => regularizedEvolution(),
};

export interface BenchRow {
  problem: string;
  strategy: string;
  randomTrials: number;
  limit: number;
  seeds: number;
  /** Mean trials to reach random search's best@N (censored at limit). */
  meanTrialsToRandomBest: number;
  reached: number;
  /** Mean best value after N trials. */
  meanBestAtN: number;
  meanRandomBestAtN: number;
}

async function bestSoFar(problem: BenchProblem, strategy: GenericStrategy, trials: number, seed: number): Promise<number[]> {
  const r = await optimize({ space: problem.space, strategy, objective: problem.objective, trials, seed });
  return r.history.map((h) => h.best);
}

export async function runSearchBench(list: readonly BenchProblem[] = problems, options: { seeds?: number; limitFactor?: number } = {}): Promise<BenchRow[]> {
  const seeds = Array.from({ length: options.seeds ?? 10 }, (_, i) => i + 1);
  const rows: BenchRow[] = [];
  for (const problem of list) {
    const n = problem.trials;
    const limit = Math.round(n * (options.limitFactor ?? 2));
    const randomBest = await Promise.all(seeds.map(async (seed) => (await bestSoFar(problem, randomSearch(), n, seed))[n - 1]));
    for (const [name, make] of Object.entries(strategies)) {
      let trialsSum = 0;
      let reached = 0;
      let bestAtN = 0;
      for (const [k, seed] of seeds.entries()) {
        const curve = await bestSoFar(problem, make(), limit, seed);
        const hit = curve.findIndex((b) => b <= randomBest[k]);
        trialsSum += hit >= 0 ? hit + 1 : limit;
        if (hit >= 0) reached++;
        bestAtN += curve[n - 1];
      }
      rows.push({
        problem: problem.name,
        strategy: name,
        randomTrials: n,
        limit,
        seeds: seeds.length,
        meanTrialsToRandomBest: trialsSum / seeds.length,
        reached,
        meanBestAtN: bestAtN / seeds.length,
        meanRandomBestAtN: randomBest.reduce((a, b) => a + b, 0) / seeds.length,
      });
    }
  }
  return rows;
}

function printTable(rows: readonly BenchRow[]): void {
  const header = ['problem', 'strategy', 'N', 'trials to random best@N', 'reached', 'best@N', 'random best@N'];
  const body = rows.map((r) => [r.problem, r.strategy, String(r.randomTrials), r.meanTrialsToRandomBest.toFixed(1), `${r.reached}/${r.seeds}`, r.meanBestAtN.toFixed(4), r.meanRandomBestAtN.toFixed(4)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const t0 = Date.now();
  const rows = await runSearchBench();
  printTable(rows);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'search.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds: (Date.now() - t0) / 1000, rows }, null, 2) + '\n');
  console.log(`\n${((Date.now() - t0) / 1000).toFixed(1)} s; written to ${path.relative(process.cwd(), out)}`);
}
