// One call that takes a trained model through prune -> retrain -> int8 quantize (-> distill) and reports, per stage:
// parameters, nonzeros, real bytes on disk of the saved artefact, test accuracy, measured latency per sample and
// speedup over the dense float model; plus the points for accuracy-vs-sparsity and size-vs-accuracy plots.
import { ArgumentError, DataLoader, SGD, evaluate, modelToSpec, noGrad, randn, runSteps, runStepsAsync, saveModelWithSpec, Random, type Module, type Tensor, type TensorDataset } from '../core/index.js';
import { nodeBuiltin } from '../core/node-builtins.js';
import { iterativePruneSteps, geometricSchedule } from './prune-schedule.js';
import { type PruneScope, weightSparsity } from './prune.js';
import { saveSparseModel } from './sparse-format.js';
import { quantizeModel, saveQuantizedModel } from './quantize.js';
import { distillSteps } from './distill.js';
import type { ObserverOptions } from './observers.js';

export interface StageRow {
  stage: string;
  parameters: number;
  nonzeros: number;
  /** Size of the artefact file on disk, in bytes. */
  bytes: number;
  file: string;
  /** Dense float32 bytes / this stage's bytes. */
  compression: number;
  accuracy: number;
  /** Milliseconds per sample by batch size. */
  latencyMs: Record<number, number>;
  /** Dense latency / this latency, by batch size. */
  speedup: Record<number, number>;
}

export interface CompressionReport {
  rows: StageRow[];
  table: string;
  /** shouldStop fired: pruning stopped where it was (fewer rounds, or a round's retraining cut short); a student not yet begun was skipped, one in training stopped at its batch. */
  stopped: boolean;
  plots: {
    accuracyVsSparsity: Array<{ sparsity: number; accuracy: number; retrained: boolean }>;
    sizeVsAccuracy: Array<{ stage: string; bytes: number; accuracy: number }>;
  };
}

export interface ReportOptions {
  train: TensorDataset;
  test: TensorDataset;
  /** Where artefacts are written, made if missing (default: a fresh temp directory). */
  dir?: string;
  /** The learning rate the model was trained with; retraining runs at a tenth of it. */
  lr: number;
  batchSize?: number;
  prune: { sparsity: number | Record<string, number>; scope?: PruneScope; rounds?: number; epochsPerRound: number };
  quantize?: false | { calibrationBatches?: number; observer?: ObserverOptions };
  distill?: { student: Module; epochs: number; alpha?: number; temperature?: number; lr?: number };
  /** Batch sizes to time (default [1, 64]) and the minimum time per measurement. */
  latency?: { batchSizes?: number[]; minMs?: number };
  /**
   * Seeds the random choices (default 0): the retraining (and distillation) loader shuffles with seed + 1, the
   * calibration batches are drawn with seed + 2, as the fixed seeds 1 and 2 of before for the default.
   */
  seed?: number;
  log?: (line: string) => void;
  /**
   * The trained model's file metadata (what it reads: input kind, image shape and normalization, or a table's
   * target, classes and preprocessing). Every stage file carries it, with its own architecture and `stage`, so
   * each one alone rebuilds a model that predicts the rows the source model did.
   */
  metadata?: Record<string, string>;
  /**
   * Checked after every training batch (e.g. a Ctrl-C flag). Once true, retraining stops at that batch and no
   * further pruning round begins; the stages that need no training still run on the model as it is (the pruned
   * file, int8 quantization: seconds), and the distilled student is skipped. `stopped` in the report says so.
   */
  shouldStop?: () => boolean;
}

/** Milliseconds per sample of model.forward on a random batch, after a warm-up, repeated for at least minMs. */
export function measureLatency(model: Module, sampleShape: readonly number[], batch: number, minMs = 300): number {
  const x = randn([batch, ...sampleShape], { rng: new Random(1) });
  model.eval();
  return noGrad(() => {
    model.forward(x);
    let iters = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs || iters < 3) { model.forward(x); iters++; t = performance.now(); }
    return (t - t0) / iters / batch;
  });
}

function countNonzero(m: Module): number {
  let n = 0;
  for (const t of m.parameters()) for (let i = 0; i < t.size; i++) if (t.data[i] !== 0) n++;
  return n;
}

