import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnistDataset, DataLoader } from '../../core/data/dataset.js';
import { lenet300100, lenet5 } from '../../core/nn/models.js';
import { SGD } from '../../core/optim/sgd.js';
import { fit, evaluate, predict } from '../../core/train.js';
import { saveModel, loadModelWeights, loadTensors } from '../../core/io/model-file.js';
import { FormatError } from '../../core/errors.js';

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
