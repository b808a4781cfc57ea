// Compression on MNIST against the papers' targets, side by side:
//   han        Han et al. 2015: LeNet-300-100 and LeNet-5 pruned to <= 8.5% of weights, error <= baseline + 0.1
//   deep       Deep Compression: pruned + int8 + sparse (+Huffman) LeNet-300-100 >= 40x smaller than dense f32, error <= baseline + 0.1
//   ptq        int8 PTQ of LeNet-5: drop <= 0.2 point, int8 at least as fast as f32 (benchmark.js, same run)
//   structured LeNet-5 with >= 50% of conv FLOPs removed, drop <= 0.3 point, latency >= 1.5x lower
//   distill    student 784-50-10 taught by LeNet-5 vs the same student on labels, 3 seeds
// Run: npx tsx bench/compress.bench.ts [--quick] [--only=han,deep,ptq,structured,distill]
// Full mode trains the dense baselines on all 60k images with Caffe's lenet_solver.prototxt, the solver Han et al.
// trained with (lr 0.01, momentum 0.9, weight decay 5e-4, "inv" policy gamma 1e-4 power 0.75, batch 64, 10,000
// iterations ~ 11 epochs). Pruning to Han et al.'s per-layer densities uses the gradual schedule of Zhu & Gupta
// (sparsity rising on a cubic over 4 epochs at the solver's lr 0.01, then 6 epochs of cosine fine-tuning): Han's
// own recipe, 5 prune -> retrain rounds of 3 epochs at lr/10, left LeNet-300-100 0.26 point worse than this baseline.
// --quick uses a subset and few epochs.
// Trained baselines are cached in the OS temp folder (keyed by model, data and epochs), so a second run with
// --only=... reuses them; --fresh retrains them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataLoader, Flatten, InvLR, Linear, ReLU, Random, SGD, Sequential, evaluate, fit, lenet300100, lenet5, loadModelWeights, mnistDataset, noGrad, randn, saveModel,
  type Module, type TensorDataset,
} from '../core/index.js';
import { prunableParameters, snapshotWeights } from '../compress/prune.js';
import { gradualPrune } from '../compress/prune-schedule.js';
import { loadSparseModel, saveSparseModel, type SparseSaveOptions } from '../compress/sparse-format.js';
import { WeightSharing } from '../compress/weight-sharing.js';
import { quantizeModel, saveQuantizedModel, type QuantizedModel } from '../compress/quantize.js';
import { countFlops, structuredPrune } from '../compress/structured.js';
import { distill } from '../compress/distill.js';
import { isMain, runSuite, writeResult, type BenchCase } from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
if (quick) process.env.BENCH_QUICK = '1';
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const want = (s: string) => !only || only.includes(s);

const cfg = quick
  ? { trainN: 2000, testN: 1000, epochs: 3, lenet5Epochs: 1, rampEpochs: 1, pruneFtEpochs: 1, pruneLr: 0.01, ftEpochs: 1, distillEpochs: 2, shareEpochs: 1, seeds: [0, 1, 2] }
  : { trainN: 60000, testN: 10000, epochs: 11, lenet5Epochs: 11, rampEpochs: 4, pruneFtEpochs: 6, pruneLr: 0.01, ftEpochs: 3, distillEpochs: 10, shareEpochs: 2, seeds: [0, 1, 2] };
const LR = 0.01;
/**
 * The students' SGD lr (momentum 0.9), the same for both. At 0.05 the T^2-scaled soft loss trained unstably: the
 * distilled student ended at 6.5% error against 4.0% on labels alone (seed 0, full run of 2026-11-25).
 */
const DISTILL_LR = 0.01;
const dir = mkdtempSync(join(tmpdir(), 'whittle-compress-bench-'));

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const err = (acc: number) => 100 * (1 - acc);
const log = (s: string) => console.log(s);

