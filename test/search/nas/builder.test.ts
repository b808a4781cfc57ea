import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../../../core/errors.js';
import { Random } from '../../../core/random.js';
import { randn } from '../../../core/tensor.js';
import { noGrad } from '../../../core/autograd.js';
import { Conv2d, Linear, Sequential } from '../../../core/nn/layers.js';
import { buildModel, countMacs, countParameters, type NasArch } from '../../../search/nas/builder.js';
import { cnnSpace, mlpSpace } from '../../../search/nas/spaces.js';
import type { Space } from '../../../search/space.js';

const MNIST = [1, 28, 28];

function checkSpace(s: Space, runs: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const arch: NasArch = { config: s.sample(new Random(seed)), inputShape: MNIST, classes: 10 };
      const model = buildModel(arch, { seed });
      expect(model).toBeInstanceOf(Sequential);
      expect(model.numParameters()).toBe(countParameters(arch));
      const y = noGrad(() => model.eval().forward(randn([3, ...MNIST], { rng: new Random(seed) })));
      expect(y.shape).toEqual([3, 10]);
      for (const v of y.data) expect(Number.isFinite(v)).toBe(true);
    }),
    { numRuns: runs },
  );
}

/** MACs of one sample counted from the built model's layers as the sample goes through them. */
function macsByLayer(model: Sequential, inputShape: readonly number[]): number {
  let x = randn([1, ...inputShape], { rng: new Random(1) });
  let macs = 0;
  noGrad(() => {
    for (const layer of model.eval().layers) {
      x = layer.forward(x);
      if (layer instanceof Conv2d) macs += layer.inChannels * layer.outChannels * (layer.kernelSize as number) ** 2 * x.shape[2] * x.shape[3];
      if (layer instanceof Linear) macs += layer.inFeatures * layer.outFeatures;
    }
  });
  return macs;
}

describe('buildModel with even kernels', () => {
  it('counts the parameters and MACs of the model it builds, whose even convolutions grow the image by one (had been: a forward that threw)', () => {
    const s = cnnSpace({ kernels: [1, 2, 3, 4], channels: [2, 6, 2], fcWidths: [0, 8], batchNorm: true });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 8, max: 20 }), fc.integer({ min: 8, max: 20 }), (seed, channels, h, w) => {
        const arch: NasArch = { config: s.sample(new Random(seed)), inputShape: [channels, h, w], classes: 3 };
        const model = buildModel(arch, { seed });
        expect(model.numParameters()).toBe(countParameters(arch));
        expect(countMacs(arch)).toBe(macsByLayer(model, arch.inputShape));
        expect(noGrad(() => model.eval().forward(randn([2, channels, h, w], { rng: new Random(seed) }))).shape).toEqual([2, 3]);
      }),
      { numRuns: 40 },
    );
    // 28 -> conv 4 -> 29 -> pool -> 14
    const arch: NasArch = { config: { family: 'cnn', convLayers: 1, channels1: 4, kernel1: 4, pool: 'max', fcWidth: 0, activation: 'relu', dropout: 0, lr: 1e-3, batchSize: 32 }, inputShape: MNIST, classes: 10 };
    expect(buildModel(arch).layers.filter((l): l is Linear => l instanceof Linear).map((l) => l.inFeatures)).toEqual([4 * 14 * 14]);
    expect(countMacs(arch)).toBe(4 * 16 * 29 * 29 + 4 * 14 * 14 * 10);
  });

  it('refuses a kernel that is not a positive integer', () => {
    expect(() => cnnSpace({ kernels: [3, 0] })).toThrow(new ArgumentError('cnnSpace: kernels must be positive integers, got [3, 0]'));
    expect(() => cnnSpace({ kernels: [2.5] })).toThrow(ArgumentError);
    const config = { family: 'cnn', convLayers: 1, channels1: 4, kernel1: -1, pool: 'max', fcWidth: 0 };
    expect(() => buildModel({ config, inputShape: MNIST, classes: 10 })).toThrow(new ArgumentError('buildModel: config.kernel1 must be a positive integer, got -1'));
  });
});

describe('buildModel', () => {
  it('builds every sampled MLP: logits [N,10], parameters as counted', () => checkSpace(mlpSpace(), 25));
  it('builds every sampled CNN: logits [N,10], parameters as counted', () => checkSpace(cnnSpace({ batchNorm: true }), 25));

  it('builds the layers the config names', () => {
    const arch: NasArch = { config: { family: 'cnn', convLayers: 2, channels1: 8, kernel1: 5, channels2: 16, kernel2: 3, pool: 'max', fcWidth: 0, activation: 'relu', dropout: 0, lr: 1e-3, batchSize: 32 }, inputShape: MNIST, classes: 10 };
    const m = buildModel(arch);
    const convs = m.layers.filter((l): l is Conv2d => l instanceof Conv2d);
    expect(convs.map((c) => [c.inChannels, c.outChannels, c.kernelSize])).toEqual([[1, 8, 5], [8, 16, 3]]);
    const fc = m.layers.filter((l): l is Linear => l instanceof Linear);
    expect(fc.map((l) => [l.inFeatures, l.outFeatures])).toEqual([[16 * 7 * 7, 10]]);
    // 1*8*25+8 + 8*16*9+16 + 784*10+10
    expect(countParameters(arch)).toBe(208 + 1168 + 7850);
    expect(countMacs(arch)).toBe(8 * 25 * 784 + 8 * 16 * 9 * 196 + 784 * 10);
  });

  it('gives the same weights for the same seed and different ones otherwise', () => {
    const arch: NasArch = { config: { family: 'mlp', depth: 1, width1: 16, activation: 'tanh', dropout: 0, lr: 1e-3, batchSize: 32 }, inputShape: [20], classes: 3 };
    const w = (seed: number) => Array.from(buildModel(arch, { seed }).parameters()[0].data);
    expect(w(4)).toEqual(w(4));
    expect(w(4)).not.toEqual(w(5));
  });

  it('says what is wrong with a bad config', () => {
    const base = { family: 'mlp', depth: 2, width1: 16, activation: 'relu', dropout: 0, lr: 1e-3, batchSize: 32 };
    expect(() => buildModel({ config: base, inputShape: [4], classes: 2 })).toThrow(/config\.width2 must be a number/);
    expect(() => buildModel({ config: { ...base, family: 'rnn' }, inputShape: [4], classes: 2 })).toThrow(ArgumentError);
    expect(() => buildModel({ config: { ...base, width2: 8, activation: 'swish' }, inputShape: [4], classes: 2 })).toThrow(/activation/);
    const cnn = { family: 'cnn', convLayers: 3, channels1: 4, kernel1: 3, channels2: 4, kernel2: 3, channels3: 4, kernel3: 3, pool: 'max', fcWidth: 0 };
    expect(() => buildModel({ config: cnn, inputShape: [1, 4, 4], classes: 2 })).toThrow(ShapeError);
    expect(() => buildModel({ config: cnn, inputShape: [16], classes: 2 })).toThrow(/inputShape \[C,H,W\]/);
  });
});
