import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, DataLoader, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Random, SGD, Sequential, Sigmoid, Tensor, TensorDataset,
  crossEntropy, lenet5, noGrad, randn, tensor,
} from '../../core/index.js';
import { countFlops, maskUnits, prunableUnits, selectUnits, shrinkModel, structuredPrune, unitImportance } from '../../compress/structured.js';
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

  it('a BatchNorm1d after a Flatten (one feature per channel and position) keeps the kept channels\' blocks; shrunk equals masked', () => {
    // had been shrunk as one feature per channel: BatchNorm1d(2) beside Linear(32, 3), whose forward threw
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 3, max: 6 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }), fc.constantFrom('l1', 'activation', 'taylor' as const),
      (seed, cin, channels, size, amount, criterion) => {
        const rng = new Random(seed);
        const hw = (size - 2) * (size - 2);
        const m = new Sequential(new Conv2d(cin, channels, 3, { rng }), new ReLU(), new Flatten(), new BatchNorm1d(channels * hw), new Linear(channels * hw, 3, { rng }));
        randomizeBn(m, rng);
        m.eval();
        expect(prunableUnits(m.layers)[0].norms).toEqual([{ index: 3, block: hw }]);
        const before = (m.layers[3] as BatchNorm1d);
        const ref = { weight: before.weight.data.slice(), bias: before.bias.data.slice(), mean: before.runningMean.data.slice(), var: before.runningVar.data.slice() };
        const x = randn([4, cin, size, size], { rng });
        const { model: small, keep } = structuredPrune(m, { amount, criterion: criterion as 'l1', calibration: calibration(randn([8, cin, size, size], { rng }), 3, rng) });
        const kept = keep['0'];
        expect(kept.length).toBe(Math.max(1, channels - Math.round(amount * channels)));
        // naive reference: the features of kept channel c are c*hw .. c*hw + hw - 1, in order
        const features = kept.flatMap((c) => Array.from({ length: hw }, (_, p) => c * hw + p));
        const bn = small.layers[3] as BatchNorm1d;
        expect(bn.numFeatures).toBe(kept.length * hw);
        expect(Array.from(bn.weight.data)).toEqual(features.map((f) => ref.weight[f]));
        expect(Array.from(bn.bias.data)).toEqual(features.map((f) => ref.bias[f]));
        expect(Array.from(bn.runningMean.data)).toEqual(features.map((f) => ref.mean[f]));
        expect(Array.from(bn.runningVar.data)).toEqual(features.map((f) => ref.var[f]));
        expect((small.layers[4] as Linear).inFeatures).toBe(kept.length * hw);
        maskUnits(m, keep);
        // the masked reference zeroes exactly the removed channels' blocks of the BatchNorm
        const zeroed = Array.from(before.weight.data.keys()).filter((f) => before.weight.data[f] === 0 && before.bias.data[f] === 0);
        expect(zeroed).toEqual(Array.from({ length: channels * hw }, (_, f) => f).filter((f) => !kept.includes(Math.floor(f / hw))));
        expect(maxAbsDiff(noGrad(() => small.eval().forward(x)), noGrad(() => m.forward(x)))).toBeLessThan(1e-5);
      },
    ), { numRuns: 30 });
  });

  it('a BatchNorm1d after a Flatten whose features are not a multiple of the channels leaves that layer unpruned', () => {
    const m = new Sequential(new Conv2d(1, 4, 3), new Flatten(), new BatchNorm1d(6), new Linear(6, 2));
    expect(prunableUnits(m.layers)).toEqual([]);
  });

  it('the pruned model is a copy: training it leaves every tensor of the input model as it was', () => {
    // a BatchNorm before the first pruned layer, one beside a layer the amount leaves out, a Dropout and a grouped conv
    // had been the input's own objects: one SGD step on the pruned model moved the input's BN weights and running means
    const rng = new Random(3);
    const m = new Sequential(
      new BatchNorm2d(2), new Conv2d(2, 4, 3, { rng, padding: 1 }), new ReLU(), new Conv2d(4, 4, 3, { rng }), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 4, 3, { rng, groups: 4 }), new ReLU(),
      new Conv2d(4, 6, 3, { rng }), new BatchNorm2d(6), new ReLU(), new Flatten(), new Dropout(0.2), new Linear(6 * 2 * 2, 5, { rng }), new ReLU(), new Linear(5, 3, { rng }),
    );
    randomizeBn(m, rng);
    const snapshot = Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data)] as const);
    expect(prunableUnits(m.layers).map((u) => u.index)).toEqual([1, 8, 13]);
    const { model: small, keep } = structuredPrune(m, { amount: { 1: 0.5, 13: 0.4 } });
    expect(Object.keys(keep)).toEqual(['1', '13']);
    small.layers.forEach((l, i) => expect(l, `layer ${i}`).not.toBe(m.layers[i]));
    // a grouped conv had been rebuilt with groups 1 and a quarter of its input channels
    expect((small.layers[6] as Conv2d).groups).toBe(4);
    expect((small.layers[6] as Conv2d).inChannels).toBe(4);
    small.train();
    const opt = new SGD(small.parameters(), { lr: 0.5 });
    const x = randn([8, 2, 8, 8], { rng }), y = tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' });
    for (let step = 0; step < 2; step++) { opt.zeroGrad(); crossEntropy(small.forward(x), y).backward(); opt.step(); }
    const after = m.stateDict();
    for (const [k, v] of snapshot) expect(Array.from(after[k].data), k).toEqual(v);
    // and the pruned model did train: its first BatchNorm moved
    expect(Array.from((small.layers[0] as BatchNorm2d).runningMean.data)).not.toEqual([0, 0]);
  });

  it('a layer outside the standard set is kept when it holds no tensors, and refused when it does', () => {
    class Scale extends Module { forward(x: Tensor): Tensor { return x; } }
    class Gain extends Module { g = tensor([2]).requireGrad(); forward(x: Tensor): Tensor { return x; } }
    const plain = new Scale();
    const ok = structuredPrune(new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2), plain), { amount: 0.5 });
    expect(ok.model.layers[3]).toBe(plain);
    expect(() => structuredPrune(new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2), new Gain()), { amount: 0.5 }))
      .toThrow(/^shrinkModel: cannot copy layer 3 \(Gain\), which holds tensors; the pruned model would share them with the input model$/);
  });
});
