// whittle nas: architecture search on a data set; prints the Pareto front; saves the chosen (retrained) model.
import { resolve } from 'node:path';
import { type CommandSpec, type Parsed, num, str, bool, UsageError } from '../args.js';
import { isTableSource, loadImages, tableForNetwork } from '../data.js';
import { NAS_TRIAL_BUDGET, TRAIN_BUDGET, epochsFor, type StepBudget } from '../epochs.js';
import { interrupt } from '../progress.js';
import { NAS_VAL_FRACTION, nas, type NasResult } from '../../search/nas/nas.js';
import type { NasObjective } from '../../search/nas/trial.js';
import { imageMetadata, saveModelWithSpec } from '../../core/io/model-file.js';
import { MNIST_NORMALIZATION } from '../../core/data/mnist.js';
import { type ReportData, writeReport } from '../report/html.js';

export const nasSpec: CommandSpec = {
  name: 'nas',
  summary: 'search network architectures (accuracy vs parameters vs latency); print the Pareto front; save the chosen model',
  usage: 'whittle nas [--data mnist|FILE.csv|iris|penguins|cars [--target COLUMN] | --images F --labels F] [--space cnn|mlp] [--budget SECONDS] [--out nas.safetensors]',
  options: {
    data: { type: 'string', path: 'input', help: 'mnist (the bundled MNIST), or a table: CSV/TSV/ARFF/JSON records or iris, penguins, cars (MLPs only)', default: 'mnist' },
    target: { type: 'string', help: 'the column to predict, for a table (a built-in table knows its own)' },
    images: { type: 'string', path: 'input', help: 'IDX images file (with --labels)' },
    labels: { type: 'string', path: 'input', help: 'IDX labels file' },
    space: { type: 'string', help: 'search space (default: cnn for images, mlp for a table)', choices: ['cnn', 'mlp'] },
    strategy: { type: 'string', help: 'search strategy', choices: ['random', 'tpe', 'evolution', 'hyperband'], default: 'hyperband' },
    objectives: { type: 'string', help: 'comma-separated: accuracy, params, latency. Latency is measured, so a strategy that learns from it (tpe, evolution) can take another path on a rerun with the same --seed; without latency the search repeats exactly', default: 'accuracy,params,latency' },
    budget: { type: 'number', above: 0, help: 'search time budget in seconds', default: 300 },
    trials: { type: 'number', integer: true, min: 1, help: 'stop after this many trials' },
    epochs: { type: 'number', above: 0, help: 'training epochs per trial (the maximum under hyperband) (default 1 for images; for a table about 500 steps, 3 to 100 epochs)' },
    limit: { type: 'number', integer: true, min: 1, help: 'training images used by the search (a table uses every row)', default: 12000 },
    maxParams: { type: 'number', integer: true, min: 1, help: 'the chosen model must have at most this many parameters' },
    retrainEpochs: { type: 'number', integer: true, min: 0, help: 'epochs to retrain the chosen architecture on train+val (0: none; default 3 for images, for a table about 1,500 steps)' },
    workers: { type: 'number', integer: true, min: 1, help: 'parallel trials on worker threads', default: 1 },
    journal: { type: 'string', path: 'output', help: 'append every finished trial here (JSON lines); rerun to resume' },
    out: { type: 'string', path: 'output', help: 'where to save the chosen model', default: 'nas.safetensors' },
    report: { type: 'string', path: 'output', help: 'also write an HTML report (every trial by accuracy and parameters with the Pareto front, the best score by trial)' },
    quiet: { type: 'boolean', help: 'no progress', default: false },
  },
  examples: ['whittle nas --budget 600 --max-params 100000', 'whittle nas --space mlp --strategy tpe --trials 30 --journal nas.jsonl', 'whittle nas --data penguins --trials 20 --epochs 20'],
};

const pct = (v: number | undefined) => (v === undefined ? '' : `${(100 * v).toFixed(2)}%`);

const OBJECTIVE_NAMES: Record<NasObjective, string> = { accuracy: 'accuracy', params: 'parameters', latency: 'latency' };

/**
 * The front in the search's own objectives: a search without latency had been titled 'accuracy vs parameters vs
 * latency' with a latency column of NaN (latency is measured only when it is an objective). Accuracy and
 * parameters are measured for every trial and always shown.
 */
export function paretoTable(res: NasResult): string {
  const rows = [...res.paretoFront].sort((a, b) => (a.metrics?.params ?? 0) - (b.metrics?.params ?? 0));
  const latency = res.objectives.includes('latency');
  const lines = [
    `Pareto front (${res.objectives.map((o) => OBJECTIVE_NAMES[o] ?? o).join(' vs ')}):`,
    `  trial   val acc     params${latency ? '   latency ms' : ''}   architecture`,
  ];
  for (const t of rows) {
    const m = t.metrics!;
    const cells = [String(t.index).padStart(7), pct(m.accuracy).padStart(8), String(m.params).padStart(9)];
    if (latency) cells.push((m.latencyMs ?? NaN).toFixed(3).padStart(11));
    lines.push(`${cells.join('  ')}   ${JSON.stringify(t.config)}`);
  }
  return lines.join('\n');
}

