// NAS on MNIST. Two studies, not microbenchmarks (so no benchmark.js): each is one timed run.
//  A. Target: within 15 minutes on 2 cores, nas() returns a model with >= 98.5% test accuracy and at
//     most 100k parameters. ASHA/Hyperband over a small-CNN space on a 10k-image subset (2 workers),
//     then the winner is retrained on all 60k images within a time limit and scored on the 10k test set.
//     Prints the Pareto front (validation accuracy vs parameters vs latency at batch 1).
//  B. Hyperband vs random search: random search trains N configurations fully; Hyperband (same seed,
//     so its first N configurations are the same ones) may start trials until it has spent half of
//     random search's epochs. Target: its best validation accuracy within 0.3 point of random
//     search's. MLP space and a large validation split, so the comparison is cheap and not noisy.
// Run: `npx tsx bench/nas.bench.ts [--quick] [--only=a|b]` (quick: ~2-3 minutes on subsets). Writes bench/results/nas.json.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureLatency } from '../search/nas/latency.js';
import { nas, type NasResult, type NasTrial } from '../search/nas/nas.js';
import { saveNasModel } from '../search/nas/model-file.js';
import { mlpSpace } from '../search/nas/spaces.js';
import { space } from '../search/space.js';
import { hyperband, type HyperbandStrategy } from '../search/strategies/hyperband.js';
import type { Strategy } from '../search/strategies/types.js';
import type { Config } from '../search/space.js';
import { randomSearch } from '../search/strategies/random.js';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Two conv blocks sized for our CPU kernels: the space where 98.5% under 100k parameters lives. */
const smallCnn = space()
  .categorical('family', ['cnn'])
  .categorical('convLayers', [2])
  .int('channels1', 4, 16, { step: 4 })
  .categorical('kernel1', [3, 5])
  .int('channels2', 8, 32, { step: 8 })
  .categorical('kernel2', [3, 5])
  .categorical('pool', ['max'])
  .categorical('fcWidth', [0, 32, 64])
  .categorical('activation', ['relu', 'leakyRelu'])
  .float('dropout', 0, 0.3)
  .logFloat('lr', 1e-3, 6e-3)
  .categorical('batchSize', [32, 64])
  .build();

const A = quick
  ? { search: 2000, budgetSeconds: 35, epochsPerTrial: 1, retrain: 6000, retrainEpochs: 2, retrainSeconds: 25, test: 2000 }
  : { search: 10000, budgetSeconds: 300, epochsPerTrial: 2, retrain: 60000, retrainEpochs: 15, retrainSeconds: 480, test: 10000 };
const B = quick ? { search: 2400, trials: 25, epochs: 4 } : { search: 6000, trials: 40, epochs: 4 };
/** Forward cost cap of the chosen model, so that its retraining gets enough epochs in the time left. */
const MAX_MACS = 1_500_000;
const MAX_PARAMS = 100_000;

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const fmtConfig = (c: Record<string, unknown>) => Object.entries(c).filter(([k]) => k !== 'family').map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(2) : v}`).join(' ');

function printFront(front: readonly NasTrial[]): void {
  console.log('  Pareto front (validation accuracy / parameters / ms per sample at batch 1 / MACs per sample):');
  for (const t of [...front].sort((a, b) => a.metrics!.params - b.metrics!.params)) {
    const m = t.metrics!;
    console.log(`    #${String(t.index).padStart(3)}  ${pct(m.accuracy).padStart(7)}  ${String(m.params).padStart(7)} params  ${m.latencyMs!.toFixed(3).padStart(7)} ms  ${String(m.macs).padStart(8)} MACs  ${fmtConfig(t.config)}`);
  }
}

async function partA() {
  console.log(`A. NAS on MNIST (${quick ? 'quick' : 'full'}): search ${A.budgetSeconds}s on ${A.search} images, retrain <= ${A.retrainEpochs} epochs / ${A.retrainSeconds}s on ${A.retrain}`);
  const t0 = Date.now();
  const r = await nas({
    data: 'mnist', mnist: { search: A.search, retrain: A.retrain, test: A.test }, valFraction: 0.1,
    space: smallCnn, objectives: ['accuracy', 'params', 'latency'], strategy: 'hyperband',
    budgetSeconds: A.budgetSeconds, epochsPerTrial: A.epochsPerTrial, evalsPerEpoch: 3, workers: 2, seed: 1,
    latency: { batch: 1, repeats: 10 }, constraints: { maxParams: MAX_PARAMS, maxMacs: MAX_MACS },
    retrain: { epochs: A.retrainEpochs, seconds: A.retrainSeconds }, onProgress: true,
  });
  const seconds = (Date.now() - t0) / 1000;
  printFront(r.paretoFront);
  const m = r.model!;
  const latency32 = measureLatency(m.model, m.arch.inputShape, { batch: 32, repeats: 10 });
  const pruned = r.trials.filter((t) => t.state === 'pruned').length;
  console.log(`  trials ${r.trials.length} (pruned ${pruned}), ${r.epochsSpent.toFixed(1)} epochs on the subset`);
  console.log(`  chosen #${r.best!.index} (most accurate with <= ${MAX_PARAMS} params and <= ${MAX_MACS} MACs): ${fmtConfig(r.best!.config)}`);
  console.log(`  retrained ${m.epochs.toFixed(2)} epochs in ${m.seconds.toFixed(0)}s: test ${pct(m.testAccuracy!)}, ${m.params} params, ${m.latencyMs.toFixed(3)} ms/sample at batch 1, ${latency32.toFixed(3)} at batch 32`);
  const met = m.testAccuracy! >= 0.985 && m.params <= MAX_PARAMS && seconds <= 900;
  console.log(`  total ${seconds.toFixed(0)}s; target (>= 98.50%, <= ${MAX_PARAMS} params, <= 900 s): ${met ? 'met' : 'NOT met'}${quick ? ' (quick mode: not expected)' : ''}`);
  const file = path.join(os.tmpdir(), 'whittle-nas-best.safetensors');
  saveNasModel(file, m.model, m.arch, { testAccuracy: String(m.testAccuracy) });
  console.log(`  saved to ${file}`);
  return {
    seconds, trials: r.trials.length, pruned, epochsSpent: r.epochsSpent,
    front: r.paretoFront.map((t) => ({ index: t.index, config: t.config, ...t.metrics })),
    best: { index: r.best!.index, config: r.best!.config, ...r.best!.metrics },
    final: { testAccuracy: m.testAccuracy, params: m.params, epochs: m.epochs, seconds: m.seconds, latencyMsBatch1: m.latencyMs, latencyMsBatch32: latency32 },
    targetMet: met,
  };
}

