import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, Flatten, Linear, ReLU, Random, SGD, Sequential, evaluate, fit, lenet300100, loadModel, loadTensors, mnistDataset, type Module } from '../../core/index.js';
import { compressionReport, compressionReportAsync } from '../../compress/report.js';
import { loadSparseModel, loadSparseNetwork } from '../../compress/sparse-format.js';
import { loadQuantizedModel } from '../../compress/quantize.js';
import { smallMlp, synthetic } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-report-'));

/** A stage file loaded as predict loads it, by its format. */
function loadStageFile(path: string): { model: Module; metadata: Record<string, string> } {
  const { metadata } = loadTensors(path);
  if (metadata.format === 'whittle-sparse') return loadSparseNetwork(path);
  if (metadata.format === 'whittle-quantized') return { model: loadQuantizedModel(path), metadata };
  return loadModel(path);
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compression report', () => {
  it('takes a small MNIST model through prune -> retrain -> int8 -> distill with real file sizes', () => {
    const train = mnistDataset('train', { limit: 1000 });
    const test = mnistDataset('test', { limit: 300 });
    const model = lenet300100(0);
    fit(model, new DataLoader(train, { batchSize: 32, shuffle: true }), { epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) });
    const rng = new Random(1);
    const student = new Sequential(new Flatten(), new Linear(784, 20, { rng }), new ReLU(), new Linear(20, 10, { rng }));
    const lines: string[] = [];
    const r = compressionReport(model, {
      train, test, dir, lr: 0.05, prune: { sparsity: 0.9, scope: 'layer', rounds: 2, epochsPerRound: 1 },
      distill: { student, epochs: 1 }, latency: { batchSizes: [1, 16], minMs: 10 }, log: (l) => lines.push(l),
      metadata: { input: 'images', shape: '[1,28,28]', arch: '"the source\'s, not theirs"', trainedEpochs: '1' },
    });
    expect(r.rows.map((x) => x.stage)).toEqual(['dense float32', 'pruned + retrained (sparse f32)', 'pruned + int8 (runtime file)', 'pruned + int8 + sparse + Huffman', 'distilled student (f32)']);
    for (const row of r.rows) {
      expect(row.bytes).toBe(statSync(row.file).size);
      expect(row.accuracy).toBeGreaterThan(0.5);
      expect(row.latencyMs[1]).toBeGreaterThan(0);
    }
    const [dense, pruned, int8, dc] = r.rows;
    expect(pruned.nonzeros).toBeLessThan(dense.nonzeros * 0.12);
    expect(pruned.compression).toBeGreaterThan(4);
    expect(int8.compression).toBeGreaterThan(3.5);
    expect(dc.compression).toBeGreaterThan(pruned.compression * 2);
    expect(r.table).toMatch(/stage\s+params\s+nonzeros\s+bytes\s+smaller\s+test acc\s+ms\/sample b1/);
    expect(r.plots.accuracyVsSparsity.length).toBe(5);
    expect(r.plots.sizeVsAccuracy).toHaveLength(5);
    // Every file alone rebuilds the model its row scored, saying what it reads and which stage it is
    for (const row of r.rows) {
      const { model: m, metadata } = loadStageFile(row.file);
      expect(metadata, row.file).toMatchObject({ input: 'images', shape: '[1,28,28]', stage: row.stage });
      expect(evaluate(m, test).accuracy, row.stage).toBe(row.accuracy);
    }
    expect(loadStageFile(dense.file).metadata.trainedEpochs).toBe('1');
    expect(loadStageFile(r.rows[4].file).metadata.trainedEpochs).toBeUndefined(); // the teacher's, not the student's
    // Artefacts load back.
    const m2 = lenet300100(3);
    loadSparseModel(pruned.file, m2);
    expect(loadQuantizedModel(int8.file).layers.length).toBeGreaterThan(0);
    expect(r.stopped).toBe(false);
  });

  it('async: a flag set by the event loop (a Ctrl-C handler) stops retraining; the files are still written, no student is trained', async () => {
    const train = mnistDataset('train', { limit: 600 });
    const test = mnistDataset('test', { limit: 200 });
    const model = lenet300100(1);
    fit(model, new DataLoader(train, { batchSize: 32, shuffle: true }), { epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) });
    let stop = false;
    // runs only when the work hands the event loop a turn, i.e. between training batches
    setImmediate(() => (stop = true));
    const rng = new Random(2);
    const student = new Sequential(new Flatten(), new Linear(784, 20, { rng }), new ReLU(), new Linear(20, 10, { rng }));
    const before = Array.from(student.parameters()[0].data);
    const lines: string[] = [];
    const r = await compressionReportAsync(model, {
      train, test, dir: join(dir, 'stopped'), lr: 0.05, prune: { sparsity: 0.9, scope: 'layer', rounds: 3, epochsPerRound: 2 },
      distill: { student, epochs: 1 }, latency: { batchSizes: [1], minMs: 5 }, log: (l) => lines.push(l), shouldStop: () => stop,
    });
    expect(r.stopped).toBe(true);
    expect(r.rows.map((x) => x.stage)).toEqual(['dense float32', 'pruned + retrained (sparse f32)', 'pruned + int8 (runtime file)', 'pruned + int8 + sparse + Huffman']);
    for (const row of r.rows) expect(row.bytes).toBe(statSync(row.file).size);
    // round 1 of 3 of the geometric schedule to 90%: about 1 - 0.1^(1/3) = 53.6% of the weights gone, not 90%
    const sparsity = 1 - r.rows[1].nonzeros / r.rows[0].nonzeros;
    expect(sparsity).toBeGreaterThan(0.5);
    expect(sparsity).toBeLessThan(0.6);
    expect(lines.join('\n')).toMatch(/stopped early in pruning round 1 of 3: the stages without training follow, the student is skipped/);
    expect(Array.from(student.parameters()[0].data)).toEqual(before);
    loadSparseModel(r.rows[1].file, lenet300100(3));
  });

  it('with no retraining says the pruned row is not retrained, and warns of a layer pruned to nothing', () => {
    const train = mnistDataset('train', { limit: 100 });
    const test = mnistDataset('test', { limit: 50 });
    const rng = new Random(4);
    const model = new Sequential(new Flatten(), new Linear(784, 3, { rng }), new ReLU(), new Linear(3, 10, { rng }));
    const lines: string[] = [];
    const r = compressionReport(model, {
      train, test, dir: join(dir, 'bare'), lr: 0.05, prune: { sparsity: 0.999, scope: 'layer', rounds: 1, epochsPerRound: 0 },
      quantize: false, latency: { batchSizes: [1], minMs: 5 }, log: (l) => lines.push(l),
    });
    expect(r.rows.map((x) => x.stage)).toEqual(['dense float32', 'pruned, not retrained (sparse f32)']);
    // 0.1% of the second layer's 30 weights rounds to none; the first keeps 2 of its 2,352
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([
      "warning: 3.weight has no weights left (all 30 pruned): its layer's output no longer depends on its input; a lower --sparsity or --scope global keeps some",
    ]);
  });

  it('seed drives the retraining shuffle and the calibration batches: the same seed writes the same bytes, another seed other ones', () => {
    // the loaders had used the fixed seeds 1 and 2, so whittle compress --seed 1 and --seed 12345 wrote identical files
    const files = (name: string, seed: number | undefined, epochsPerRound: number) => {
      const r = compressionReport(smallMlp(1), {
        train: synthetic(300, 12, 1), test: synthetic(100, 12, 2), dir: join(dir, name), lr: 0.05, prune: { sparsity: 0.7, rounds: 2, epochsPerRound },
        latency: { batchSizes: [1], minMs: 1 }, quantize: { calibrationBatches: 1 }, ...(seed === undefined ? {} : { seed }),
      });
      return Object.fromEntries(r.rows.map((row) => [row.stage.replace(/ \(.*/, '').replace(/, not retrained| \+ retrained/, ''), readFileSync(row.file).toString('base64')]));
    };
    const a = files('seed-default', undefined, 1), zero = files('seed-0', 0, 1), again = files('seed-12345', 12345, 1), other = files('seed-12345-again', 12345, 1);
    expect(Object.keys(a)).toEqual(['dense float32', 'pruned', 'pruned + int8', 'pruned + int8 + sparse + Huffman']);
    expect(zero).toEqual(a); // the default is seed 0
    expect(other).toEqual(again);
    expect(again['dense float32']).toBe(a['dense float32']);
    expect(again['pruned']).not.toBe(a['pruned']);
    // with no retraining the pruned weights are the seed's to leave alone; the calibration batch is still drawn by it
    const still = files('no-retrain-0', 0, 0), stillOther = files('no-retrain-1', 1, 0);
    expect(stillOther['pruned']).toBe(still['pruned']);
    expect(stillOther['pruned + int8']).not.toBe(still['pruned + int8']);
  });

  it('options that would make a silently wrong report are refused, naming the option and the value', () => {
    const base = { train: synthetic(64, 12, 1), test: synthetic(32, 12, 2), dir: join(dir, 'refused'), lr: 0.05, latency: { batchSizes: [1], minMs: 1 } };
    const prune = { sparsity: 0.5, rounds: 1, epochsPerRound: 0 };
    const cases: Array<[Record<string, unknown>, string]> = [
      // rounds 2.5 had run 2 rounds ending at 0.84 for 0.9; 0 had said 'iterativePrune: schedule must list at least one sparsity, got []'
      [{ prune: { ...prune, rounds: 2.5 } }, 'compressionReport: prune.rounds must be an integer >= 1, got 2.5'],
      [{ prune: { ...prune, rounds: 0 } }, 'compressionReport: prune.rounds must be an integer >= 1, got 0'],
      [{ prune: { ...prune, rounds: -1 } }, 'compressionReport: prune.rounds must be an integer >= 1, got -1'],
      [{ prune, quantize: { calibrationBatches: 0 } }, 'compressionReport: quantize.calibrationBatches must be an integer >= 1, got 0'], // had calibrated on one batch
      [{ prune, latency: { batchSizes: [0] } }, 'compressionReport: latency.batchSizes must be a list of positive integers, got [0]'], // had timed NaN ms
      [{ prune, latency: { batchSizes: [] } }, 'compressionReport: latency.batchSizes must be a list of positive integers, got []'],
      [{ prune, latency: { minMs: -5 } }, 'compressionReport: latency.minMs must be a finite number >= 0, got -5'],
      [{ prune, lr: -1 }, 'compressionReport: lr must be a positive finite number, got -1'],
      [{ prune, seed: 1.5 }, 'compressionReport: seed must be an integer, got 1.5'],
      [{ prune, distill: { student: smallMlp(2), epochs: 1, temperature: Infinity } }, 'compressionReport: distill.temperature must be a positive finite number, got Infinity'],
      [{ prune, distill: { student: smallMlp(2), epochs: 0.5 } }, 'compressionReport: distill.epochs must be an integer >= 0, got 0.5'],
    ];
    for (const [o, message] of cases) {
      expect(() => compressionReport(smallMlp(1), { ...base, prune, ...o } as Parameters<typeof compressionReport>[1]), message).toThrow(message);
    }
  });
});
