// whittle train: a built-in or described network on images (MNIST, IDX files) or a table (CSV/ARFF); saves safetensors.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, num, str, bool, UsageError } from '../args.js';
import { checkLabels, loadImages, isTableSource, tableForNetwork } from '../data.js';
import { interrupt } from '../progress.js';
import { lenet300100, lenet5 } from '../../core/nn/models.js';
import { Sequential, Linear, ReLU, Flatten, Dropout } from '../../core/nn/layers.js';
import type { Module } from '../../core/nn/module.js';
import { modelFromSpec, specLayerSizes, type SpecLayerSize } from '../../core/nn/spec.js';
import { Random } from '../../core/random.js';
import { SGD } from '../../core/optim/sgd.js';
import { Adam } from '../../core/optim/adam.js';
import { CosineAnnealingLR } from '../../core/optim/schedulers.js';
import { DataLoader, TensorDataset, trainValSplit } from '../../core/data/dataset.js';
import { fitAsync, evaluate, trainingBatches } from '../../core/train.js';
import { forwardByLayer, imageMetadata, saveModelWithSpec } from '../../core/io/model-file.js';
import { MNIST_NORMALIZATION } from '../../core/data/mnist.js';
import type { Tensor } from '../../core/tensor.js';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { ArgumentError, FormatError, NumericError, ShapeError, fmtShape } from '../../core/errors.js';
import { writeReport } from '../report/html.js';
import { TRAIN_BUDGET, epochLines, epochsFor } from '../epochs.js';

export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'train a network on images or a table and save it as safetensors',
  usage: 'whittle train [--data mnist|FILE.csv|FILE.arff|iris|penguins|cars] [--target COLUMN] [--images F --labels F] [--model NAME] [options]',
  options: {
    data: { type: 'string', path: 'input', help: 'mnist, a CSV/TSV/ARFF/JSON-records file, or a built-in table (iris, penguins, cars)', default: 'mnist' },
    images: { type: 'string', path: 'input', help: 'IDX images file (with --labels) instead of --data' },
    labels: { type: 'string', path: 'input', help: 'IDX labels file' },
    target: { type: 'string', help: 'target column for tables (built-in tables: their label, e.g. species for iris)' },
    model: { type: 'string', help: 'lenet5, lenet300100, mlp:H1,H2,... or a JSON spec file', default: 'lenet5' },
    epochs: { type: 'number', integer: true, min: 1, help: 'training epochs (default: 3 for images; for tables about 1,500 steps, 3 to 300 epochs: 300 on Iris)' },
    batchSize: { type: 'number', integer: true, min: 1, help: 'batch size', default: 64 },
    lr: { type: 'number', above: 0, help: 'learning rate', default: 0.01 },
    optimizer: { type: 'string', help: 'optimizer', choices: ['sgd', 'adam'], default: 'sgd' },
    limit: { type: 'number', integer: true, min: 1, help: 'use only the first N training images' },
    val: { type: 'number', min: 0, below: 1, help: 'validation fraction held out from training', default: 0.1 },
    out: { type: 'string', path: 'output', help: 'where to save the model', default: 'model.safetensors' },
    report: { type: 'string', path: 'output', help: 'also write an HTML report (loss and accuracy by epoch)' },
    quiet: { type: 'boolean', help: 'no progress lines', default: false },
  },
  examples: ['whittle train --model lenet5 --epochs 3', 'whittle train --data penguins.csv --target Species --model mlp:64,32', 'whittle train --images train-images-idx3-ubyte --labels train-labels-idx1-ubyte --model lenet300100'],
};

/**
 * Refuses a model whose layers cannot fit in memory, before any of it is allocated. Node hands out a typed array of up
 * to 2^32 elements lazily, so a too-wide layer (mlp:1e9 on 4 features is 16 GiB) is not refused at allocation but
 * killed by the OS during initialisation. Training holds each weight about three times (weight, gradient, momentum or
 * Adam's moments). The message names the layer holding the most parameters.
 */
function refuseTooLarge(what: string, layers: readonly SpecLayerSize[]): void {
  const params = layers.reduce((a, l) => a + l.parameters, 0);
  if (!(3 * 4 * params > totalmem())) return;
  const big = layers.reduce((a, l) => (l.parameters > a.parameters ? l : a));
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  throw new ArgumentError(`${what} must fit in memory, got ${params.toLocaleString('en-US')} parameters (${gib(4 * params)} as float32, about ${gib(3 * 4 * params)} to train), most in ${big.path} (${big.layer}); this machine has ${gib(totalmem())}`);
}

/**
 * Builds the model named on the command line for inputs of `features` values and `classes` outputs; `flag` is the
 * command and option the name came from, as its errors say it ('compress: --distill' for a student).
 */