/** Prints rows as an aligned text table. */
export function formatReport(rows: StageRow[]): string {
  const batches = rows.length ? Object.keys(rows[0].latencyMs).map(Number) : [];
  const head = ['stage', 'params', 'nonzeros', 'bytes', 'smaller', 'test acc', ...batches.map((b) => `ms/sample b${b}`), ...batches.map((b) => `speedup b${b}`)];
  const body = rows.map((r) => [
    r.stage, r.parameters.toLocaleString('en-US'), r.nonzeros.toLocaleString('en-US'), r.bytes.toLocaleString('en-US'), `${r.compression.toFixed(1)}x`,
    `${(100 * r.accuracy).toFixed(2)}%`, ...batches.map((b) => r.latencyMs[b].toFixed(4)), ...batches.map((b) => `${r.speedup[b].toFixed(2)}x`),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Runs the whole pipeline on a trained float model (which it modifies: it ends pruned and retrained). */
export function compressionReport(model: Module, o: ReportOptions): CompressionReport {
  return runSteps(compressionSteps(model, o));
}

/** compressionReport that gives the event loop a turn after every training batch, so a Ctrl-C handler can set shouldStop. */
export function compressionReportAsync(model: Module, o: ReportOptions): Promise<CompressionReport> {
  return runStepsAsync(compressionSteps(model, o));
}

/** Refuses options that would run to a silently wrong report, naming the option and the value. */
function checkReportOptions(o: ReportOptions): void {
  const bad = (what: string, want: string, got: unknown): never => {
    throw new ArgumentError(`compressionReport: ${what} must be ${want}, got ${Array.isArray(got) ? `[${got.join(', ')}]` : String(got)}`);
  };
  const isInt = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  if (!(typeof o.lr === 'number' && o.lr > 0 && Number.isFinite(o.lr))) bad('lr', 'a positive finite number', o.lr);
  // rounds 2.5 had run a schedule of 2 rounds ending short of the sparsity asked; 0 had said 'schedule must list at least one sparsity'
  if (o.prune.rounds !== undefined && !isInt(o.prune.rounds, 1)) bad('prune.rounds', 'an integer >= 1', o.prune.rounds);
  if (o.quantize && o.quantize.calibrationBatches !== undefined && !isInt(o.quantize.calibrationBatches, 1)) {
    bad('quantize.calibrationBatches', 'an integer >= 1', o.quantize.calibrationBatches); // 0 had calibrated on one batch
  }
  const sizes = o.latency?.batchSizes;
  if (sizes !== undefined && !(Array.isArray(sizes) && sizes.length > 0 && sizes.every((b) => isInt(b, 1)))) bad('latency.batchSizes', 'a list of positive integers', sizes); // [0] had timed NaN ms
  const minMs = o.latency?.minMs;
  if (minMs !== undefined && !(typeof minMs === 'number' && minMs >= 0 && Number.isFinite(minMs))) bad('latency.minMs', 'a finite number >= 0', minMs);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) bad('seed', 'an integer', o.seed);
  // the student trains last: a bad figure had surfaced only after all the pruning and quantizing
  const d = o.distill;
  if (d) {
    if (!isInt(d.epochs, 0)) bad('distill.epochs', 'an integer >= 0', d.epochs);
    if (d.alpha !== undefined && !(d.alpha >= 0 && d.alpha <= 1)) bad('distill.alpha', 'in [0,1]', d.alpha);
    if (d.temperature !== undefined && !(d.temperature > 0 && Number.isFinite(d.temperature))) bad('distill.temperature', 'a positive finite number', d.temperature);
    if (d.lr !== undefined && !(d.lr > 0 && Number.isFinite(d.lr))) bad('distill.lr', 'a positive finite number', d.lr);
  }
}

function* compressionSteps(model: Module, o: ReportOptions): Generator<void, CompressionReport> {
  checkReportOptions(o);
  const inBrowser = 'each stage is measured as a saved file: run it in Node';
  const { mkdirSync, mkdtempSync, statSync } = nodeBuiltin('fs', 'compressionReport', inBrowser);
  const { join } = nodeBuiltin('path', 'compressionReport', inBrowser);
  const { tmpdir } = nodeBuiltin('os', 'compressionReport', inBrowser);
  if (o.dir) mkdirSync(o.dir, { recursive: true });
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'whittle-report-'));
  const sample = o.test.x.shape.slice(1);
  const batches = o.latency?.batchSizes ?? [1, 64];
  const minMs = o.latency?.minMs ?? 300;
  const log = o.log ?? (() => {});
  const rows: StageRow[] = [];
  let dense: StageRow | null = null;
  const addRow = (stage: string, m: Module, file: string, nonzeros: number, parameters = m.numParameters()): StageRow => {
    const latencyMs: Record<number, number> = {};
    for (const b of batches) latencyMs[b] = measureLatency(m, sample, b, minMs);
    const bytes = statSync(file).size;
    const row: StageRow = {
      stage, parameters, nonzeros, bytes, file, accuracy: evaluate(m, o.test).accuracy, latencyMs,
      compression: dense ? dense.bytes / bytes : 1,
      speedup: Object.fromEntries(batches.map((b) => [b, dense ? dense.latencyMs[b] / latencyMs[b] : 1])),
    };
    rows.push(row);
    log(`${stage}: acc ${(100 * row.accuracy).toFixed(2)}%  ${bytes.toLocaleString('en-US')} bytes`);
    return row;
  };

  // what each file says of itself (format, architecture) is its own; what the model reads comes from the source
  const { format: _f, arch: _a, layers: _l, sparse: _s, ...reads } = o.metadata ?? {};
  const meta = (stage: string, own: Record<string, string> = {}): Record<string, string> => ({ ...reads, stage, ...own });
  const densePath = join(dir, 'dense.safetensors');
  saveModelWithSpec(densePath, model, meta('dense float32'));
  dense = addRow('dense float32', model, densePath, countNonzero(model));

  const seed = o.seed ?? 0;
  const loader = new DataLoader(o.train, { batchSize: o.batchSize ?? 64, shuffle: true, seed: seed + 1 });
  const rounds = o.prune.rounds ?? 3;
  const final = o.prune.sparsity;
  const schedule: Array<number | Record<string, number>> = typeof final === 'number' ? geometricSchedule(final, rounds)
    : Array.from({ length: rounds }, (_, r) => Object.fromEntries(Object.entries(final).map(([k, s]) => [k, 1 - (1 - s) ** ((r + 1) / rounds)])));
  const { rounds: history } = yield* iterativePruneSteps(model, loader, { schedule, scope: o.prune.scope, epochsPerRound: o.prune.epochsPerRound, lr: o.lr, val: o.test, log, shouldStop: o.shouldStop });
  const stopped = o.shouldStop?.() ?? false;
  if (stopped) log(`${history.length === 0 ? 'stopped before the first pruning round' : `stopped early in pruning round ${history.length} of ${rounds}`}: the stages without training follow${o.distill ? ', the student is skipped' : ''}`);
  // a layer pruned to nothing passes on its bias alone, whatever its input: said, as a user asking 0.999 of a small
  // network had every weight removed without a word
  for (const [name, l] of Object.entries(weightSparsity(model).layers)) {
    if (l.nonzero === 0) log(`warning: ${name} has no weights left (all ${l.size.toLocaleString('en-US')} pruned): its layer's output no longer depends on its input; a lower --sparsity or --scope global keeps some`);
  }
  const sparsePath = join(dir, 'pruned-f32.safetensors');
  // with no retraining epochs (epochsPerRound 0) the row is pruned only, and says so
  const prunedStage = o.prune.epochsPerRound > 0 ? 'pruned + retrained (sparse f32)' : 'pruned, not retrained (sparse f32)';
  saveSparseModel(sparsePath, model, { values: 'float32', metadata: meta(prunedStage, { arch: JSON.stringify(modelToSpec(model)) }) });
  addRow(prunedStage, model, sparsePath, countNonzero(model));

  if (o.quantize !== false) {
    const calibN = o.quantize?.calibrationBatches ?? 8;
    const calib: Tensor[] = [];
    for (const [x] of new DataLoader(o.train, { batchSize: 64, shuffle: true, seed: seed + 2 })) { calib.push(x); if (calib.length >= calibN) break; }
    const q = quantizeModel(model, calib, { observer: o.quantize?.observer });
    const qPath = join(dir, 'pruned-int8-runtime.safetensors');
    saveQuantizedModel(qPath, q, meta('pruned + int8 (runtime file)'));
    addRow('pruned + int8 (runtime file)', q, qPath, countNonzero(model), model.numParameters());
    // the runtime model's own int8 weights, sparse and Huffman coded: decoded, the file is that model exactly
    // (same weights, scales and activation ranges), so the row's accuracy, measured on q, is the file's
    const dcPath = join(dir, 'pruned-int8-huffman.safetensors');
    const weightsQ = Object.keys(q.stateDict()).filter((k) => k.endsWith('.weightQ'));
    saveSparseModel(dcPath, q, { names: weightsQ, huffman: true, metadata: meta('pruned + int8 + sparse + Huffman', { layers: JSON.stringify(q.specs()) }) });
    addRow('pruned + int8 + sparse + Huffman', q, dcPath, countNonzero(model), model.numParameters());
  }

  if (o.distill && !stopped) {
    const d = o.distill;
    yield* distillSteps(d.student, model, loader, { epochs: d.epochs, alpha: d.alpha, temperature: d.temperature, optimizer: (p) => new SGD(p, { lr: d.lr ?? o.lr, momentum: 0.9 }), shouldStop: o.shouldStop });
    if (o.shouldStop?.()) log('stopped early: the student row is the student as far as it was trained');
    const sPath = join(dir, 'student.safetensors');
    // the student reads what the teacher read; the teacher's own figures (epochs, accuracy, learning rate, NAS config) are not its
    const { trainedEpochs: _e, valAccuracy: _v, testAccuracy: _t, nasArch: _na, nasConfig: _nc, lr: _lr, optimizer: _opt, ...studentReads } = reads;
    saveModelWithSpec(sPath, d.student, { ...studentReads, stage: 'distilled student (f32)' });
    addRow('distilled student (f32)', d.student, sPath, countNonzero(d.student));
  }

  const accuracyVsSparsity = [{ sparsity: 0, accuracy: dense.accuracy, retrained: true }];
  for (const r of history) {
    if (r.prunedAccuracy !== undefined) accuracyVsSparsity.push({ sparsity: r.sparsity, accuracy: r.prunedAccuracy, retrained: false });
    if (r.accuracy !== undefined) accuracyVsSparsity.push({ sparsity: r.sparsity, accuracy: r.accuracy, retrained: true });
  }
  return {
    rows,
    table: formatReport(rows),
    stopped: stopped || (o.shouldStop?.() ?? false),
    plots: { accuracyVsSparsity, sizeVsAccuracy: rows.map((r) => ({ stage: r.stage, bytes: r.bytes, accuracy: r.accuracy })) },
  };
}