/** The NAS section of the report from a result. */
export function nasReport(res: NasResult): NonNullable<ReportData['nas']> {
  const front = new Set(res.paretoFront.map((t) => t.index));
  return {
    trials: res.trials.filter((t) => t.state === 'complete' && t.metrics).map((t) => ({ accuracy: t.metrics!.accuracy, params: t.metrics!.params, latencyMs: t.metrics!.latencyMs, pareto: front.has(t.index), label: `#${t.index}` })),
    history: res.history.filter((h) => h.best !== undefined && Number.isFinite(h.best)).map((h) => ({ trial: h.index, best: h.best as number })),
    best: res.best?.metrics ? { accuracy: res.best.metrics.accuracy, params: res.best.metrics.params, testAccuracy: res.model?.testAccuracy, description: JSON.stringify(res.best.config) } : undefined,
  };
}

/**
 * What a table's trials and retraining will train, in steps of batches of 64 (the steps the defaults aim at, and
 * where a default stops at its fewest or most epochs). The line had quoted the defaults' aims whatever ran: '5
 * epochs a trial (about 500 steps in batches of 64)' for --epochs 5 on Iris (15 steps), '100 epochs a trial (about
 * 500 steps ...)' where the cap of 100 epochs makes 300, '0 to retrain the pick (about 1,500)' for --retrain-epochs 0.
 */
export function tableTrainingLine(o: { trainRows: number; rows: number; epochsPerTrial: number; retrainEpochs: number; epochsGiven: boolean; retrainGiven: boolean }): string {
  const length = (epochs: number, rows: number, budget: StepBudget, given: boolean, unit: string) => {
    const steps = Math.max(1, Math.round(epochs * Math.max(1, Math.ceil(rows / 64))));
    // a default held to its fewest or most epochs misses the steps it aims at: say why
    const bound = given ? '' : epochs === budget.max && steps < budget.steps ? `; the default stops at ${budget.max} epochs` : epochs === budget.min && steps > budget.steps ? `; the default trains at least ${budget.min}` : '';
    return `about ${steps.toLocaleString('en-US')} ${unit}${bound}`;
  };
  const epochs = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;
  const trial = `${epochs(o.epochsPerTrial)} a trial (${length(o.epochsPerTrial, o.trainRows, NAS_TRIAL_BUDGET, o.epochsGiven, 'steps in batches of 64')})`;
  const retrain = o.retrainEpochs > 0 ? `${o.retrainEpochs} to retrain the pick (${length(o.retrainEpochs, o.rows, TRAIN_BUDGET, o.retrainGiven, 'steps')})` : 'no retraining of the pick';
  return `${trial} and ${retrain}; --epochs and --retrain-epochs to choose`;
}

