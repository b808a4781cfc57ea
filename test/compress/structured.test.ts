import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, DataLoader, Flatten, Linear, MaxPool2d, ReLU, Random, Sequential, Sigmoid, Tensor, TensorDataset,
  lenet5, noGrad, randn,
} from '../../core/index.js';
import { countFlops, maskUnits, selectUnits, shrinkModel, structuredPrune, unitImportance } from '../../compress/structured.js';
import { maxAbsDiff } from './fixtures.js';

function mlp(seed: number): Sequential {
  const rng = new Random(seed);
  return new Sequential(new Flatten(), new Linear(10, 12, { rng }), new BatchNorm1d(12), new ReLU(), new Linear(12, 9, { rng }), new ReLU(), new Linear(9, 4, { rng }));
}
function convBnNet(seed: number): Sequential {
  const rng = new Random(seed);
  return new Sequential(
    new Conv2d(2, 6, 3, { rng, padding: 1 }), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 5, 3, { rng }), new BatchNorm2d(5), new ReLU(), new Flatten(), new Linear(5 * 2 * 2, 7, { rng }), new ReLU(), new Linear(7, 3, { rng }),
  );
}
/** Random BN statistics and affine so that masking BN matters. */
function randomizeBn(m: Sequential, rng: Random): void {
  for (const l of m.layers) {
    if (l instanceof BatchNorm1d || l instanceof BatchNorm2d) {
      for (let c = 0; c < l.numFeatures; c++) {
        l.runningMean.data[c] = rng.normal(); l.runningVar.data[c] = rng.uniform(0.5, 2);
        l.weight.data[c] = rng.uniform(0.5, 1.5); l.bias.data[c] = rng.normal();
      }
    }
  }
}
function calibration(x: Tensor, classes: number, rng: Random): Array<[Tensor, Tensor]> {
  const y = new Tensor(Int32Array.from({ length: x.shape[0] }, () => rng.int(classes)), [x.shape[0]], 'int32');
  return [...new DataLoader(new TensorDataset(x, y), { batchSize: 8 })];
}

describe('structured pruning', () => {
  it('linear + BN: the shrunk model equals the masked model on random inputs (property over amounts and criteria)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.constantFrom('l1', 'l2', 'activation', 'taylor' as const), (seed, amount, criterion) => {
      const rng = new Random(seed);
      const m = mlp(seed);
      randomizeBn(m, rng);
      m.eval();
      const x = randn([6, 10], { rng });
      const { model: small, keep } = structuredPrune(m, { amount, criterion: criterion as 'l1', calibration: calibration(randn([16, 10], { rng }), 4, rng) });
      expect((small.layers[1] as Linear).outFeatures).toBe(12 - Math.round(amount * 12));
      expect((small.layers[4] as Linear).inFeatures).toBe(keep['1'].length);
      expect((small.layers[2] as BatchNorm1d).numFeatures).toBe(keep['1'].length);
      maskUnits(m, keep);
      small.eval();
      expect(maxAbsDiff(noGrad(() => small.forward(x)), noGrad(() => m.forward(x)))).toBeLessThan(1e-5);
    }), { numRuns: 25 });
  });

  it('conv + BN + flatten -> linear: the right column blocks go, and shrunk equals masked', () => {
    for (const criterion of ['l1', 'activation', 'taylor'] as const) {
      const rng = new Random(5);
      const m = convBnNet(3);
      randomizeBn(m, rng);
      m.eval();
      const x = randn([3, 2, 8, 8], { rng });
      const { model: small, keep } = structuredPrune(m, { amount: { 0: 0.5, '4.weight': 0.4, 8: 0.3 } as unknown as Record<string, number>, criterion, calibration: calibration(randn([8, 2, 8, 8], { rng }), 3, rng) });
      expect((small.layers[0] as Conv2d).outChannels).toBe(3);
      expect((small.layers[4] as Conv2d).inChannels).toBe(3);
      expect((small.layers[4] as Conv2d).outChannels).toBe(3);
      expect((small.layers[8] as Linear).inFeatures).toBe(3 * 4);
      expect((small.layers[8] as Linear).outFeatures).toBe(7 - 2);
      // original untouched until masked
      expect((m.layers[0] as Conv2d).outChannels).toBe(6);
      maskUnits(m, keep);
      expect(maxAbsDiff(noGrad(() => small.eval().forward(x)), noGrad(() => m.forward(x)))).toBeLessThan(1e-5);
    }
  });

  it('L1 ranking keeps the filters with the largest norms', () => {
    const m = convBnNet(1);
    const w = (m.layers[0] as Conv2d).weight;
    for (let o = 0; o < 6; o++) for (let i = 0; i < 18; i++) w.data[o * 18 + i] = (o % 2 ? 1 : 0.1) * (i % 3 - 1 + 0.5);
    expect(selectUnits(m, { amount: { 0: 0.5 }, criterion: 'l1' })['0']).toEqual([1, 3, 5]);
    const imp = unitImportance(m, 'l2');
    expect(Object.keys(imp)).toEqual(['0', '4', '8']);
  });

  it('LeNet-5 with half its conv filters removed has well under half the conv FLOPs', () => {
    const m = lenet5(0);
    const before = countFlops(m, [1, 28, 28]);
    expect(before.conv).toBe(20 * 24 * 24 * 25 + 50 * 8 * 8 * 20 * 25);
    expect(before.linear).toBe(800 * 500 + 500 * 10);
    const { model: small } = structuredPrune(m, { amount: { 0: 0.5, 2: 0.5 }, criterion: 'l1' });
    const after = countFlops(small, [1, 28, 28]);
    expect(after.conv / before.conv).toBeLessThan(0.5);
    expect((small.layers[5] as Linear).inFeatures).toBe(25 * 16);
  });

  it('bad arguments give clear errors', () => {
    const m = mlp(0);
    expect(() => structuredPrune(m, { amount: 1 })).toThrow(/structuredPrune: amount of layer 1 must be in \[0,1\), got 1/);
    expect(() => structuredPrune(m, { amount: { 6: 0.5 } })).toThrow(/structuredPrune: unknown or unprunable layer '6', prunable layers are \[1, 4\]/);
    expect(() => structuredPrune(m, { amount: 0.5, criterion: 'taylor' })).toThrow(/need calibration batches/);
    expect(() => structuredPrune(m, { amount: 0.5, criterion: 'nope' as 'l1' })).toThrow(/criterion must be one of l1, l2, activation, taylor/);
    // A unit cannot be removed across a Sigmoid (sigmoid(0) != 0): that layer is simply not prunable.
    const s = new Sequential(new Linear(3, 4), new Sigmoid(), new Linear(4, 2));
    expect(() => structuredPrune(s, { amount: { 0: 0.5 } })).toThrow(/prunable layers are \[\]/);
    expect(shrinkModel(mlp(1), {}).layers.length).toBe(7);
  });
});
