import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataLoader, Linear, ReLU, Random, SGD, Sequential, Tensor, crossEntropy, evaluate, fit, loadModelWeights, noGrad, randn, saveModel, tensor,
} from '../../core/index.js';
import { QATLayer, convertQAT, fakeQuantize, prepareQAT } from '../../compress/qat.js';
import type { ObserverKind } from '../../compress/observers.js';
import { convNet, images, maxAbsDiff } from './fixtures.js';

interface GradRef { torch: string; cases: { scale: number; zeroPoint: number; qmin: number; qmax: number; x: number[]; y: number[]; grad: number[] }[] }
const gradRef = JSON.parse(readFileSync(new URL('./torch-fake-quant-grad.json', import.meta.url), 'utf8')) as GradRef;

const mlp = () => new Sequential(new Linear(10, 16, { rng: new Random(3) }), new ReLU(), new Linear(16, 5, { rng: new Random(4) }));
const batch = (seed: number, n = 32) => randn([n, 10], { rng: new Random(seed) });
const labels = (n: number) => tensor(Array.from({ length: n }, (_, i) => i % 5), { dtype: 'int32' });

/** A QAT copy of mlp() trained for `steps` SGD steps on batches with outliers (so a percentile range clips). */
function trainedQat(kind: ObserverKind, steps: number): Sequential {
  const qat = prepareQAT(mlp(), { observer: { kind, percentile: 99 } });
  const opt = new SGD(qat.parameters(), { lr: 0.05 });
  qat.train();
  for (let s = 0; s < steps; s++) {
    const x = batch(10 + s);
    x.data[s % x.size] = 25;
    opt.zeroGrad();
    crossEntropy(qat.forward(x), labels(32)).backward();
    opt.step();
  }
  return qat.eval();
}

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

  for (const kind of ['ema', 'minmax', 'percentile', 'mse'] as const) {
    it(`a ${kind} observer: training, eval and the int8 model quantize the input over the same range`, () => {
      // percentile had fake-quantized over the raw [min, max] (scale 0.02604, zero point -5) and converted over the
      // clipped range (0.01807, -3): the int8 model's outputs differed from the trained QAT model's by up to 0.146
      const qat = trainedQat(kind, 6);
      const q = convertQAT(qat);
      const x = batch(50);
      expect(maxAbsDiff(noGrad(() => qat.forward(x)), noGrad(() => q.forward(x)))).toBeLessThan(1e-5);
      qat.layers.forEach((l, i) => {
        if (!(l instanceof QATLayer)) return;
        expect(l.inputQParams, `layer ${i}`).toEqual(l.observer.qparams());
        const ql = q.layers[i] as unknown as { inputScale: Tensor; inputZeroPoint: Tensor };
        expect({ scale: ql.inputScale.data[0], zeroPoint: ql.inputZeroPoint.data[0] }, `layer ${i}`).toEqual(l.inputQParams);
      });
    });
  }

  for (const kind of ['ema', 'percentile'] as const) {
    it(`a saved ${kind} QAT model reloads with its activation ranges: it evaluates, converts and trains on as the original`, () => {
      // the state dict had held only weights and biases: convertQAT after a reload threw 'Observer: no values
      // observed', and in eval the reloaded model calibrated on its first batch (ranges [-2.8, 2.4] for [-10.6, 8.2])
      const qat = trainedQat(kind, 5);
      const file = join(mkdtempSync(join(tmpdir(), 'whittle-qat-')), 'qat.safetensors');
      saveModel(file, qat);
      const back = prepareQAT(mlp(), { observer: { kind, percentile: 99 } });
      loadModelWeights(file, back);
      back.eval();
      const x = batch(99, 4);
      expect(Array.from(noGrad(() => back.forward(x)).data)).toEqual(Array.from(noGrad(() => qat.forward(x)).data));
      const a = convertQAT(qat).stateDict(), b = convertQAT(back).stateDict();
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) expect(Array.from(b[k].data), k).toEqual(Array.from(a[k].data));
      // one more training step on each: the same weights and ranges (the sample is far from full, so no draw differs)
      for (const m of [qat, back]) {
        m.train();
        const opt = new SGD(m.parameters(), { lr: 0.05 });
        opt.zeroGrad();
        crossEntropy(m.forward(batch(77)), labels(32)).backward();
        opt.step();
      }
      const sa = qat.stateDict(), sb = back.stateDict();
      for (const k of Object.keys(sa)) expect(Array.from(sb[k].data), k).toEqual(Array.from(sa[k].data));
    });
  }

  it('a layer that has observed nothing: eval calibrates on its first batch, convertQAT says to run batches first', () => {
    const qat = prepareQAT(mlp());
    expect(() => convertQAT(qat)).toThrow(/^convertQAT: layer 0 \(QAT\(Linear\(10, 16\)\)\) has observed no inputs: run training or calibration batches through the QAT model first$/);
    qat.eval();
    noGrad(() => qat.forward(batch(1)));
    const l = qat.layers[0] as QATLayer;
    expect(l.observer.count).toBe(320);
    noGrad(() => qat.forward(batch(2)));
    expect(l.observer.count).toBe(320);
    expect(() => convertQAT(qat)).not.toThrow();
  });

  it('prepareQAT checks its options', () => {
    // 'per-tnsor' had trained per tensor without a word, where quantizeModel refuses it
    expect(() => prepareQAT(mlp(), { weights: 'per-tnsor' as 'per-tensor' })).toThrow(/^prepareQAT: weights must be 'per-channel' or 'per-tensor', got per-tnsor$/);
    expect(() => prepareQAT(mlp(), { observer: { kind: 'ema', momentum: 3 } })).toThrow(/^Observer: momentum must be in \(0,1\], got 3$/);
    expect((prepareQAT(mlp(), { weights: 'per-tensor' }).layers[0] as QATLayer).perChannel).toBe(false);
  });
});