export function buildNamedModel(name: string, features: number, classes: number, seed: number, flag = 'train: --model'): Module {
  if (name === 'lenet5') return lenet5(seed);
  if (name === 'lenet300100') return lenet300100(seed);
  if (name.startsWith('mlp')) {
    const hidden = name.includes(':') ? name.split(':')[1].split(',').map(Number) : [128];
    if (hidden.some((h) => !Number.isInteger(h) || h <= 0)) throw new UsageError(`${flag} mlp:H1,H2,... needs positive integer widths, got ${name}`);
    const widths = [features, ...hidden, classes];
    refuseTooLarge(`${flag} ${name}`, hidden.concat(classes).map((h, i) => ({
      path: `layer ${i + 1}`, layer: `Linear ${widths[i].toLocaleString('en-US')} -> ${h.toLocaleString('en-US')}`, parameters: (widths[i] + 1) * h,
    })));
    const rng = new Random(seed);
    const layers: Module[] = [new Flatten()];
    let width = features;
    // a width that passes as an integer (1e9) can still be a layer no memory holds: name the layer, not just the tensor
    const linear = (i: number, inF: number, outF: number) => {
      try {
        return new Linear(inF, outF, { rng });
      } catch (e) {
        if (e instanceof ArgumentError) throw new ArgumentError(`${flag} ${name}: layer ${i} (Linear ${inF} -> ${outF}) is too large: ${e.message}`);
        throw e;
      }
    };
    hidden.forEach((h, i) => { layers.push(linear(i + 1, width, h), new ReLU(), new Dropout(0.1, rng)); width = h; });
    layers.push(linear(hidden.length + 1, width, classes));
    return new Sequential(...layers);
  }
  if (name.endsWith('.json')) {
    let spec: unknown;
    try { spec = JSON.parse(readFileSync(name, 'utf8')); } catch (e) { throw new FormatError(`model spec is not valid JSON: ${(e as Error).message}`, name); }
    refuseTooLarge(`${flag} ${name}`, specLayerSizes(spec, name));
    return modelFromSpec(spec, seed, name);
  }
  throw new UsageError(`${flag} must be lenet5, lenet300100, mlp:H1,H2,... or a .json spec, got ${name}`);
}

/**
 * One sample through the model before any training (forwardByLayer): a spec whose layers do not fit the data had
 * failed in the first batch as `linear: input features must equal weight columns, got [64,784] and [10,100]`,
 * naming neither the spec nor the layer. Returns how many outputs the model gives per sample; `data` says the data.
 */
function outputsOn(model: Module, x: Tensor, name: string, data: string): number {
  let out: Tensor;
  try {
    out = forwardByLayer(model, x.slice([0], [1]));
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`train: --model ${name} does not fit ${data}: ${e.message}`);
    throw e;
  }
  if (out.rank !== 2) throw new ShapeError(`train: --model ${name} gives ${fmtShape(out.shape.slice(1))} per sample of ${data}; a classifier gives one score per class (end it with Flatten and Linear)`);
  return out.shape[1];
}

