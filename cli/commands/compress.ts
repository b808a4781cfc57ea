// whittle compress: prune -> retrain -> int8 quantize (-> distill) a saved model; prints the compression table
// (parameters, nonzeros, bytes on disk, accuracy, latency, speedup) and keeps every stage's file.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, num, str, bool, UsageError } from '../args.js';
import { checkLabels, loadImages, loadTable, modelNormalization, requireFile, tableDataset } from '../data.js';
import { checkImageInput, imageOutputs, leafModules, loadTensors, modelFromTensors, outputFeatures } from '../../core/io/model-file.js';
import { loadSparseNetwork } from '../../compress/sparse-format.js';
import { Flatten, Linear } from '../../core/nn/layers.js';
import { ArgumentError, fmtShape } from '../../core/errors.js';
import { predict } from '../../core/train.js';
import { TensorDataset, trainValSplit } from '../../core/data/dataset.js';
import type { Module } from '../../core/nn/module.js';
import { Preprocessor } from '../../search/automl/preprocess.js';
import { compressionReportAsync, type CompressionReport } from '../../compress/report.js';
import { interrupt } from '../progress.js';
import { buildNamedModel } from './train.js';
import { writeReport, type ReportData } from '../report/html.js';
import { RETRAIN_BUDGET, TRAIN_BUDGET, epochsFor } from '../epochs.js';

export const compressSpec: CommandSpec = {
  name: 'compress',
  summary: 'prune, retrain, int8-quantize (and distill) a saved model; print the compression table; save every stage',
  usage: 'whittle compress MODEL.safetensors [--data mnist|FILE.csv] [--sparsity 0.9] [--out-dir compressed]',
  positionals: 1,
  options: {
    data: { type: 'string', path: 'input', help: 'mnist (default for image models) or the CSV/ARFF the table model was trained on' },
    images: { type: 'string', path: 'input', help: 'IDX images file (with --labels)' },
    labels: { type: 'string', path: 'input', help: 'IDX labels file' },
    testImages: { type: 'string', path: 'input', help: 'IDX test images (default: MNIST test set, or a held-out split)' },
    testLabels: { type: 'string', path: 'input', help: 'IDX test labels' },
    testData: { type: 'string', path: 'input', help: 'for table models: held-out rows to score each stage on (default: a stratified 20% of --data)' },
    limit: { type: 'number', integer: true, min: 1, help: 'training images used for retraining' },
    sparsity: { type: 'number', min: 0, below: 1, help: 'fraction of weights removed by magnitude pruning', default: 0.9 },
    scope: { type: 'string', help: 'pruning thresholds per layer or one global threshold', choices: ['layer', 'global'], default: 'layer' },
    rounds: { type: 'number', integer: true, min: 1, help: 'prune -> retrain rounds (Han et al. 2015)', default: 3 },
    epochsPerRound: { type: 'number', integer: true, min: 0, help: 'retraining epochs per round (default: 1 for images; for tables about 300 steps, 1 to 100 epochs)' },
    lr: { type: 'number', above: 0, help: 'the learning rate the model was trained with (retraining uses a tenth); default: the one `whittle train` recorded in the model file, else 0.05' },
    quantize: { type: 'boolean', help: 'int8 post-training quantization after pruning', default: true },
    distill: { type: 'string', help: 'also distill into a student, e.g. mlp:50 (the model is the teacher)' },
    distillEpochs: { type: 'number', integer: true, min: 1, help: 'student training epochs (default: 3 for images; for tables about 1,500 steps, 3 to 300 epochs)' },
    outDir: { type: 'string', path: 'dir', help: 'where every stage\'s file is written', default: 'compressed' },
    report: { type: 'string', path: 'output', help: 'also write an HTML report with the plots' },
  },
  examples: ['whittle compress model.safetensors --sparsity 0.92 --rounds 3', 'whittle compress model.safetensors --distill mlp:50 --report compress.html'],
};

/**
 * The learning rate retraining starts from (a tenth of it): --lr, else the one `whittle train` recorded with the
 * model (a model trained at train's default 0.01 had been retrained at a tenth of compress's old default, 0.05).
 */
export function trainedLr(given: number | undefined, metadata: Record<string, string>): number {
  if (given !== undefined) return given;
  // retraining is SGD with momentum: an Adam learning rate (0.001) says little of the SGD one
  const recorded = Number(metadata.lr);
  return metadata.lr !== undefined && metadata.optimizer !== 'adam' && Number.isFinite(recorded) && recorded > 0 ? recorded : 0.05;
}

/**
 * The float model compress starts from: a whittle model file, or a pruned float stage (a sparse file with `arch`).
 * An int8 stage had been refused as 'not a whittle model file with an architecture', which it is.
 */