export async function runNas(p: Parsed, log: (s: string) => void, out: (s: string) => void): Promise<NasResult> {
  // the front, the pick and its test accuracy are what the command is run for: stdout (progress and notes: stderr)
  const say = (s: string) => out(`${s}\n`);
  interrupt.install();
  const objectives = str(p, 'objectives')!.split(',').map((s) => s.trim()) as NasObjective[];
  // the search has no MACs objective (a maxMacs constraint in the library): 'macs' had passed here and been refused by nas()
  for (const o of objectives) if (!Object.hasOwn(OBJECTIVE_NAMES, o)) throw new UsageError(`nas: --objectives must be among ${Object.keys(OBJECTIVE_NAMES).join(', ')}, got ${o}`);
  const budget = num(p, 'budget')!;
  // a table searches MLPs on its encoded rows, and the saved model keeps what predict needs to read raw rows (as train's)
  const source = str(p, 'data')!;
  const onTable = !str(p, 'images') && isTableSource(source);
  const space = (str(p, 'space') ?? (onTable ? 'mlp' : 'cnn')) as 'cnn' | 'mlp';
  let meta: Record<string, string> = { input: 'images' };
  let data: 'mnist' | ReturnType<typeof loadImages>;
  // a table's rows (0 for images): its default epochs are counted in them
  let rows = 0;
  if (onTable) {
    if (space === 'cnn') throw new UsageError(`nas: --space cnn needs images; a table (${source}) searches --space mlp`);
    ({ ds: data, meta } = tableForNetwork(source, str(p, 'target'), 'nas', log));
    rows = data.length;
  } else if (str(p, 'images')) {
    // the search trains on MNIST-normalized pixels, as the bundled MNIST is read: recorded, as train records it
    data = loadImages({ images: str(p, 'images'), labels: str(p, 'labels'), limit: num(p, 'limit'), normalize: MNIST_NORMALIZATION }, 'nas');
    meta = imageMetadata({ shape: data.x.shape.slice(1), normalize: MNIST_NORMALIZATION });
  } else if (source === 'mnist') {
    data = 'mnist';
    meta = imageMetadata({ shape: [1, 28, 28], normalize: MNIST_NORMALIZATION });
  }
  else throw new UsageError(`nas: --data must be mnist or a table (CSV/TSV/ARFF/JSON records, iris, penguins, cars), or give --images and --labels; got ${source}`);
  // a table's trials and retraining get a step budget as train's default does (one epoch of a few hundred rows is a
  // handful of steps: the retrained penguins model had scored 85% after 3 epochs where its trial reached 100%)
  // (a trial trains on the rows the search does not hold out to score it)
  const trainRows = Math.round((1 - NAS_VAL_FRACTION) * rows);
  const epochsPerTrial = num(p, 'epochs') ?? (onTable ? epochsFor(trainRows, 64, NAS_TRIAL_BUDGET) : 1);
  const retrainEpochs = num(p, 'retrainEpochs') ?? (onTable ? epochsFor(rows, 64, TRAIN_BUDGET) : 3);
  if (onTable && (num(p, 'epochs') === undefined || num(p, 'retrainEpochs') === undefined)) {
    log(tableTrainingLine({ trainRows, rows, epochsPerTrial, retrainEpochs, epochsGiven: num(p, 'epochs') !== undefined, retrainGiven: num(p, 'retrainEpochs') !== undefined }));
  }
  const res = await nas({
    data, space, objectives, strategy: str(p, 'strategy') as 'hyperband', trials: num(p, 'trials'), budgetSeconds: budget,
    epochsPerTrial, seed: num(p, 'seed'), workers: num(p, 'workers'), journal: str(p, 'journal'), signal: interrupt.controller.signal,
    mnist: { search: num(p, 'limit') }, constraints: num(p, 'maxParams') ? { maxParams: num(p, 'maxParams') } : undefined,
    retrain: retrainEpochs > 0 ? { epochs: retrainEpochs } : false,
    onProgress: !bool(p, 'quiet'),
  });
  say(`${res.trials.length} trials, ${res.epochsSpent.toFixed(1)} epochs of training in ${(res.elapsedMs / 1000).toFixed(0)} s`);
  say(paretoTable(res));
  if (res.best?.metrics) say(`chosen: trial ${res.best.index}, ${res.best.metrics.params} parameters, val acc ${pct(res.best.metrics.accuracy)}`);
  if (res.model) {
    const file = resolve(str(p, 'out')!);
    saveModelWithSpec(file, res.model.model, { ...meta, nasConfig: JSON.stringify(res.model.arch.config), testAccuracy: String(res.model.testAccuracy ?? '') });
    const untested = onTable ? 'no held-out rows to score it on: the table is searched and retrained on' : 'no test images to score it on: --images are searched and retrained on';
    const tested = res.model.testAccuracy === undefined ? ` (${untested})` : `: test accuracy ${pct(res.model.testAccuracy)}`;
    say(`retrained for ${res.model.epochs} epoch${res.model.epochs === 1 ? '' : 's'}${tested}`);
    log(`saved ${file}`);
  } else if (res.best && retrainEpochs === 0) {
    // the trials' weights are not kept (a search trains hundreds of models): with no retraining there is no model
    log(`no model saved: --retrain-epochs 0 trains none (the trials' weights are not kept); the chosen architecture is ${JSON.stringify(res.best.config)}, --retrain-epochs N trains and saves it`);
  } else if (!res.best) log('no model saved: no trial completed (a larger --budget or fewer --epochs gives one time to)');
  const report = str(p, 'report');
  if (report) {
    writeReport(resolve(report), { title: `whittle nas ${str(p, 'images') ?? source}`, nas: nasReport(res) });
    log(`wrote the report to ${resolve(report)}`);
  }
  return res;
}

/** The short search of the main job. */
export async function nasForDemo(o: { seed: number; fast: boolean; seconds: number; say: (s: string) => void }): Promise<ReportData['nas']> {
  // Random search over MLPs (cheap trials), so that a budget of well under a minute still completes a dozen
  // architectures and gives a real front; `whittle nas` defaults to CNNs and Hyperband for longer searches.
  const res = await nas({
    data: 'mnist', space: 'mlp', objectives: ['accuracy', 'params', 'latency'], strategy: 'random', budgetSeconds: o.seconds, epochsPerTrial: 1, seed: o.seed,
    mnist: { search: o.fast ? 1000 : 3000, retrain: o.fast ? 1000 : 12000, test: o.fast ? 300 : 5000 }, retrain: { epochs: o.fast ? 1 : 2 }, signal: interrupt.controller.signal,
    constraints: { maxParams: 100_000 },
  });
  o.say(paretoTable(res));
  if (res.model) o.say(`chosen architecture retrained: ${res.model.params} parameters, test accuracy ${pct(res.model.testAccuracy)}`);
  return nasReport(res);
}
