import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d, DataLoader, Flatten, Linear, ReLU, Random, SGD, Sequential, Tensor, TensorDataset, crossEntropy, distillationKL, fit, randn, runStepsAsync, tensor,
} from '../../core/index.js';
import { distill, distillSteps, distillationLoss, distillationLossOn } from '../../compress/distill.js';

function data(n: number, seed: number): TensorDataset {
  const rng = new Random(seed);
  const x = randn([n, 8], { rng });
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = (x.data[i * 8] * x.data[i * 8 + 1] > 0 ? 1 : 0) + (x.data[i * 8 + 2] > 0 ? 2 : 0);
  return new TensorDataset(x, new Tensor(y, [n], 'int32'));
}
const net = (hidden: number, seed: number) => { const rng = new Random(seed); return new Sequential(new Flatten(), new Linear(8, hidden, { rng }), new ReLU(), new Linear(hidden, 4, { rng })); };

describe('distillation', () => {
  const train = data(256, 1);
  const teacher = net(32, 1);
  fit(teacher, new DataLoader(train, { batchSize: 32, shuffle: true }), { epochs: 4, optimizer: new SGD(teacher.parameters(), { lr: 0.05, momentum: 0.9 }) });

  it('the loss is alpha * T^2 KL + (1 - alpha) * CE', () => {
    const s = tensor([[1, 2, 0.5, -1], [0, 0, 1, 3]]), t = tensor([[2, 1, 0, 0], [1, -1, 2, 0]]), y = tensor([1, 3], { dtype: 'int32' });
    const expected = 0.7 * distillationKL(s, t, 3).item() + 0.3 * crossEntropy(s, y).item();
    expect(distillationLoss(s, t, y, { alpha: 0.7, temperature: 3 }).item()).toBeCloseTo(expected, 6);
    expect(distillationLoss(s, t, y, { alpha: 1, temperature: 3 }).item()).toBeCloseTo(distillationKL(s, t, 3).item(), 6);
    expect(() => distillationLoss(s, t, y, { alpha: 1.5 })).toThrow(/distillationLoss: alpha must be in \[0,1\], got 1.5/);
  });

  it('a temperature must be positive and finite: Infinity had given a NaN loss', () => {
    const s = tensor([[1, 2, 0.5, -1]]), y = tensor([1], { dtype: 'int32' });
    for (const temperature of [Infinity, 0, -2, NaN]) {
      expect(() => distillationLoss(s, s, y, { temperature }), String(temperature)).toThrow(`distillationLoss: temperature must be a positive finite number, got ${temperature}`);
      expect(() => distill(net(6, 2), teacher, new DataLoader(train), { epochs: 1, temperature }), String(temperature)).toThrow(`distill: temperature must be a positive finite number, got ${temperature}`);
    }
  });

  it('a tiny distillation run reduces the KD loss on held-out data', () => {
    const student = net(6, 2);
    const held = data(200, 2);
    const before = distillationLossOn(student, teacher, held, { alpha: 1, temperature: 4 });
    const { history } = distill(student, teacher, new DataLoader(train, { batchSize: 32, shuffle: true }), { epochs: 3, alpha: 0.9, temperature: 4 });
    expect(history).toHaveLength(3);
    expect(history[2].kd).toBeLessThan(history[0].kd);
    expect(distillationLossOn(student, teacher, held, { alpha: 1, temperature: 4 })).toBeLessThan(before * 0.8);
  });

  it('shouldStop ends training at that very batch: the student is the one trained on just those batches', async () => {
    let steps = 0;
    const counting = (p: Tensor[]) => {
      const opt = new SGD(p, { lr: 0.05, momentum: 0.9 });
      const step = opt.step.bind(opt);
      opt.step = () => (steps++, step());
      return opt;
    };
    const stopped = net(6, 4);
    const { history } = await runStepsAsync(distillSteps(stopped, teacher, new DataLoader(train, { batchSize: 32 }), { epochs: 3, optimizer: counting, shouldStop: () => steps >= 2 }));
    expect(steps).toBe(2);
    expect(history).toHaveLength(1);
    const whole = net(6, 4);
    distill(whole, teacher, new DataLoader(train.subset(Array.from({ length: 64 }, (_, i) => i)), { batchSize: 32 }), { epochs: 1, optimizer: (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }) });
    const a = stopped.parameters(), b = whole.parameters();
    for (let p = 0; p < a.length; p++) expect(Array.from(a[p].data)).toEqual(Array.from(b[p].data));
    expect(history[0].loss).toBeCloseTo(distill(net(6, 4), teacher, new DataLoader(train.subset(Array.from({ length: 64 }, (_, i) => i)), { batchSize: 32 }), { epochs: 1 }).history[0].loss, 10);
  });

  it('a hint loss trains a regressor from student to teacher features and goes down', () => {
    const student = net(6, 3);
    const { history, regressor } = distill(student, teacher, new DataLoader(train, { batchSize: 32 }), {
      epochs: 3, hint: { studentLayer: 2, teacherLayer: 2, weight: 0.5 }, optimizer: (p) => new SGD(p, { lr: 0.02, momentum: 0.9 }),
    });
    expect(regressor!.proj.inFeatures).toBe(6);
    expect(regressor!.proj.outFeatures).toBe(32);
    expect(history[2].hint!).toBeLessThan(history[0].hint!);
    expect(() => distill(student, teacher, new DataLoader(train), { epochs: 1, hint: { studentLayer: 9, teacherLayer: 0 } })).toThrow(/hint layer must be in \[0,3\], got 9/);
  });

  it('a student with BatchNorm on 4 * 32 + 1 rows trains on the full batches only; the hint probe neither throws nor counts', () => {
    const rng = new Random(5);
    const student = new Sequential(new Flatten(), new Linear(8, 6, { rng }), new BatchNorm1d(6), new ReLU(), new Linear(6, 4, { rng }));
    const bn = student.layers[2] as BatchNorm1d;
    const { history } = distill(student, teacher, new DataLoader(data(129, 6), { batchSize: 32, shuffle: true, seed: 1 }), {
      epochs: 2, hint: { studentLayer: 3, teacherLayer: 2 }, optimizer: (p) => new SGD(p, { lr: 0.02, momentum: 0.9 }),
    });
    expect(history).toHaveLength(2);
    expect(history.every((e) => Number.isFinite(e.loss))).toBe(true);
    // 4 batches an epoch: not the one-row batch, and not the one-row probe that sized the regressor
    expect(bn.numBatchesTracked.data[0]).toBe(8);
    expect(bn.training).toBe(true);
  });
});