function loadFloatModel(file: string): { model: Module; metadata: Record<string, string> } {
  const { tensors, metadata } = loadTensors(file);
  const int8 = metadata.format === 'whittle-quantized' || (metadata.format === 'whittle-sparse' && metadata.layers !== undefined);
  if (int8) {
    throw new ArgumentError(`compress: ${file} holds an int8 model (a stage compress writes); compress starts from the float model: a file from whittle train or nas, saveModelWithSpec or a PyTorch export with its architecture, or a pruned float stage (pruned-f32.safetensors)`);
  }
  if (metadata.format === 'whittle-sparse') return loadSparseNetwork(file);
  return { model: modelFromTensors(tensors, metadata, file), metadata };
}

/** The data a saved model was trained on, rebuilt from its metadata (tables) or the image options. */
function dataFor(p: Parsed, file: string, model: Module, metadata: Record<string, string>, seed: number, log: (s: string) => void): { train: TensorDataset; test: TensorDataset } {
  if (metadata.input === 'table') {
    const data = str(p, 'data');
    if (!data) throw new UsageError('compress: this model was trained on a table: give it with --data FILE.csv');
    const target = metadata.target;
    const fitted = { pre: Preprocessor.fromJSON(JSON.parse(metadata.preprocess)), classes: JSON.parse(metadata.classes) as string[] };
    const { ds } = tableDataset(loadTable(data, target, 'compress'), target, fitted);
    // rows of its own to score on let a user check each stage file with whittle predict on the same rows
    const testData = str(p, 'testData');
    if (testData) return { train: ds, test: tableDataset(loadTable(testData, target, 'compress'), target, fitted).ds };
    const split = trainValSplit(ds, 0.2, { seed, stratify: true });
    return { train: split.train, test: split.val };
  }
  if (str(p, 'testData')) throw new UsageError('compress: --test-data is for table models; for images give --test-images and --test-labels');
  // every stage is scored on pixels as the model was trained on them (predict reads its stage files so too)
  const { normalize, note } = modelNormalization(metadata, file, 'compress');
  const train = loadImages({ data: str(p, 'data'), images: str(p, 'images'), labels: str(p, 'labels'), limit: num(p, 'limit'), split: 'train', normalize }, 'compress');
  const test = str(p, 'testImages') ? loadImages({ images: str(p, 'testImages'), labels: str(p, 'testLabels'), normalize }, 'compress')
    : str(p, 'images') ? trainValSplit(train, 0.2, { seed }).val : loadImages({ data: 'mnist', split: 'test', normalize }, 'compress');
  // images of another size would fail deep inside the first layer's op, naming neither the model nor the file
  const sets: [TensorDataset, string | undefined, string][] = [[train, str(p, 'labels'), str(p, 'images') ?? 'MNIST'], [test, str(p, 'testImages') ? str(p, 'testLabels') : str(p, 'labels'), str(p, 'testImages') ?? str(p, 'images') ?? 'MNIST']];
  for (const [ds, labels, source] of sets) {
    checkImageInput(model, metadata, ds.x.shape.slice(1), source);
    checkLabels(ds.y, imageOutputs(model, ds.x, source, file), labels, `the model ${file}`, 'compress');
  }
  if (note) log(note);
  return { train, test };
}

/** Says why a --distill name cannot be built before any data is read (the build itself waits for the data's shape). */
function checkStudentName(name: string): void {
  if (name === 'lenet5' || name === 'lenet300100') return;
  if (name.endsWith('.json')) { requireFile(name, 'compress --distill'); return; }
  if (name === 'mlp' || name.startsWith('mlp:')) {
    const widths = name.includes(':') ? name.slice(4).split(',') : [];
    if (widths.some((w) => !/^\d+$/.test(w.trim()) || Number(w) <= 0)) throw new UsageError(`compress: --distill mlp:H1,H2,... needs positive integer widths, got ${name}`);
    return;
  }
  throw new UsageError(`compress: --distill must be lenet5, lenet300100, mlp:H1,H2,... or a .json spec, got ${name}`);
}

/**
 * The --distill student, built and run on one training sample before any pruning: a student that does not fit
 * the data (a JSON spec for other inputs, a LeNet-5 on a table) fails now, naming --distill and the mismatch,
 * rather than after all the pruning and quantizing, in the middle of distillation, with a bare op error.
 */
function buildStudent(name: string, train: TensorDataset, classes: number, seed: number): Module {
  const sample = train.x.shape.slice(1);
  const values = sample.reduce((a, b) => a * b, 1);
  const student = buildNamedModel(name, values, classes, seed, 'compress: --distill');
  const layers = leafModules(student);
  const first = layers.findIndex((m) => m.parameters().length > 0);
  const lin = layers[first];
  // the usual case said in the data's words: a Linear that reads the flattened sample
  if (lin instanceof Linear && layers.slice(0, first).every((m) => m instanceof Flatten) && lin.inFeatures !== values) {
    throw new UsageError(`compress: --distill ${name}: the student reads ${lin.inFeatures} values per sample; the data has ${values} (${fmtShape(sample)})`);
  }
  let outputs: number;
  try {
    outputs = predict(student, train.x.slice([0], [1])).shape.at(-1)!;
  } catch (e) {
    throw new UsageError(`compress: --distill ${name} does not fit the data's samples of ${fmtShape(sample)}: ${(e as Error).message}`);
  }
  if (outputs !== classes) throw new UsageError(`compress: --distill ${name}: the student gives ${outputs} outputs; the model it learns from gives ${classes}`);
  return student;
}

