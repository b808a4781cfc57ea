// The NAS objective as a module, for the study's worker threads: a worker imports this file and
// calls `nasObjective`; the trial's meta names a task folder (written by nas()) holding the task
// and where the data comes from. Data is loaded once per worker and cached. Each trial's full
// metrics go to `<folder>/metrics/<index>.json`, since the study keeps only the objective values.

import { ArgumentError } from '../../core/errors.js';
import { nodeBuiltin } from '../../core/node-builtins.js';
import { mnistDataset, TensorDataset, trainValSplit } from '../../core/data/dataset.js';
import { loadTensors, saveTensors } from '../../core/io/model-file.js';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import type { Config } from '../space.js';
import type { Trial } from '../workers.js';
import { objectiveValues, runTrial, type TrialMetrics, type TrialTask } from './trial.js';

/** The task folder lives on disk: Node only (nas() runs its trials in process with workers: 1, as in a browser). */
const node = <K extends 'fs' | 'os' | 'path'>(id: K) => nodeBuiltin(id, 'nas: workers > 1', 'use workers: 1');
const fs = () => node('fs');
const path = () => node('path');

/** Where a study's training and validation data come from. */
export type DataSpec =
  | { readonly kind: 'mnist'; readonly limit?: number; readonly valFraction: number; readonly seed: number }
  | { readonly kind: 'file'; readonly path: string };

export interface TaskFile {
  readonly task: TrialTask;
  readonly data: DataSpec;
}

export interface SplitData {
  train: TensorDataset;
  val: TensorDataset;
}

/** The training/validation split of a data spec (MNIST is split with a seeded stratified shuffle). */
export function loadSplit(spec: DataSpec): SplitData {
  if (spec.kind === 'mnist') return trainValSplit(mnistDataset('train', { limit: spec.limit }), spec.valFraction, { seed: spec.seed, stratify: true });
  const { tensors } = loadTensors(spec.path);
  for (const k of ['trainX', 'trainY', 'valX', 'valY']) if (!tensors[k]) throw new ArgumentError(`nas: data file ${spec.path} must hold ${k}, got [${Object.keys(tensors).join(', ')}]`);
  return { train: new TensorDataset(tensors.trainX, tensors.trainY), val: new TensorDataset(tensors.valX, tensors.valY) };
}

/** Writes a task folder for worker threads: task.json (+ data.safetensors for in-memory data). */
export function writeTaskFolder(dir: string, task: TrialTask, data: DataSpec | SplitData): string {
  fs().mkdirSync(path().join(dir, 'metrics'), { recursive: true });
  let spec: DataSpec;
  if ('kind' in data) spec = data;
  else {
    const file = path().join(dir, 'data.safetensors');
    saveTensors(file, { trainX: data.train.x, trainY: data.train.y, valX: data.val.x, valY: data.val.y });
    spec = { kind: 'file', path: file };
  }
  const file: TaskFile = { task, data: spec };
  writeFileAtomic(path().join(dir, 'task.json'), JSON.stringify(file));
  return dir;
}

/** A fresh task folder in the OS's temp folder, written for worker threads (writeTaskFolder); removeTaskFolder deletes it. */
export function createTaskFolder(task: TrialTask, data: DataSpec | SplitData): string {
  const tmp = node('os').tmpdir();
  return writeTaskFolder(fs().mkdtempSync(path().join(tmp, 'whittle-nas-')), task, data);
}

export function removeTaskFolder(dir: string): void {
  fs().rmSync(dir, { recursive: true, force: true });
}

/** Metrics a worker wrote for trial `index`, or undefined. */
export function readTrialMetrics(dir: string, index: number): TrialMetrics | undefined {
  const file = path().join(dir, 'metrics', `${index}.json`);
  return fs().existsSync(file) ? (JSON.parse(fs().readFileSync(file, 'utf8')) as TrialMetrics) : undefined;
}

const cache = new Map<string, { file: TaskFile; data: SplitData }>();

/** The module objective: `{ module: <this file>, exportName: 'nasObjective' }`, with `meta.task` set to a task folder. */
export function nasObjective(config: Config, trial: Trial): number[] {
  const dir = trial.meta?.task;
  if (typeof dir !== 'string') throw new ArgumentError('nasObjective: trial.meta.task must name a task folder, got none');
  let entry = cache.get(dir);
  if (!entry) {
    const file = JSON.parse(fs().readFileSync(path().join(dir, 'task.json'), 'utf8')) as TaskFile;
    entry = { file, data: loadSplit(file.data) };
    cache.set(dir, entry);
  }
  const metrics = runTrial(config, trial, entry.file.task, entry.data);
  writeFileAtomic(path().join(dir, 'metrics', `${trial.index}.json`), JSON.stringify(metrics));
  return objectiveValues(metrics, entry.file.task.studyObjectives ?? entry.file.task.objectives);
}