function sgd(m: Module, lr = LR): SGD {
  return new SGD(m.parameters(), { lr, momentum: 0.9, weightDecay: 5e-4 });
}
function train(m: Module, data: TensorDataset, epochs: number, test: TensorDataset, lr = LR, seed = 0): number {
  fit(m, new DataLoader(data, { batchSize: 64, shuffle: true, seed }), { epochs, optimizer: sgd(m, lr), log: (l) => log(`  ${l}`) });
  return evaluate(m, test).accuracy;
}
/** Caffe's LeNet solver: SGD lr 0.01, momentum 0.9, weight decay 5e-4, lr * (1 + 1e-4 iter)^-0.75 per batch of 64. */
function trainCaffe(m: Module, data: TensorDataset, epochs: number, test: TensorDataset): number {
  const optimizer = sgd(m);
  fit(m, new DataLoader(data, { batchSize: 64, shuffle: true, seed: 0 }), { epochs, optimizer, scheduler: new InvLR(optimizer), schedulePerBatch: true, log: (l) => log(`  ${l}`) });
  return evaluate(m, test).accuracy;
}
const cacheDir = join(tmpdir(), 'whittle-compress-bench-cache');
/** Weights kept / weights, over the weight matrices and filters (biases excluded, as Han et al. count). */
function keptFraction(m: Module): number {
  let n = 0, nz = 0;
  for (const [, t] of prunableParameters(m)) { n += t.size; for (let i = 0; i < t.size; i++) if (t.data[i] !== 0) nz++; }
  return nz / n;
}
function clone(make: () => Sequential, from: Module): Sequential {
  const m = make();
  m.loadStateDict(snapshotWeights(from));
  return m;
}

/** Han et al. 2015 Tables: fraction of weights KEPT per layer; pruning targets are 1 - kept. */
const HAN = {
  'lenet-300-100': { make: () => lenet300100(0), kept: { '1.weight': 0.08, '3.weight': 0.09, '5.weight': 0.26 } },
  'lenet-5': { make: () => lenet5(0), kept: { '0.weight': 0.66, '2.weight': 0.12, '5.weight': 0.08, '7.weight': 0.19 } },
} as const;

