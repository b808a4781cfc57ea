import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { DataLoader, TensorDataset } from '../../../core/data/dataset.js';
import { Random } from '../../../core/random.js';
import { randn, Tensor } from '../../../core/tensor.js';
import { BatchNorm1d, Linear, Sequential } from '../../../core/nn/layers.js';
import { SGD } from '../../../core/optim/sgd.js';
import { trainEpochs } from '../../../search/nas/train-loop.js';

function setup(rows = 60, batchSize = 10) {
  const rng = new Random(1);
  const x = randn([rows, 4], { rng });
  const y = new Tensor(Int32Array.from({ length: rows }, (_, i) => (x.data[i * 4] > 0 ? 1 : 0)), [rows], 'int32');
  const model = new Linear(4, 2, { rng });
  const optimizer = new SGD(model.parameters(), { lr: 0.5 });
  return { model, optimizer, loader: new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: true, seed: 2 }) };
}

describe('trainEpochs', () => {
  it('checkpoints at k / evalsPerEpoch and ends on the asked (fractional) epochs', () => {
    const { model, optimizer, loader } = setup();
    const seen: number[] = [];
    const steps: number[] = [];
    optimizer.onStep(() => steps.push(optimizer.lr));
    const done = trainEpochs(model, loader, optimizer, 2.5, { evalsPerEpoch: 3, onCheckpoint: (e) => seen.push(e) });
    expect(done).toBe(2.5);
    expect(seen.map((e) => +e.toFixed(6))).toEqual([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2, 7 / 3, 2.5].map((e) => +e.toFixed(6)));
    expect(steps.length).toBe(15); // 6 batches per epoch
  });

  it('decays the learning rate along a cosine and restores it after', () => {
    const { model, optimizer, loader } = setup();
    const lrs: number[] = [];
    optimizer.onStep(() => lrs.push(optimizer.lr));
    trainEpochs(model, loader, optimizer, 1, { cosine: true });
    expect(lrs[0]).toBeCloseTo(0.5);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]);
    expect(lrs[lrs.length - 1]).toBeLessThan(0.1);
    expect(optimizer.lr).toBe(0.5);
  });

  it('learns, and a throw in a checkpoint stops it', () => {
    const { model, optimizer, loader } = setup(200, 20);
    let calls = 0;
    expect(() => trainEpochs(model, loader, optimizer, 3, { onCheckpoint: () => { if (++calls === 2) throw new Error('stop'); } })).toThrow('stop');
    expect(calls).toBe(2);
  });

  it('ends at a time limit with the learning rate decayed along the clock', () => {
    const { model, optimizer, loader } = setup(600, 10);
    const lrs: number[] = [];
    optimizer.onStep(() => lrs.push(optimizer.lr));
    let now = 1e12;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 1)); // 1 ms per reading
    try {
      const done = trainEpochs(model, loader, optimizer, 1000, { cosine: true, timeLimitMs: 100 });
      expect(lrs.length).toBeGreaterThan(20);
      expect(lrs.length).toBeLessThan(100);
      expect(done).toBeCloseTo(lrs.length / 60, 9);
      for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]);
      expect(lrs[lrs.length - 1]).toBeLessThan(0.05);
      expect(optimizer.lr).toBe(0.5);
    } finally {
      clock.mockRestore();
    }
  });

  it('stops at a deadline and returns the epochs done', () => {
    const { model, optimizer, loader } = setup();
    const done = trainEpochs(model, loader, optimizer, 100, { deadline: performance.now() - 1 });
    expect(done).toBeCloseTo(1 / 6);
    expect(() => trainEpochs(model, loader, optimizer, -1)).toThrow(ArgumentError);
    expect(() => trainEpochs(model, loader, optimizer, 1, { evalsPerEpoch: 0 })).toThrow(ArgumentError);
  });
});