/**
 * Stops a strategy once the epochs of finished trials plus the most the running ones may still take
 * would exceed `cap`: the study then spends at most `cap` epochs.
 */
function epochCapped(s: HyperbandStrategy, cap: number, maxEpochs: number): Strategy<Config> {
  return {
    name: s.name,
    pruner: s.pruner,
    ask(ctx) {
      const spent = ctx.history.reduce((a, t) => a + (t.reports.at(-1)?.[0] ?? 0), 0);
      const running = ctx.index - ctx.history.length;
      return spent + (running + 1) * maxEpochs > cap ? null : s.ask(ctx);
    },
  };
}

async function partB() {
  console.log(`B. Hyperband (eta 4) vs random search: ${B.trials} MLP configs x ${B.epochs} epochs against half those epochs, ${B.search} images (half for validation)`);
  const common = { data: 'mnist' as const, mnist: { search: B.search }, valFraction: 0.5, space: mlpSpace({ maxDepth: 2, widths: [16, 256] }), epochsPerTrial: B.epochs, evalsPerEpoch: 4, workers: 2, seed: 7 };
  const row = (name: string, r: NasResult, s: number) => {
    const best = Math.max(...r.trials.filter((t) => t.state === 'complete').map((t) => t.metrics!.accuracy));
    console.log(`  ${name.padEnd(10)} best val ${pct(best)}  epochs ${r.epochsSpent.toFixed(1).padStart(6)}  pruned ${r.trials.filter((t) => t.state === 'pruned').length}  ${s.toFixed(0)}s`);
    return { bestValAccuracy: best, epochs: r.epochsSpent, seconds: s };
  };
  let t = Date.now();
  const random = row('random', await nas({ ...common, trials: B.trials, strategy: randomSearch() }), (Date.now() - t) / 1000);
  t = Date.now();
  // eta 4 over 1/4..4 epochs: three brackets (16, 6 and 3 trials per cycle), rungs at 1/4 and 1 epoch.
  const hbStrategy = epochCapped(hyperband({ maxResource: B.epochs, minResource: 1 / 4, eta: 4 }), (B.trials * B.epochs) / 2, B.epochs);
  const hb = row('hyperband', await nas({ ...common, trials: 10 * B.trials, strategy: hbStrategy }), (Date.now() - t) / 1000);
  const gap = 100 * (random.bestValAccuracy - hb.bestValAccuracy);
  const ratio = hb.epochs / random.epochs;
  const pass = gap <= 0.3 && ratio <= 0.5;
  console.log(`  hyperband is ${Math.abs(gap).toFixed(2)} points ${gap > 0 ? 'below' : 'above'} random with ${(100 * ratio).toFixed(0)}% of its epochs: ${pass ? 'met' : 'NOT met'} (<= 0.3 points, <= 50%)`);
  return { random, hyperband: hb, gapPoints: gap, epochRatio: ratio, targetMet: pass };
}

const only = process.argv.find((x) => x.startsWith('--only='))?.slice(7);
const a = only === 'b' ? undefined : await partA();
const b = only === 'a' ? undefined : await partB();
const out: Record<string, unknown> = {
  suite: 'nas', date: new Date().toISOString(), quick,
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: process.platform },
  nasTarget: a, hyperbandVsRandom: b,
};
// --only=a / --only=b keeps the other part's saved figures (with their date) instead of dropping them.
const saved = path.join(here, 'results', 'nas.json');
if (only && fs.existsSync(saved)) {
  const previous = JSON.parse(fs.readFileSync(saved, 'utf8')) as Record<string, unknown>;
  if (previous.quick === quick) {
    if (!a && previous.nasTarget) Object.assign(out, { nasTarget: previous.nasTarget, nasTargetDate: previous.nasTargetDate ?? previous.date });
    if (!b && previous.hyperbandVsRandom) Object.assign(out, { hyperbandVsRandom: previous.hyperbandVsRandom, hyperbandVsRandomDate: previous.hyperbandVsRandomDate ?? previous.date });
  }
}
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'nas.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${path.join('bench', 'results', 'nas.json')}`);