export async function main(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  log(`# compress${quick ? ' (quick)' : ''}: MNIST ${cfg.trainN} train / ${cfg.testN} test images`);
  const trainSet = mnistDataset('train', { limit: cfg.trainN });
  const testSet = mnistDataset('test', { limit: cfg.testN });
  const results: Record<string, unknown> = { quick, config: cfg, date: new Date().toISOString() };
  const dense: Partial<Record<keyof typeof HAN, { model: Sequential; accuracy: number }>> = {};
  const pruned: Partial<Record<keyof typeof HAN, { model: Sequential; accuracy: number }>> = {};

  const baseline = (name: keyof typeof HAN) => {
    if (!dense[name]) {
      log(`\n## dense ${name}`);
      const m = HAN[name].make();
      const epochs = name === 'lenet-5' ? cfg.lenet5Epochs : cfg.epochs;
      const cached = join(cacheDir, `${name}-caffe-${cfg.trainN}-${epochs}.safetensors`);
      let accuracy: number;
      if (existsSync(cached) && !args.includes('--fresh')) {
        loadModelWeights(cached, m);
        accuracy = evaluate(m, testSet).accuracy;
        log(`  loaded the trained baseline from ${cached} (--fresh retrains it)`);
      } else {
        accuracy = trainCaffe(m, trainSet, epochs, testSet);
        mkdirSync(cacheDir, { recursive: true });
        saveModel(cached, m);
      }
      dense[name] = { model: m, accuracy };
      log(`  baseline ${name}: error ${err(accuracy).toFixed(2)}%`);
    }
    return dense[name]!;
  };
  const prune = (name: keyof typeof HAN) => {
    if (!pruned[name]) {
      const base = baseline(name);
      const m = clone(HAN[name].make, base.model);
      const targets = Object.fromEntries(Object.entries(HAN[name].kept).map(([k, kept]) => [k, 1 - kept]));
      log(`\n## pruning ${name} to Han et al.'s per-layer densities: gradual (Zhu & Gupta) over ${cfg.rampEpochs} epochs at lr ${cfg.pruneLr}, then ${cfg.pruneFtEpochs} epochs of cosine fine-tuning`);
      gradualPrune(m, new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 3 }), {
        sparsity: targets, rampEpochs: cfg.rampEpochs, fineTuneEpochs: cfg.pruneFtEpochs, lr: cfg.pruneLr, weightDecay: 5e-4, log: (l) => log(`  ${l}`),
      });
      pruned[name] = { model: m, accuracy: evaluate(m, testSet).accuracy };
    }
    return pruned[name]!;
  };

  if (want('han')) {
    const rows = [];
    for (const name of Object.keys(HAN) as Array<keyof typeof HAN>) {
      const base = baseline(name), p = prune(name);
      const kept = keptFraction(p.model);
      const row = {
        model: name, baselineError: err(base.accuracy), prunedError: err(p.accuracy), weightsKept: kept,
        paper: { baselineError: name === 'lenet-5' ? 0.8 : 1.64, prunedError: name === 'lenet-5' ? 0.77 : 1.59, weightsKept: name === 'lenet-5' ? 0.08 : 0.08 },
        target: 'kept <= 8.5% and error <= baseline + 0.1',
        met: kept <= 0.085 && err(p.accuracy) <= err(base.accuracy) + 0.1,
      };
      rows.push(row);
    }
    results.han = rows;
    log('\n## Han et al. 2015: ours vs paper');
    for (const r of rows) log(`  ${r.model.padEnd(14)} error ${r.baselineError.toFixed(2)}% -> ${r.prunedError.toFixed(2)}%, kept ${pct(r.weightsKept)} | paper ${r.paper.baselineError}% -> ${r.paper.prunedError}%, kept 8%  ${r.met ? 'MET' : 'NOT MET'}`);
  }

  if (want('deep')) {
    const base = baseline('lenet-300-100'), p = prune('lenet-300-100');
    log('\n## Deep Compression: LeNet-300-100 pruned + int8 + sparse encoding');
    const densePath = join(dir, 'dense.safetensors');
    saveModel(densePath, base.model);
    const denseBytes = statSync(densePath).size;
    const calib = [...new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 4 })].slice(0, 10).map(([x]) => x);
    // Each variant: save, load the file into a fresh model, quantize that to int8 (PTQ) and test it.
    const evalVariants = (model: Sequential, label: string) => [
      { name: 'sparse f32', o: { values: 'float32' as const } },
      { name: 'sparse int8', o: { values: 'int8' as const } },
      { name: 'sparse int8 + Huffman', o: { values: 'int8' as const, huffman: true } },
      { name: 'sparse 6-bit codebook + Huffman', o: { values: 'codebook' as const, codebookBits: 6, huffman: true } },
      { name: 'sparse 5-bit codebook + Huffman', o: { values: 'codebook' as const, codebookBits: 5, huffman: true } },
      { name: 'sparse 4-bit codebook + Huffman', o: { values: 'codebook' as const, codebookBits: 4, huffman: true } },
      { name: 'sparse 4-bit trained codebook + Huffman', o: { values: 'codebook' as const, codebookBits: 4, huffman: true }, share: 4 },
      { name: 'sparse 5-bit trained codebook + Huffman', o: { values: 'codebook' as const, codebookBits: 5, huffman: true }, share: 5 },
    ].map((v: { name: string; o: SparseSaveOptions; share?: number }) => {
      const path = join(dir, `${label}-${v.name.replace(/\W+/g, '-')}.safetensors`);
      // Deep Compression's trained quantization: the codebook's centroids fine-tuned by their weights' summed gradients.
      const stored = v.share ? clone(HAN['lenet-300-100'].make, model) : model;
      if (v.share) {
        const ws = new WeightSharing(stored, { bits: v.share });
        const opt = sgd(stored, LR / 10);
        ws.attach(opt);
        fit(stored, new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 8 }), { epochs: cfg.shareEpochs, optimizer: opt, log: (l) => log(`  ${label} ${v.share}-bit sharing: ${l}`) });
      }
      const r = saveSparseModel(path, stored, v.o);
      const loaded = HAN['lenet-300-100'].make();
      loadSparseModel(path, loaded);
      const q = quantizeModel(loaded, calib);
      return { name: `${label}: ${v.name}`, kept: keptFraction(model), bytes: r.bytes, ratio: denseBytes / r.bytes, nonzeros: r.nonzeros, entries: r.entries, int8Error: err(evaluate(q, testSet).accuracy), q };
    });
    // Han's 8% model, and a sparser one (fc1 5% kept) pruned the same way from the dense baseline.
    const deeper = clone(HAN['lenet-300-100'].make, base.model);
    gradualPrune(deeper, new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 7 }), {
      sparsity: { '1.weight': 0.95, '3.weight': 0.92, '5.weight': 0.75 }, rampEpochs: cfg.rampEpochs, fineTuneEpochs: cfg.pruneFtEpochs, lr: cfg.pruneLr, weightDecay: 5e-4, log: (l) => log(`  deeper: ${l}`),
    });
    const variants = [...evalVariants(p.model, `${(100 * keptFraction(p.model)).toFixed(1)}% kept`), ...evalVariants(deeper, `${(100 * keptFraction(deeper)).toFixed(1)}% kept`)];
    const qBytes = saveQuantizedModel(join(dir, 'int8-dense.safetensors'), variants[0].q);
    const ok = variants.filter((v) => v.ratio >= 40 && v.int8Error <= err(base.accuracy) + 0.1);
    results.deep = {
      denseBytes, int8DenseRuntimeBytes: qBytes, variants: variants.map(({ q: _q, ...v }) => v), baselineError: err(base.accuracy), prunedFloatError: err(p.accuracy),
      paper: { ratio: 40, error: 1.58 }, target: '>= 40x smaller than dense f32, error of the int8 model loaded from the file <= baseline + 0.1',
      met: ok.length > 0, metBy: ok.map((v) => v.name),
    };
    log(`  dense f32 file ${denseBytes.toLocaleString('en-US')} B; dense int8 runtime file ${qBytes.toLocaleString('en-US')} B; baseline error ${err(base.accuracy).toFixed(2)}%`);
    for (const v of variants) log(`  ${v.name.padEnd(45)} ${v.bytes.toLocaleString('en-US').padStart(10)} B  ${v.ratio.toFixed(1).padStart(5)}x smaller  int8 error ${v.int8Error.toFixed(2)}%  (${v.entries} entries, ${v.nonzeros} nonzeros)`);
    log(`  paper: 40x at 1.58% error  ${ok.length ? `MET by ${ok.map((v) => v.name).join(', ')}` : 'NOT MET'}`);
  }

  const latencyCases: BenchCase[] = [];
  if (want('ptq')) {
    const base = baseline('lenet-5');
    log('\n## int8 post-training quantization of LeNet-5');
    const calib = [...new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 5 })].slice(0, 10).map(([x]) => x);
    const variants: Array<{ observer: string; weights: string; error: number; q: QuantizedModel }> = [];
    for (const kind of ['minmax', 'percentile', 'mse'] as const) {
      for (const weights of ['per-channel', 'per-tensor'] as const) {
        const q = quantizeModel(base.model, calib, { observer: { kind }, weights });
        variants.push({ observer: kind, weights, error: err(evaluate(q, testSet).accuracy), q });
      }
    }
    for (const v of variants) log(`  ${v.observer.padEnd(10)} ${v.weights.padEnd(11)} error ${v.error.toFixed(2)}% (float ${err(base.accuracy).toFixed(2)}%)`);
    const q = variants[0].q; // the default: min-max activations, per-channel weights
    for (const b of [1, 64]) {
      const x = randn([b, 1, 28, 28], { rng: new Random(b) });
      latencyCases.push({ name: `lenet-5 int8 batch=${b}`, fn: () => void noGrad(() => q.forward(x)), peer: { name: `lenet-5 f32 batch=${b}`, fn: () => void noGrad(() => base.model.forward(x)) } });
    }
    results.ptq = { baselineError: err(base.accuracy), variants: variants.map(({ q: _q, ...v }) => v), target: 'drop <= 0.2 point (default min-max, per-channel), int8 latency <= f32' };
  }

  if (want('structured')) {
    const base = baseline('lenet-5');
    log('\n## Structured pruning of LeNet-5 (L1 filter norms, Li et al. 2017), fine-tuned');
    const { model: small } = structuredPrune(base.model, { amount: { 0: 0.5, 2: 0.5 }, criterion: 'l1' });
    const before = countFlops(base.model, [1, 28, 28]), after = countFlops(small, [1, 28, 28]);
    const prunedAcc = evaluate(small, testSet).accuracy;
    const ftAcc = train(small, trainSet, cfg.ftEpochs, testSet, LR / 10, 6);
    for (const b of [1, 64]) {
      const x = randn([b, 1, 28, 28], { rng: new Random(b) });
      latencyCases.push({ name: `lenet-5 structured batch=${b}`, fn: () => void noGrad(() => small.forward(x)), peer: { name: `lenet-5 f32 batch=${b}`, fn: () => void noGrad(() => base.model.forward(x)) } });
    }
    results.structured = {
      convFlopsRemoved: 1 - after.conv / before.conv, flopsBefore: before, flopsAfter: after, parametersBefore: base.model.numParameters(), parametersAfter: small.numParameters(),
      baselineError: err(base.accuracy), prunedError: err(prunedAcc), finetunedError: err(ftAcc), target: '>= 50% conv FLOPs removed, drop <= 0.3 point, latency >= 1.5x lower',
    };
    log(`  conv MACs ${before.conv.toLocaleString('en-US')} -> ${after.conv.toLocaleString('en-US')} (${pct(1 - after.conv / before.conv)} removed); params ${base.model.numParameters()} -> ${small.numParameters()}`);
    log(`  error ${err(base.accuracy).toFixed(2)}% -> ${err(prunedAcc).toFixed(2)}% (pruned) -> ${err(ftAcc).toFixed(2)}% (fine-tuned ${cfg.ftEpochs} epochs)`);
  }

  if (latencyCases.length > 0) {
    log('\n## latency (benchmark.js; ours/peer > 1 means faster than dense f32)');
    const suite = runSuite('compress-latency', latencyCases);
    results.latency = suite.cases;
    const ratio = (name: string) => suite.cases.find((c) => c.name === name)?.ratio ?? NaN;
    if (results.ptq) {
      const p = results.ptq as { baselineError: number; variants: Array<{ error: number }> } & Record<string, unknown>;
      p.speedup = { b1: ratio('lenet-5 int8 batch=1'), b64: ratio('lenet-5 int8 batch=64') };
      p.met = p.variants[0].error <= p.baselineError + 0.2 && ratio('lenet-5 int8 batch=1') >= 1 && ratio('lenet-5 int8 batch=64') >= 1;
      log(`  PTQ: drop ${(p.variants[0].error - p.baselineError).toFixed(2)} point, int8/f32 speed ${ratio('lenet-5 int8 batch=1').toFixed(2)}x (b1), ${ratio('lenet-5 int8 batch=64').toFixed(2)}x (b64)  ${p.met ? 'MET' : 'NOT MET'}`);
    }
    if (results.structured) {
      const s = results.structured as { convFlopsRemoved: number; baselineError: number; finetunedError: number } & Record<string, unknown>;
      s.speedup = { b1: ratio('lenet-5 structured batch=1'), b64: ratio('lenet-5 structured batch=64') };
      s.met = s.convFlopsRemoved >= 0.5 && s.finetunedError <= s.baselineError + 0.3 && Math.min(ratio('lenet-5 structured batch=1'), ratio('lenet-5 structured batch=64')) >= 1.5;
      log(`  structured: ${pct(s.convFlopsRemoved)} conv FLOPs removed, drop ${(s.finetunedError - s.baselineError).toFixed(2)} point, speedup ${ratio('lenet-5 structured batch=1').toFixed(2)}x (b1), ${ratio('lenet-5 structured batch=64').toFixed(2)}x (b64)  ${s.met ? 'MET' : 'NOT MET'}`);
    }
  }

  if (want('distill')) {
    const teacher = baseline('lenet-5');
    log(`\n## Distillation: student 784-50-10, teacher LeNet-5 (error ${err(teacher.accuracy).toFixed(2)}%), T=4, alpha=0.9, ${cfg.distillEpochs} epochs, seeds ${cfg.seeds.join(',')}`);
    const student = (seed: number) => { const rng = new Random(seed); return new Sequential(new Flatten(), new Linear(784, 50, { rng }), new ReLU(), new Linear(50, 10, { rng })); };
    const rows = cfg.seeds.map((seed) => {
      const plain = student(seed);
      const plainAcc = train(plain, trainSet, cfg.distillEpochs, testSet, DISTILL_LR, seed);
      const kd = student(seed);
      distill(kd, teacher.model, new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed }), {
        epochs: cfg.distillEpochs, alpha: 0.9, temperature: 4, optimizer: (p) => new SGD(p, { lr: DISTILL_LR, momentum: 0.9, weightDecay: 5e-4 }),
      });
      const kdAcc = evaluate(kd, testSet).accuracy;
      log(`  seed ${seed}: labels only ${err(plainAcc).toFixed(2)}%  distilled ${err(kdAcc).toFixed(2)}% error`);
      return { seed, labelsError: err(plainAcc), distilledError: err(kdAcc) };
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    const l = rows.map((r) => r.labelsError), d = rows.map((r) => r.distilledError);
    results.distill = { teacherError: err(teacher.accuracy), seeds: rows, labels: { mean: mean(l), sd: sd(l) }, distilled: { mean: mean(d), sd: sd(d) } };
    log(`  mean error: labels only ${mean(l).toFixed(2)}% ± ${sd(l).toFixed(2)}, distilled ${mean(d).toFixed(2)}% ± ${sd(d).toFixed(2)}`);
  }

  results.seconds = (performance.now() - t0) / 1000;
  const seconds = results.seconds as number;
  // A partial run (--only=...) of a full configuration updates its sections in the saved full results.
  const saved = join(dirname(fileURLToPath(import.meta.url)), 'results', 'compress.json');
  if (only && existsSync(saved)) {
    const previous = JSON.parse(readFileSync(saved, 'utf8')) as Record<string, unknown>;
    if (previous.quick === quick) {
      const rerun = Object.keys(results).filter((k) => !['quick', 'config', 'date', 'seconds'].includes(k));
      // Latency cases of sections not rerun stay (they were measured against the same f32 model in their run).
      if (Array.isArray(results.latency) && Array.isArray(previous.latency)) {
        const fresh = new Set((results.latency as Array<{ name: string }>).map((c) => c.name));
        results.latency = [...(previous.latency as Array<{ name: string }>).filter((c) => !fresh.has(c.name)), ...results.latency];
      }
      Object.assign(previous, Object.fromEntries(rerun.map((k) => [k, results[k]])), { [`rerun ${results.date as string}`]: { only, sections: rerun, seconds: results.seconds } });
      Object.keys(results).forEach((k) => delete results[k]);
      Object.assign(results, previous);
    }
  }
  writeResult('compress', results);
  rmSync(dir, { recursive: true, force: true });
  log(`\nwrote bench/results/compress.json (${seconds.toFixed(0)} s)`);
  return results;
}

if (isMain(import.meta.url)) await main();
