import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d, Conv2d, DataLoader, Flatten, Linear, MaxPool2d, ReLU, Random, SGD, Sequential, Tensor, TensorDataset, crossEntropy, evaluate, fit, noGrad, randn, tensor,
} from '../../core/index.js';
import { convertQAT, fakeQuantize, prepareQAT } from '../../compress/qat.js';
import { convNet, images, maxAbsDiff } from './fixtures.js';

interface GradRef { torch: string; cases: { scale: number; zeroPoint: number; qmin: number; qmax: number; x: number[]; y: number[]; grad: number[] }[] }
const gradRef = JSON.parse(readFileSync(new URL('./torch-fake-quant-grad.json', import.meta.url), 'utf8')) as GradRef;

describe('quantization-aware training', () => {
  it('fake quantization rounds onto the grid and passes gradients straight through where the code is not clamped', () => {
    const x = tensor([-3, -0.26, 0.1, 0.5, 5]).requireGrad();
    const y = fakeQuantize(x, 0.1, 0, -10, 10);
    expect(Array.from(y.data).map((v) => Math.round(v * 1000) / 1000)).toEqual([-1, -0.3, 0.1, 0.5, 1]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 1, 1, 0]);
  });

  it(`fake quantization's output and gradient are torch.fake_quantize_per_tensor_affine's (${gradRef.torch}), at the ends of the range and half a step outside`, () => {
    // the mask had been x in [(qmin - z)s, (qmax - z)s]: 0 within half a step outside and at the float32 lower end itself, where PyTorch gives 1
    for (const c of gradRef.cases) {
      const x = new Tensor(Float32Array.from(c.x), [c.x.length]).requireGrad();
      const y = fakeQuantize(x, c.scale, c.zeroPoint, c.qmin, c.qmax);
      y.sum().backward();
      const name = `scale ${c.scale} zero point ${c.zeroPoint} [${c.qmin}, ${c.qmax}]`;
      expect(Array.from(y.data), name).toEqual(c.y);
      expect(Array.from(x.grad!.data), name).toEqual(c.grad);
    }
  });

  it('QAT trains through fake quantization and converts to an int8 model that matches it', () => {
    const data = images(128, 11);
    const qat = prepareQAT(convNet(2));
    const opt = new SGD(qat.parameters(), { lr: 0.05, momentum: 0.9 });
    const loader = new DataLoader(data, { batchSize: 32, shuffle: true });
    const before = noGrad(() => crossEntropy(qat.forward(data.x), data.y).item());
    fit(qat, loader, { epochs: 3, optimizer: opt });
    qat.eval();
    const after = noGrad(() => crossEntropy(qat.forward(data.x), data.y).item());
    expect(after).toBeLessThan(before);
    const q = convertQAT(qat);
    const a = evaluate(q, data).accuracy, b = evaluate(qat, data).accuracy;
    expect(Math.abs(a - b)).toBeLessThan(0.05);
    expect(maxAbsDiff(noGrad(() => q.forward(data.x)), noGrad(() => qat.forward(data.x)))).toBeLessThan(0.05);
  });
});
