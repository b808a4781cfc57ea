// whittle demo — the main job: the whole story on real data with no arguments. Trains LeNet-5 on MNIST, prunes,
// quantizes and distills it, prints the compression table, runs a short architecture search, AutoML and rule
// induction on a bundled table, and writes the HTML report.
import { resolve } from 'node:path';
import os from 'node:os';
import { type CommandSpec, type Parsed, num, str, bool } from '../args.js';
import { interrupt } from '../progress.js';
import { lenet5 } from '../../core/nn/models.js';
import { SGD } from '../../core/optim/sgd.js';
import { CosineAnnealingLR } from '../../core/optim/schedulers.js';
import { DataLoader, mnistDataset } from '../../core/data/dataset.js';
import { fitAsync, evaluate } from '../../core/train.js';
import * as datasets from '../../core/data/datasets.js';
import { automl, formatLeaderboard } from '../../search/automl/automl.js';
import { rules } from '../../search/rules/index.js';
import { writeReport, type ReportData } from '../report/html.js';
import { compressForDemo } from './compress.js';
import { nasForDemo } from './nas.js';
import { automlSection } from './automl.js';
import { rulesSection } from './rules.js';
import { defaultWorkers } from '../../search/workers.js';

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'the whole story on real data: train, compress, search, AutoML, rules, and an HTML report',
  usage: 'whittle demo [--report report.html] [--fast]',
  options: {
    report: { type: 'string', path: 'output', help: 'where to write the HTML report', default: 'whittle-report.html' },
    trainImages: { type: 'number', integer: true, min: 1, help: 'MNIST training images used', default: 30000 },
    epochs: { type: 'number', integer: true, min: 1, help: 'LeNet-5 training epochs', default: 3 },
    nasSeconds: { type: 'number', above: 0, help: 'architecture search budget in seconds', default: 45 },
    automlSeconds: { type: 'number', above: 0, help: 'AutoML budget in seconds', default: 15 },
    fast: { type: 'boolean', help: 'a much smaller run (tests, smoke checks)', default: false },
  },
  examples: ['npm start', 'whittle demo --report out.html --epochs 3'],
};

export async function runDemo(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<ReportData> {
  // the story (its headings, tables and scores) on stdout; training's progress and the file notes on stderr
  const say = (s: string) => out(`${s}\n`);
  interrupt.install();
  const fast = bool(p, 'fast');
  const seed = num(p, 'seed') ?? 0;
  const nTrain = fast ? 1500 : num(p, 'trainImages')!;
  const nTest = fast ? 500 : 5000;
  const epochs = fast ? 1 : num(p, 'epochs')!;
  const t0 = performance.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const report: ReportData = { title: 'whittle: train, compress and generate', machine: `${cpu}, ${os.availableParallelism()} cores, Node ${process.version}`, notes: [] };

  say(`\n== 1. Train LeNet-5 on MNIST (${nTrain} training images, ${epochs} epoch${epochs === 1 ? '' : 's'}; test on ${nTest}) ==`);
  const train = mnistDataset('train', { limit: nTrain });
  const test = mnistDataset('test', { limit: nTest });
  const model = lenet5(seed);
  const opt = new SGD(model.parameters(), { lr: 0.02, momentum: 0.9, weightDecay: 5e-4 });
  const history = await fitAsync(model, new DataLoader(train, { batchSize: 64, shuffle: true, seed }), { epochs, optimizer: opt, scheduler: new CosineAnnealingLR(opt, epochs), log, shouldStop: () => interrupt.requested });
  const testAcc = evaluate(model, test).accuracy;
  say(`LeNet-5 test accuracy ${(100 * testAcc).toFixed(2)}%`);
  report.training = { model: 'LeNet-5 (Caffe variant)', params: model.numParameters(), history, testAccuracy: testAcc };

  if (!interrupt.requested) {
    say('\n== 2. Compress: prune -> retrain -> int8 quantize, and distill a small student ==');
    report.compression = await compressForDemo(model, train, test, { seed, fast, log, say });
  }
  if (!interrupt.requested) {
    say('\n== 3. Neural architecture search (MNIST, short budget) ==');
    report.nas = await nasForDemo({ seed, fast, seconds: fast ? 15 : num(p, 'nasSeconds')!, say });
  }
  if (!interrupt.requested) {
    say('\n== 4. AutoML on Palmer penguins (numeric + categorical columns, missing values) ==');
    const res = await automl({ data: datasets.penguins({ target: null }), target: 'Species', budgetSeconds: fast ? 4 : num(p, 'automlSeconds')!, seed, folds: fast ? 3 : 5, workers: defaultWorkers(), signal: interrupt.controller.signal });
    say(formatLeaderboard(res.leaderboard, res.metric, 8));
    report.automl = automlSection(res, 'Palmer penguins (344 rows)');
  }
  if (!interrupt.requested) {
    say('\n== 5. Rule induction (RIPPER) on Palmer penguins ==');
    const r = rules({ data: datasets.penguins({ target: null }), target: 'Species', algorithm: 'ripper', seed, folds: fast ? 3 : 10 });
    say(r.text);
    report.rules = rulesSection(r, 'Palmer penguins', 'RIPPER');
  }
  const file = resolve(str(p, 'report')!);
  report.notes!.push(`Total time ${((performance.now() - t0) / 1000).toFixed(0)} s${interrupt.requested ? ' (stopped early by Ctrl-C)' : ''}.`);
  writeReport(file, report);
  log(`\nwrote the report to ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
  return report;
}
