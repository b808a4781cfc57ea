import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Conv2d, DataLoader, Flatten, Linear, ReLU, Random, SGD, Sequential, TensorDataset, Tensor, fit, lenet300100, randn, tensor,
} from '../../core/index.js';
import { PruningMasks, magnitudePrune, prunableParameters, weightSparsity } from '../../compress/prune.js';
import { smallMlp, synthetic, zerosOf } from './fixtures.js';

function smallConvNet(seed = 0): Sequential {
  const rng = new Random(seed);
  return new Sequential(new Conv2d(1, 4, 3, { rng }), new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 3, { rng }));
}

describe('magnitude pruning', () => {
  it('layer-wise: every layer reaches exactly round(s * n) zeros, and the smallest magnitudes go (property over sparsities)', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 100 }), (s, seed) => {
      const m = smallMlp(seed);
      const before = prunableParameters(m).map(([, t]) => Array.from(t.data).map(Math.abs));
      const masks = magnitudePrune(m, { sparsity: s });
      prunableParameters(m).forEach(([k, t], li) => {
        expect(zerosOf(t)).toBe(Math.round(s * t.size));
        expect(masks.stats().layers[k].sparsity).toBeCloseTo(Math.round(s * t.size) / t.size, 12);
        const kept = before[li].filter((_, i) => t.data[i] !== 0), gone = before[li].filter((_, i) => t.data[i] === 0);
        if (kept.length && gone.length) expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...gone));
      });
    }), { numRuns: 40 });
  });

  it('global: round(s * N) zeros over all layers together, with one threshold across layers', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 100 }), (s, seed) => {
      const m = smallMlp(seed);
      const before = prunableParameters(m).flatMap(([, t]) => Array.from(t.data).map(Math.abs));
      magnitudePrune(m, { sparsity: s, scope: 'global' });
      const after = prunableParameters(m).flatMap(([, t]) => Array.from(t.data));
      expect(after.filter((v) => v === 0).length).toBe(Math.round(s * after.length));
      const kept = before.filter((_, i) => after[i] !== 0), gone = before.filter((_, i) => after[i] === 0);
      if (kept.length && gone.length) expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...gone));
    }), { numRuns: 40 });
  });

  it('per-layer targets by parameter or module name override the default', () => {
    const m = smallMlp(1);
    const masks = magnitudePrune(m, { sparsity: 0.5, layers: { '1.weight': 0.9, 5: 0.25 } as unknown as Record<string, number> });
    const st = masks.stats().layers;
    expect(st['1.weight'].nonzero).toBe(192 - Math.round(0.9 * 192));
    expect(st['3.weight'].nonzero).toBe(64);
    expect(st['5.weight'].nonzero).toBe(24 - 6);
  });

  it('bad arguments give clear errors', () => {
    const m = smallMlp();
    expect(() => magnitudePrune(m, { sparsity: 1 })).toThrow(/prune: sparsity must be in \[0,1\), got 1/);
    expect(() => magnitudePrune(m, { sparsity: -0.1 })).toThrow(/prune: sparsity must be in \[0,1\), got -0.1/);
    expect(() => magnitudePrune(m, { layers: { 'fc9.weight': 0.5 } })).toThrow(/prune: unknown layer 'fc9.weight', prunable layers are \[1\.weight, 3\.weight, 5\.weight\]/);
    expect(() => magnitudePrune(m, { layers: { '1.weight': 1.5 } })).toThrow(/sparsity of '1.weight' must be in \[0,1\), got 1.5/);
    expect(() => magnitudePrune(m, {})).toThrow(/give a sparsity or per-layer targets/);
    expect(() => new PruningMasks(m, ['0'])).toThrow(/unknown layer '0'/);
  });

  it('masks stay exactly zero through training with momentum and weight decay, and their grads are zeroed', () => {
    const m = smallMlp(2);
    const masks = magnitudePrune(m, { sparsity: 0.7 });
    const zeroAt = prunableParameters(m).map(([, t]) => Array.from(t.data).map((v) => v === 0));
    const opt = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
    masks.attach(opt);
    let sawGrad = false;
    fit(m, new DataLoader(synthetic(128, 12), { batchSize: 16, shuffle: true }), {
      epochs: 2, optimizer: opt,
      onStep: () => {
        prunableParameters(m).forEach(([, t], li) => {
          zeroAt[li].forEach((z, i) => { if (z) { expect(t.data[i]).toBe(0); expect(t.grad!.data[i]).toBe(0); } });
          sawGrad ||= t.grad!.data.some((g) => g !== 0);
        });
      },
    });
    expect(sawGrad).toBe(true);
    expect(weightSparsity(m).sparsity).toBeCloseTo(masks.stats().sparsity, 12);
    // Unmasked weights did train.
    expect(prunableParameters(m)[0][1].data.filter((v) => v !== 0).length).toBe(masks.stats().layers['1.weight'].nonzero);
  });

  it('conv filters prune as well; masks rebuild from the zeros of loaded weights', () => {
    const m = smallConvNet();
    magnitudePrune(m, { sparsity: 0.5, scope: 'global' });
    const again = PruningMasks.fromWeights(m);
    expect(again.stats().sparsity).toBeCloseTo(0.5, 2);
    expect(Object.keys(again.toTensors())).toEqual(['0.weight.mask', '3.weight.mask']);
  });
});

describe('pruned models stay usable', () => {
  it('a pruned LeNet-300-100 keeps its shapes and produces finite outputs', () => {
    const m = lenet300100(0);
    magnitudePrune(m, { sparsity: 0.9, scope: 'global' });
    const out = m.forward(tensor(Array.from({ length: 784 }, (_, i) => (i % 7) / 7), { shape: [1, 784] }).reshape([1, 784]));
    expect(out.shape).toEqual([1, 10]);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});