export async function runTrain(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<void> {
  interrupt.install();
  const seed = num(p, 'seed') ?? 0;
  const data = str(p, 'data');
  const file = resolve(str(p, 'out')!);
  let ds: TensorDataset;
  let meta: Record<string, string> = {};
  let features: number;
  let classes: number;
  // the largest image label
  let top = 0;
  if (!str(p, 'images') && isTableSource(data)) {
    const t = tableForNetwork(data!, str(p, 'target'), 'train', log);
    ds = t.ds;
    features = ds.x.shape[1];
    classes = t.classes.length;
    meta = t.meta;
    if (str(p, 'model') === 'lenet5') p.model = 'mlp:64,32';
  } else {
    ds = loadImages({ data, images: str(p, 'images'), labels: str(p, 'labels'), limit: num(p, 'limit'), split: 'train', normalize: MNIST_NORMALIZATION }, 'train');
    features = ds.x.size / ds.length;
    // an MLP gets as many outputs as the labels need (at least the 10 digits, so that a few digits' worth of MNIST
    // still makes a digit model); LeNet's give 10, a spec what its last layer says: checked against the labels below
    for (const label of ds.y.data as Int32Array) top = Math.max(top, label);
    classes = Math.max(10, top + 1);
    meta = imageMetadata({ shape: ds.x.shape.slice(1), normalize: MNIST_NORMALIZATION });
  }
  const name = str(p, 'model')!;
  const model = buildNamedModel(name, features, classes, seed);
  const valFrac = num(p, 'val') ?? 0;
  const source = str(p, 'images') ?? data;
  const rows = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
  if (ds.length === 0) throw new ArgumentError(`train: the data must hold rows to train on, got none in ${source}`);
  if (meta.input === 'table') {
    const outputs = outputsOn(model, ds.x, name, `${source}'s rows (${features} features after preprocessing)`);
    // predict refuses a file whose classes and outputs differ: refused before training, not after
    if (outputs !== classes) throw new ArgumentError(`train: --model ${name} gives ${outputs} outputs; ${meta.target} in ${source} has ${classes} classes (${(JSON.parse(meta.classes) as string[]).join(', ')})`);
  } else {
    const [channels, height, width] = ds.x.shape.slice(1);
    const outputs = outputsOn(model, ds.x, name, `the ${height}x${width} images (${channels} channel${channels === 1 ? '' : 's'}) of ${str(p, 'images') ?? 'MNIST'}`);
    const builtin = name === 'lenet5' || name === 'lenet300100';
    const hint = builtin ? 'for more classes use --model mlp:H1,H2,... (as many outputs as the labels need) or a JSON spec' : `the labels run to ${top}: its last layer needs ${top + 1} outputs`;
    checkLabels(ds.y, outputs, str(p, 'labels'), `--model ${name}`, 'train', hint);
    if (outputs !== 10) log(`${outputs} classes: the outputs of --model ${name} (labels 0 to ${outputs - 1})`);
  }
  const held = valFrac > 0 ? trainValSplit(ds, valFrac, { seed, stratify: true }) : { train: ds, val: undefined };
  // trainValSplit rounds per class: a large --val on a small table takes every row, a small one on a tiny table none
  if (held.train.length === 0) {
    throw new ArgumentError(`train: --val ${valFrac} must leave rows to train on, got none: ${source} has ${rows(ds.length)} and all were held out for validation; lower --val`);
  }
  // no validation rows is said once, not printed as a 0.00% accuracy every epoch
  const split = { train: held.train, val: held.val?.length ? held.val : undefined };
  const noVal = valFrac > 0 ? `no validation rows (--val ${valFrac} of ${rows(ds.length)} rounds to none)` : 'no validation rows (--val 0)';
  const batchSize = num(p, 'batchSize')!;
  const given = num(p, 'epochs');
  const epochs = given ?? (meta.input === 'table' ? epochsFor(split.train.length, batchSize, TRAIN_BUDGET) : 3);
  const opt = str(p, 'optimizer') === 'adam' ? new Adam(model.parameters(), { lr: num(p, 'lr') }) : new SGD(model.parameters(), { lr: num(p, 'lr')!, momentum: 0.9 });
  log(`training ${str(p, 'model')} (${model.numParameters().toLocaleString('en-US')} parameters) on ${rows(split.train.length)}, ${split.val ? `validating on ${split.val.length}` : noVal}`);
  const loader = new DataLoader(split.train, { batchSize, shuffle: true, seed });
  // the batches an epoch trains on (a model with BatchNorm leaves out a last batch of one row)
  const batches = trainingBatches(model.train(), loader).count;
  const budgeted = given === undefined && meta.input === 'table';
  if (budgeted) log(`${epochs} epochs (${(epochs * batches).toLocaleString('en-US')} steps): the default is about ${TRAIN_BUDGET.steps.toLocaleString('en-US')} steps in ${TRAIN_BUDGET.min} to ${TRAIN_BUDGET.max} epochs; --epochs to choose`);
  let history;
  try {
    // the default's hundreds of epochs print as a dozen lines; epochs the user asked for, each
    const progress = budgeted ? epochLines(log, epochs, 12, () => interrupt.requested) : log;
    history = await fitAsync(model, loader, {
      epochs, optimizer: opt, scheduler: new CosineAnnealingLR(opt, epochs), val: split.val,
      log: bool(p, 'quiet') ? undefined : progress, shouldStop: () => interrupt.requested,
    });
  } catch (e) {
    // fit speaks of "a learning rate"; here the user set it as --lr, and wants to know that --out was not touched
    if (e instanceof NumericError) throw new NumericError(`${e.message.replace(/^fit: /, 'train: ').replace(/a lower learning rate$/, `a lower --lr than ${num(p, 'lr')}`)}; the model was not saved`);
    throw e;
  }
  const last = history[history.length - 1];
  // the learning rate goes with the model: compress retrains at a tenth of it
  saveModelWithSpec(file, model, { ...meta, trainedEpochs: String(history.length), valAccuracy: String(last?.valAccuracy ?? ''), lr: String(num(p, 'lr')), optimizer: str(p, 'optimizer') ?? 'sgd' });
  const valAccuracy = split.val ? evaluate(model, split.val).accuracy : undefined;
  // the held-out score is what the run is for: stdout (the epochs' progress and the notes: stderr)
  if (split.val) out(`validation accuracy ${(100 * valAccuracy!).toFixed(2)}%\n`);
  log(`saved ${file}${interrupt.requested ? ' (stopped early by Ctrl-C)' : ''}`);
  const report = str(p, 'report');
  if (report) {
    const notes = [
      `Trained on ${split.train.length.toLocaleString('en-US')} rows for ${history.length} of ${epochs} epochs${interrupt.requested ? ' (stopped early by Ctrl-C)' : ''}; saved to ${file}.`,
      split.val ? `Validation accuracy ${(100 * valAccuracy!).toFixed(2)}% on ${split.val.length.toLocaleString('en-US')} held-out rows.` : `${noVal[0].toUpperCase()}${noVal.slice(1)}.`,
    ];
    writeReport(resolve(report), { title: `whittle train ${str(p, 'model')} on ${str(p, 'images') ?? data}`, training: { model: str(p, 'model')!, params: model.numParameters(), history }, notes });
    log(`wrote the report to ${resolve(report)}`);
  }
}
