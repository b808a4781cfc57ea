// Model-level benchmark (issue: real training on MNIST). Two parts, one run:
//  1. throughput: one LeNet-300-100 training step (batch 64, SGD momentum) ours vs tfjs-layers on tfjs-backend-cpu,
//     benchmark.js side by side, reported as samples/s and the ratio;
//  2. full training of LeNet-300-100 and LeNet-5 on the full 60k MNIST from a fixed seed: test accuracy on the 10k
//     test set, wall time and training samples/s (targets: >= 98.2% and >= 99.0%).
// `--quick` (or BENCH_QUICK=1) trains on 6k images for one epoch each: a smoke run, not the target.
import os from 'node:os';
import { lenet300100, lenet5 } from '../core/nn/models.js';
import { SGD } from '../core/optim/sgd.js';
import { CosineAnnealingLR } from '../core/optim/schedulers.js';
import { DataLoader, mnistDataset } from '../core/data/dataset.js';
import { crossEntropy } from '../core/nn/losses.js';
import { fit, evaluate } from '../core/train.js';
import { tensor, randn } from '../core/tensor.js';
import { Random } from '../core/random.js';
import { runSuite, isMain, isQuick, loadTfjsCpu, writeResult } from './harness.js';

async function throughput(): Promise<{ oursPerSec: number; tfjsPerSec: number; ratio: number }> {
  const tf = await loadTfjsCpu();
  const tfl = await import('@tensorflow/tfjs-layers');
  const batch = 64;
  const rng = new Random(1);
  const x = randn([batch, 784], { rng });
  const y = tensor(Array.from({ length: batch }, () => rng.int(10)), { dtype: 'int32' });
  const model = lenet300100(1);
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const ours = () => { opt.zeroGrad(); crossEntropy(model.forward(x), y).backward(); opt.step(); };
  const tm = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [784], units: 300, activation: 'relu' }), tfl.layers.dense({ units: 100, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  const tfOpt = tf.train.momentum(0.01, 0.9);
  const tx = tf.tensor2d(x.data as Float32Array, [batch, 784]);
  const ty = tf.oneHot(tf.tensor1d(Int32Array.from(y.data), 'int32'), 10);
  // optimizer.minimize is tfjs's synchronous training step (trainOnBatch awaits before computing, so it cannot be
  // timed synchronously); it runs the same forward, backward and momentum update on the same layers.
  const peer = () => { const l = tfOpt.minimize(() => tf.losses.softmaxCrossEntropy(ty, tm.apply(tx) as import('@tensorflow/tfjs-core').Tensor) as import('@tensorflow/tfjs-core').Scalar, true); if (l) tf.dispose(l); };
  const r = runSuite('train-step', [{ name: 'lenet300100 train step b=64', fn: ours, ops: 6 * 266200 * batch, peer: { name: 'tfjs-layers + optimizer.minimize b=64', fn: peer } }]);
  const c = r.cases[0];
  return { oursPerSec: c.hz * batch, tfjsPerSec: c.peer!.hz * batch, ratio: c.ratio! };
}

interface RunResult { model: string; epochs: number; trainImages: number; testAccuracy: number; seconds: number; samplesPerSecond: number; target: number }

function train(name: 'lenet300100' | 'lenet5', epochs: number, limit: number | undefined): RunResult {
  const trainSet = mnistDataset('train', { limit });
  const test = mnistDataset('test');
  const model = name === 'lenet5' ? lenet5(42) : lenet300100(42);
  // Caffe-style recipe: SGD with momentum 0.9, weight decay 5e-4, cosine-annealed learning rate, batch 64.
  const opt = new SGD(model.parameters(), { lr: name === 'lenet5' ? 0.02 : 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const t0 = performance.now();
  const hist = fit(model, new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 42 }), { epochs, optimizer: opt, scheduler: new CosineAnnealingLR(opt, epochs), log: (l) => console.log(`  ${name} ${l}`) });
  const seconds = (performance.now() - t0) / 1000;
  const acc = evaluate(model, test).accuracy;
  const samples = hist.reduce((a, h) => a + h.samplesPerSecond * h.seconds, 0);
  return { model: name, epochs, trainImages: trainSet.length, testAccuracy: acc, seconds, samplesPerSecond: samples / hist.reduce((a, h) => a + h.seconds, 0), target: name === 'lenet5' ? 0.99 : 0.982 };
}

export async function main(): Promise<void> {
  const quick = isQuick() || process.argv.includes('--quick');
  if (quick) process.env.BENCH_QUICK = '1';
  const tp = process.argv.includes('--no-throughput') ? { oursPerSec: NaN, tfjsPerSec: NaN, ratio: NaN } : await throughput();
  console.log(`\ntraining throughput LeNet-300-100: ours ${Math.round(tp.oursPerSec)} samples/s, tfjs ${Math.round(tp.tfjsPerSec)} samples/s, ratio ${tp.ratio.toFixed(2)}x (target >= 3x)`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const runs: RunResult[] = [];
  const epochsArg = Number(process.argv.find((a) => a.startsWith('--epochs='))?.slice(9));
  const epochs = (full: number) => (quick ? 1 : Number.isFinite(epochsArg) && epochsArg > 0 ? epochsArg : full);
  if (!only || only === 'lenet300100') runs.push(train('lenet300100', epochs(20), quick ? 6000 : undefined));
  if (!only || only === 'lenet5') runs.push(train('lenet5', epochs(12), quick ? 6000 : undefined));
  console.log('\nmodel          epochs  train imgs  test acc  target   wall s  samples/s');
  for (const r of runs) console.log(`${r.model.padEnd(14)} ${String(r.epochs).padStart(6)} ${String(r.trainImages).padStart(11)}  ${(100 * r.testAccuracy).toFixed(2).padStart(7)}%  ${(100 * r.target).toFixed(1)}%  ${r.seconds.toFixed(0).padStart(7)}  ${Math.round(r.samplesPerSecond).toString().padStart(9)}`);
  const machine = { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), node: process.version };
  // one file per model, so that the long runs can be made separately (--only=...)
  for (const r of runs) writeResult(`train-${r.model}${quick ? '-quick' : ''}`, { date: new Date().toISOString(), quick, machine, throughput: tp, run: r });
}

if (isMain(import.meta.url)) await main();