export function compressionSection(r: CompressionReport): NonNullable<ReportData['compression']> {
  return {
    stages: r.rows.map((s) => ({ stage: s.stage, params: s.parameters, nonzeros: s.nonzeros, bytes: s.bytes, accuracy: s.accuracy, latencyMs: s.latencyMs[1] ?? Object.values(s.latencyMs)[0], speedup: s.speedup[1] ?? Object.values(s.speedup)[0] })),
    sparsityCurve: r.plots.accuracyVsSparsity.filter((q) => q.retrained).map((q) => ({ sparsity: q.sparsity, accuracy: q.accuracy })),
  };
}

export async function runCompress(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<CompressionReport> {
  const file = p.positionals[0];
  if (!file) throw new UsageError('compress: give the model file: whittle compress MODEL.safetensors');
  const sparsity = num(p, 'sparsity')!;
  const seed = num(p, 'seed') ?? 0;
  // it seeds the retraining shuffle and the calibration batches (compressionReport's seed), the split and the student
  if (!Number.isSafeInteger(seed)) throw new UsageError(`compress: --seed must be an integer, got ${seed}`);
  const distill = str(p, 'distill');
  if (distill) checkStudentName(distill);
  const { model, metadata } = loadFloatModel(requireFile(file, 'compress'));
  const { train, test } = dataFor(p, file, model, metadata, seed, log);
  const outDir = resolve(str(p, 'outDir')!);
  const classes = outputFeatures(model) ?? (metadata.classes ? (JSON.parse(metadata.classes) as string[]).length : 10);
  const student: Module | undefined = distill ? buildStudent(distill, train, classes, seed) : undefined;
  // retraining and the student share one loader of this batch size; a small table gets enough steps to recover
  // from each pruning round
  const batchSize = 64;
  const table = metadata.input === 'table';
  const givenPerRound = num(p, 'epochsPerRound');
  const epochsPerRound = givenPerRound ?? (table ? epochsFor(train.length, batchSize, RETRAIN_BUDGET) : 1);
  const distillEpochs = num(p, 'distillEpochs') ?? (table ? epochsFor(train.length, batchSize, TRAIN_BUDGET) : 3);
  if (givenPerRound === undefined && epochsPerRound > 1) log(`retraining ${epochsPerRound} epochs a round (about ${RETRAIN_BUDGET.steps} steps on ${train.length.toLocaleString('en-US')} rows; --epochs-per-round to choose)`);
  // Ctrl-C: retraining stops at its next batch, the stages without training still write their files
  interrupt.install();
  const r = await compressionReportAsync(model, {
    train, test, dir: outDir, batchSize, lr: trainedLr(num(p, 'lr'), metadata), log, shouldStop: () => interrupt.requested, metadata, seed,
    prune: { sparsity, scope: str(p, 'scope') as 'layer' | 'global', rounds: num(p, 'rounds'), epochsPerRound },
    quantize: bool(p, 'quantize') ? {} : false,
    distill: student ? { student, epochs: distillEpochs } : undefined,
  });
  // the compression table is what the command is run for: stdout (retraining's progress and the notes: stderr)
  out(`${r.table}\n`);
  log(`files in ${outDir}${r.stopped ? ' (stopped early by Ctrl-C)' : ''}`);
  const report = str(p, 'report');
  if (report) writeReport(resolve(report), { title: `whittle compress ${file}`, compression: compressionSection(r) });
  return r;
}

/** The compression part of the main job: a trained LeNet-5 through prune -> retrain -> int8, plus a distilled student. */
export async function compressForDemo(model: Module, train: TensorDataset, test: TensorDataset, o: { seed: number; fast: boolean; log: (s: string) => void; say: (s: string) => void }): Promise<ReportData['compression']> {
  const r = await compressionReportAsync(model, {
    train, test, lr: 0.02, log: o.log, shouldStop: () => interrupt.requested, seed: o.seed,
    prune: { sparsity: 0.92, scope: 'global', rounds: o.fast ? 1 : 2, epochsPerRound: 1 },
    distill: { student: buildNamedModel('mlp:50', 784, 10, o.seed), epochs: o.fast ? 1 : 3, temperature: 4, alpha: 0.9, lr: 0.01 },
    latency: { batchSizes: [1, 64], minMs: o.fast ? 50 : 300 },
  });
  o.say(r.table);
  return compressionSection(r);
}
