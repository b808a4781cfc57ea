// whittle bench: the microbenchmarks (benchmark.js), ours side by side with tfjs-backend-cpu, results in bench/results.
import { type CommandSpec, type Parsed, bool, UsageError } from '../args.js';

const SUITES = ['gemm', 'conv', 'int8'] as const;

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary: 'run the kernel microbenchmarks (GFLOP/s and the ratio to tfjs-backend-cpu in the same run)',
  usage: `whittle bench [${SUITES.join('|')}...] [--quick]`,
  positionals: Infinity,
  options: { quick: { type: 'boolean', help: 'few samples: a smoke run, not a measurement', default: false } },
  examples: ['whittle bench', 'whittle bench gemm --quick'],
};

export async function runBench(p: Parsed): Promise<void> {
  const chosen = p.positionals.length ? p.positionals : [...SUITES];
  for (const s of chosen) if (!(SUITES as readonly string[]).includes(s)) throw new UsageError(`bench: suite must be one of ${SUITES.join(', ')}, got ${s}`);
  if (bool(p, 'quick')) process.env.BENCH_QUICK = '1';
  for (const s of chosen) {
    const mod = (await import(`../../bench/${s}.bench.js`)) as { main(): Promise<unknown> | unknown };
    await mod.main();
  }
}