describe('trainEpochs report points', () => {
  /** The reports of a run and the optimizer steps taken before each. */
  function run(rows: number, batchSize: number, evalsPerEpoch: number, epochs: number) {
    const { model, optimizer, loader } = setup(rows, batchSize);
    let steps = 0;
    optimizer.onStep(() => steps++);
    const reports: Array<[epochs: number, steps: number]> = [];
    const done = trainEpochs(model, loader, optimizer, epochs, { evalsPerEpoch, onCheckpoint: (e) => reports.push([e, steps]) });
    return { done, reports, steps, perEpoch: Math.ceil(rows / batchSize) };
  }

  it('reports at every point an epoch has fewer batches than reports (had been: 1/3, then nothing until the end)', () => {
    // 2 batches an epoch, 3 reports: points 1/3 and 2/3 both fall in the first batch, 4/3 and 5/3 in the third
    expect(run(18, 10, 3, 3).reports.map(([e, s]) => [+e.toFixed(6), s])).toEqual([[1 / 3, 1], [1, 2], [4 / 3, 3], [2, 4], [7 / 3, 5], [3, 6]].map(([e, s]) => [+e.toFixed(6), s]));
    // one batch an epoch: one report an epoch
    expect(run(8, 10, 3, 3).reports.map(([e]) => e)).toEqual([1, 2, 3]);
  });

  it('reports each report point at the step that passes it, labelled with the last point passed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 16 }), (rows, batchSize, evals, quarters) => {
        const epochs = quarters / 4;
        const { done, reports, steps, perEpoch } = run(rows, batchSize, evals, epochs);
        const total = Math.max(1, Math.round(epochs * perEpoch));
        expect(done).toBe(epochs);
        expect(steps).toBe(total);
        expect(reports.at(-1)).toEqual([epochs, total]);
        const inner = reports.slice(0, -1);
        // a report at each step where a new point k / evals is passed (k * perEpoch / evals <= step), none elsewhere
        const expected: Array<[number, number]> = [];
        for (let s = 1; s < total; s++) {
          const k = Math.floor((s * evals) / perEpoch);
          if (k > Math.floor(((s - 1) * evals) / perEpoch)) expected.push([k / evals, s]);
        }
        expect(inner).toEqual(expected);
        // labels never run ahead of the steps trained, nor a whole report interval behind them
        for (const [e, s] of inner) {
          expect(e * perEpoch).toBeLessThanOrEqual(s + 1e-9);
          expect(s / perEpoch).toBeLessThan(e + 1 / evals);
        }
        for (let i = 1; i < reports.length; i++) expect(reports[i][0]).toBeGreaterThan(reports[i - 1][0]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('trainEpochs on a loader with no batches', () => {
  it('is an ArgumentError naming the rows and batch size (had been: an endless loop)', () => {
    const { model, optimizer } = setup(6, 10);
    const empty = new DataLoader(new TensorDataset(randn([6, 4], { rng: new Random(3) }), new Tensor(new Int32Array(6), [6], 'int32')), { batchSize: 10, dropLast: true });
    expect(() => trainEpochs(model, empty, optimizer, 1)).toThrow(new ArgumentError('trainEpochs: the loader must yield at least one batch, got none from 6 rows with batchSize 10 and dropLast'));
    expect(trainEpochs(model, empty, optimizer, 0)).toBe(0);
  });
});

describe('trainEpochs with BatchNorm on k * batchSize + 1 rows', () => {
  /** A Linear -> BatchNorm1d -> Linear that notes each batch's row count while training. */
  class Noted extends Sequential {
    readonly _sizes: number[] = [];
    override forward(x: Tensor): Tensor { if (this.training) this._sizes.push(x.shape[0]); return super.forward(x); }
  }
  const loader = () => setup(31, 10).loader; // batches of 10, 10, 10 and 1

  it('completes, leaving the one-row batch out and counting an epoch as the three batches it trains on (had been: a throw)', () => {
    const rng = new Random(3);
    const model = new Noted(new Linear(4, 6, { rng }), new BatchNorm1d(6), new Linear(6, 2, { rng }));
    const seen: number[] = [];
    const done = trainEpochs(model, loader(), new SGD(model.parameters(), { lr: 0.1 }), 2, { cosine: true, evalsPerEpoch: 3, onCheckpoint: (e) => seen.push(e) });
    expect(done).toBe(2);
    expect(model._sizes).toEqual([10, 10, 10, 10, 10, 10]);
    expect(seen.map((e) => +e.toFixed(6))).toEqual([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2].map((e) => +e.toFixed(6)));
  });

  it('a model without BatchNorm still trains on the one-row batch', () => {
    const model = new Noted(new Linear(4, 2, { rng: new Random(3) }));
    trainEpochs(model, loader(), new SGD(model.parameters(), { lr: 0.1 }), 2);
    expect(model._sizes).toEqual([10, 10, 10, 1, 10, 10, 10, 1]);
  });
});
