import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { mnistDataset, trainValSplit } from '../../../core/data/dataset.js';
import { Linear } from '../../../core/nn/layers.js';
import { buildModel, countParameters, type NasArch } from '../../../search/nas/builder.js';
import { checkCompression, compressAndScore } from '../../../search/nas/compression.js';

const data = trainValSplit(mnistDataset('train', { limit: 400 }), 0.25, { seed: 1, stratify: true });
const arch: NasArch = { config: { family: 'mlp', depth: 1, width1: 32, activation: 'relu', dropout: 0, lr: 3e-3, batchSize: 32 }, inputShape: [1, 28, 28], classes: 10 };

describe('compressAndScore', () => {
  it('prunes to the asked sparsity, keeps the zeros through fine-tuning and reports them', () => {
    const model = buildModel(arch, { seed: 1 });
    const s = compressAndScore(model, data, { sparsity: 0.8, fineTuneEpochs: 0.5, lr: 3e-3, batchSize: 32, seed: 1, accuracyBefore: 0.5 });
    expect(s.sparsity).toBeCloseTo(0.8, 2);
    expect(s.fineTuneEpochs).toBe(0.5);
    let zeros = 0, size = 0;
    for (const l of model.layers) {
      if (!(l instanceof Linear)) continue;
      for (const w of l.weight.data) zeros += w === 0 ? 1 : 0;
      size += l.weight.size;
    }
    expect(zeros / size).toBeCloseTo(0.8, 2);
    expect(s.nonzeroParams).toBe(countParameters(arch) - zeros);
    expect(s.accuracy).toBeGreaterThanOrEqual(0);
    expect(s.accuracyBefore).toBe(0.5);
  });

  it('scores an int8 model when asked to quantize', () => {
    const model = buildModel(arch, { seed: 2 });
    const s = compressAndScore(model, data, { quantize: 'int8', lr: 3e-3, batchSize: 32, seed: 2, accuracyBefore: 0 });
    expect(s.model).not.toBe(model);
    expect(s.sparsity).toBeLessThan(0.01);
    expect(s.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('checks its options', () => {
    expect(() => checkCompression({ sparsity: 1 })).toThrow(ArgumentError);
    expect(() => checkCompression({})).toThrow(/neither/);
  });
});
