import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnistDataset, DataLoader } from '../../core/data/dataset.js';
import { lenet300100, lenet5 } from '../../core/nn/models.js';
import { SGD } from '../../core/optim/sgd.js';
import { fit, evaluate, predict, trainingBatches } from '../../core/train.js';
import { crossEntropy } from '../../core/nn/losses.js';
import { saveModel, loadModelWeights, loadTensors } from '../../core/io/model-file.js';
import { ArgumentError, FormatError, NumericError } from '../../core/errors.js';
import { DataLoader as Loader, TensorDataset } from '../../core/data/dataset.js';
import { BatchNorm1d, Linear, Sequential } from '../../core/nn/layers.js';
import { Random } from '../../core/random.js';
import { Tensor } from '../../core/tensor.js';

describe('training on real MNIST slices', () => {
  const train = mnistDataset('train', { limit: 3000 });
  const test = mnistDataset('test', { limit: 1000 });

  it('LeNet-300-100 learns: held-out accuracy well above chance after two epochs', () => {
    const m = lenet300100(1);
    const lines: string[] = [];
    const hist = fit(m, new DataLoader(train, { batchSize: 32, shuffle: true, seed: 1 }), { epochs: 2, optimizer: new SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }), val: test, log: (l) => lines.push(l) });
    expect(hist[1].loss).toBeLessThan(hist[0].loss);
    // tfjs-layers with the same data, epochs and batch size reaches 0.87-0.89 here
    expect(hist[1].valAccuracy!).toBeGreaterThan(0.85);
    expect(evaluate(m, test).accuracy).toBe(hist[1].valAccuracy);
    expect(lines[1]).toMatch(/^epoch 2\/2 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}val loss .* samples\/s/);
  });

  it('is deterministic: the same seed gives the same weights', () => {
    const run = () => {
      const m = lenet5(3);
      fit(m, new DataLoader(train.slice(0, 256), { batchSize: 32, shuffle: true, seed: 5 }), { epochs: 1, optimizer: new SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }) });
      return Array.from(m.parameters()[2].data);
    };
    expect(run()).toEqual(run());
  });

  it('a saved model loads back to identical predictions; a wrong file is refused with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-'));
    try {
      const m = lenet300100(7);
      const path = join(dir, 'm.safetensors');
      saveModel(path, m, { arch: 'lenet300100' });
      const back = lenet300100(8);
      expect(loadModelWeights(path, back)).toMatchObject({ format: 'whittle-model', arch: 'lenet300100' });
      const x = test.x.slice([0], [20]);
      expect(Array.from(predict(back, x).data)).toEqual(Array.from(predict(m, x).data));
      expect(loadTensors(path).tensors['1.weight'].shape).toEqual([300, 784]);
      expect(() => loadModelWeights(path, lenet5(0))).toThrow(FormatError);
      expect(() => loadModelWeights(path, lenet5(0))).toThrow(/m\.safetensors: loadStateDict: keys must match/);
      writeFileSync(join(dir, 'bad.safetensors'), 'not a model');
      expect(() => loadModelWeights(join(dir, 'bad.safetensors'), m)).toThrow(/bad\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fit on a diverging run', () => {
  // 64 rows of 4 features, 3 classes: small enough that every case runs in milliseconds
  const rng = new Random(3);
  const x = new Tensor(Float32Array.from({ length: 256 }, () => rng.normal(0, 1)), [64, 4]);
  const y = new Tensor(Int32Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32');
  const data = new TensorDataset(x, y);
  const net = () => new Sequential(new Linear(4, 3, { rng: new Random(1) }));
  const finite = (m: Sequential) => m.parameters().every((p) => p.data.every(Number.isFinite));

  it('throws a NumericError at the first NaN loss, naming epoch and batch, and keeps the last finite weights', () => {
    const m = net();
    // a loss that is NaN from the first batch on, as a diverged one is
    const loss = (out: Tensor, t: Tensor) => crossEntropy(out, t).mul(Number.NaN);
    const run = () => fit(m, new Loader(data, { batchSize: 16 }), { epochs: 2, optimizer: new SGD(m.parameters(), { lr: 0.1 }), loss });
    expect(run).toThrow(NumericError);
    expect(run).toThrow(/^fit: training diverged at epoch 1, batch 1 of 4 \(lr 0\.100\): the loss is NaN; try a lower learning rate$/);
    expect(finite(m)).toBe(true);
  });

  it('throws when a step leaves a weight infinite, even after the last batch (whose loss nobody looks at)', () => {
    const m = net();
    // one batch, one epoch: the loss is finite, the update of lr 1e300 overflows float32
    const run = () => fit(m, new Loader(data, { batchSize: 64 }), { epochs: 1, optimizer: new SGD(m.parameters(), { lr: 1e300 }) });
    expect(run).toThrow(/^fit: training diverged at epoch 1, batch 1 of 1 \(lr 1\.00e\+300\): the step left parameter 0\.weight \[3,4\] non-finite; try a lower learning rate$/);
  });

  it("onNonFinite: 'continue' trains on regardless and reports the NaN", () => {
    const m = net();
    const hist = fit(m, new Loader(data, { batchSize: 16 }), { epochs: 2, optimizer: new SGD(m.parameters(), { lr: 1e300 }), onNonFinite: 'continue' });
    expect(hist).toHaveLength(2);
    expect(Number.isFinite(hist[1].loss)).toBe(false);
    expect(finite(m)).toBe(false);
  });

  it('a sane learning rate trains through without a complaint', () => {
    const m = net();
    const hist = fit(m, new Loader(data, { batchSize: 16 }), { epochs: 3, optimizer: new SGD(m.parameters(), { lr: 0.1 }) });
    expect(hist[2].loss).toBeLessThan(hist[0].loss);
  });
});

describe('fit on a loader with no batches', () => {
  const rows = (n: number) => new TensorDataset(new Tensor(new Float32Array(n * 4), [n, 4]), new Tensor(new Int32Array(n), [n], 'int32'));
  const net = () => new Sequential(new Linear(4, 3, { rng: new Random(1) }));
  it.each([
    ['0 rows', new Loader(rows(0), { batchSize: 16 }), 'fit: the training loader must yield at least one batch, got none from 0 rows with batchSize 16'],
    ['dropLast with a batch larger than the data', new Loader(rows(10), { batchSize: 32, dropLast: true }), 'fit: the training loader must yield at least one batch, got none from 10 rows with batchSize 32 and dropLast'],
  ])('%s is an ArgumentError, not an epoch of loss 0', (_, loader, message) => {
    const m = net();
    const run = () => fit(m, loader, { epochs: 1, optimizer: new SGD(m.parameters(), { lr: 0.1 }) });
    expect(run).toThrow(ArgumentError);
    expect(run).toThrow(message);
  });
  it('one short batch without dropLast still trains', () => {
    const m = net();
    expect(fit(m, new Loader(rows(10), { batchSize: 32 }), { epochs: 1, optimizer: new SGD(m.parameters(), { lr: 0.1 }) })).toHaveLength(1);
  });
});

describe('predict', () => {
  it('on no rows gives the [0, outputs] model.call gives (concat had refused the empty list of batches)', () => {
    const m = lenet300100(0);
    const none = new Tensor(new Float32Array(0), [0, 784]);
    expect(predict(m, none).shape).toEqual([0, 10]);
    expect(predict(m, none).shape).toEqual(m.call(none).shape);
    expect(m.training).toBe(true);
  });
  it('batches any number of rows as one call would, and refuses a batch size that is not a positive integer', () => {
    const m = new Sequential(new Linear(4, 3, { rng: new Random(1) }));
    const rng = new Random(3);
    const x = new Tensor(Float32Array.from({ length: 7 * 4 }, () => rng.normal()), [7, 4]);
    expect(Array.from(predict(m, x, 3).data)).toEqual(Array.from(m.call(x).data));
    // batchSize 0 had looped forever on slices of no rows
    expect(() => predict(m, x, 0)).toThrow(new ArgumentError('predict: batchSize must be a positive integer, got 0'));
    expect(() => predict(m, x, 1.5)).toThrow(ArgumentError);
  });
});

describe('fit with BatchNorm on a last batch of one row', () => {
  // 2 * 4 + 1 rows: batches of 4, 4 and 1
  const data = (n: number) => {
    const rng = new Random(2);
    return new TensorDataset(new Tensor(Float32Array.from({ length: n * 3 }, () => rng.normal()), [n, 3]), new Tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n], 'int32'));
  };
  /** Passes its input through, noting each batch's row count while training. */
  class BatchSizes extends Sequential {
    readonly _sizes: number[] = [];
    override forward(x: Tensor): Tensor { if (this.training) this._sizes.push(x.shape[0]); return super.forward(x); }
  }
  const opt = (m: Sequential) => new SGD(m.parameters(), { lr: 0.1 });

  it('trains through every epoch, leaving the one-row batch out (had been: BatchNorm zeros for that row)', () => {
    const m = new BatchSizes(new Linear(3, 4, { rng: new Random(1) }), new BatchNorm1d(4), new Linear(4, 2, { rng: new Random(2) }));
    const lines: string[] = [];
    const hist = fit(m, new Loader(data(9), { batchSize: 4, shuffle: true, seed: 3 }), { epochs: 3, optimizer: opt(m), log: (l) => lines.push(l), logEvery: 1 });
    expect(hist).toHaveLength(3);
    expect(m._sizes).toEqual([4, 4, 4, 4, 4, 4]);
    expect(lines.filter((l) => l.includes('batch 2/2'))).toHaveLength(3);
    expect((m.layers[1] as BatchNorm1d).numBatchesTracked.data[0]).toBe(6);
  });

  it('a model without BatchNorm still sees the one-row batch, and trains exactly as the loader yields', () => {
    const m = new BatchSizes(new Linear(3, 2, { rng: new Random(1) }));
    fit(m, new Loader(data(9), { batchSize: 4, shuffle: true, seed: 3 }), { epochs: 2, optimizer: opt(m) });
    expect(m._sizes).toEqual([4, 4, 1, 4, 4, 1]);
    // bit-identical to a hand-written loop over the same loader
    const ref = new Sequential(new Linear(3, 2, { rng: new Random(1) }));
    const o = opt(ref);
    const loader = new Loader(data(9), { batchSize: 4, shuffle: true, seed: 3 });
    for (let e = 0; e < 2; e++) for (const [x, y] of loader) { const loss = crossEntropy(ref.forward(x), y); o.zeroGrad(); loss.backward(); o.step(); }
    expect(m.parameters().map((p) => Array.from(p.data))).toEqual(ref.parameters().map((p) => Array.from(p.data)));
  });

  it('trainingBatches leaves out only a last batch of exactly one row, and only for a model with BatchNorm in training', () => {
    const bn = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
    const plain = new Sequential(new Linear(3, 4));
    const count = (m: Sequential, n: number, o: { batchSize: number; dropLast?: boolean }) => trainingBatches(m, new Loader(data(n), o)).count;
    expect(count(bn, 9, { batchSize: 4 })).toBe(2);
    expect(count(plain, 9, { batchSize: 4 })).toBe(3);
    expect(count(bn, 10, { batchSize: 4 })).toBe(3); // a last batch of two trains
    expect(count(bn, 9, { batchSize: 4, dropLast: true })).toBe(2);
    expect(count(bn, 1, { batchSize: 4 })).toBe(1); // the only batch is kept: BatchNorm's error says what is wrong
    expect(count(bn, 5, { batchSize: 1 })).toBe(5);
    expect(count(bn.eval(), 9, { batchSize: 4 })).toBe(3);
    expect(() => fit(bn, new Loader(data(5), { batchSize: 1 }), { epochs: 1, optimizer: opt(bn) })).toThrow(/BatchNorm1d: training needs more than one value per channel, got input \[1,4\]/);
  });
});
