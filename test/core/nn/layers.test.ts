import { describe, expect, it } from 'vitest';
import { tensor, zeros, randn } from '../../../core/tensor.js';
import * as ops from '../../../core/ops.js';
import { Random } from '../../../core/random.js';
import { Sequential, Linear, Conv2d, ReLU, BatchNorm1d, BatchNorm2d, Dropout, Flatten, MaxPool2d, AvgPool2d, GELU, LeakyReLU, usesBatchStatistics } from '../../../core/nn/layers.js';
import { ShapeError } from '../../../core/errors.js';
import { lenet300100, lenet5 } from '../../../core/nn/models.js';
import { kaimingUniform, xavierNormal } from '../../../core/nn/init.js';
import { checkGrad } from '../gradcheck.js';

describe('Module', () => {
  it('names parameters as torch.nn.Sequential does and counts them', () => {
    const m = lenet300100(0);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias', '3.weight', '3.bias', '5.weight', '5.bias']);
    expect(m.numParameters()).toBe(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
    expect(lenet5(0).numParameters()).toBe(20 * 25 + 20 + 50 * 20 * 25 + 50 + 800 * 500 + 500 + 500 * 10 + 10);
    expect(m.toString()).toContain('(1): Linear(784, 300)');
  });
  it('describes each layer with the settings that differ from the defaults', () => {
    expect(new MaxPool2d(2).describe()).toBe('MaxPool2d(2)');
    expect(new MaxPool2d(2, 1, 1).describe()).toBe('MaxPool2d(2, stride=1, padding=1)');
    expect(new AvgPool2d([3, 3], 2).describe()).toBe('AvgPool2d([3,3], stride=2)');
    expect(new LeakyReLU(0.2).describe()).toBe('LeakyReLU(0.2)');
    expect(new Conv2d(1, 4, 3, { dilation: 2 }).describe()).toBe('Conv2d(1, 4, kernel=3, stride=1, padding=0, dilation=2)');
    expect(new Conv2d(1, 4, 3).describe()).toBe('Conv2d(1, 4, kernel=3, stride=1, padding=0)');
  });
  it('stateDict/loadStateDict round-trip in place, with clear errors on mismatch', () => {
    const a = lenet300100(1), b = lenet300100(2);
    const w = b.parameters()[0];
    b.loadStateDict(a.stateDict());
    expect(b.parameters()[0]).toBe(w); // same tensor object: optimizers keep their references
    expect(Array.from(b.parameters()[0].data)).toEqual(Array.from(a.parameters()[0].data));
    const sd = a.stateDict();
    delete sd['5.bias'];
    expect(() => b.loadStateDict(sd)).toThrow(/loadStateDict: keys must match the model, got missing \[5\.bias\]/);
    expect(() => b.loadStateDict({ ...a.stateDict(), '1.weight': zeros([784, 300]) })).toThrow(/loadStateDict: 1\.weight must be \[300,784\], got \[784,300\]/);
  });
  it('BatchNorm: buffers under PyTorch names, batch statistics in training, running ones in eval', () => {
    const bn = new BatchNorm1d(2);
    expect(Object.keys(bn.stateDict()).sort()).toEqual(['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']);
    expect(bn.parameters().length).toBe(2);
    const x = tensor([[1, 10], [3, 20], [5, 30]]);
    const y = bn.forward(x);
    // column 0: mean 3, population var 8/3
    expect(y.get(0, 0)).toBeCloseTo((1 - 3) / Math.sqrt(8 / 3 + 1e-5), 5);
    expect(bn.runningMean.data[0]).toBeCloseTo(0.3, 6);
    expect(bn.runningVar.data[0]).toBeCloseTo(0.9 + 0.1 * 4, 6); // unbiased var 4
    bn.eval();
    const z = bn.forward(x);
    expect(z.get(0, 0)).toBeCloseTo((1 - 0.3) / Math.sqrt(1.3 + 1e-5), 5);
    const bn2 = new BatchNorm2d(3);
    expect(bn2.forward(randn([2, 3, 4, 4])).shape).toEqual([2, 3, 4, 4]);
    expect(() => bn2.forward(randn([2, 4, 4, 4]))).toThrow(/BatchNorm2d: input must be \[N,3,H,W\], got \[2,4,4,4\]/);
  });
  it.each([
    ['BatchNorm1d', [1, 8], () => new BatchNorm1d(8)],
    ['BatchNorm1d', [1, 8, 1], () => new BatchNorm1d(8)],
    ['BatchNorm2d', [1, 8, 1, 1], () => new BatchNorm2d(8)],
  ] as const)('%s refuses to train on one value per channel %j (had been: an output of zeros), and eval takes it', (name, shape, make) => {
    const bn = make();
    bn.runningMean.data.fill(0.5);
    const x = randn([...shape], { rng: new Random(4) });
    const message = `${name}: training needs more than one value per channel, got input [${shape.join(',')}]; train on batches of more than one row, or call eval() to normalize with the running statistics`;
    expect(() => bn.forward(x)).toThrow(ShapeError);
    expect(() => bn.forward(x)).toThrow(message);
    // the refused batch left the running statistics alone
    expect(Array.from(bn.runningMean.data)).toEqual(new Array(8).fill(0.5));
    expect(bn.numBatchesTracked.data[0]).toBe(0);
    bn.eval();
    const y = bn.forward(x);
    expect(y.shape).toEqual([...shape]);
    for (let c = 0; c < 8; c++) expect(y.data[c]).toBeCloseTo((x.data[c] - 0.5) / Math.sqrt(1 + 1e-5), 5);
  });
  it('BatchNorm trains on one row of a feature map: [1,C,H,W] with H*W > 1, [1,C,L] with L > 1', () => {
    const y = new BatchNorm2d(2).forward(randn([1, 2, 3, 1], { rng: new Random(5) }));
    // each channel's three values normalized: mean 0, not all zero
    for (let c = 0; c < 2; c++) {
      const v = Array.from(y.data.subarray(3 * c, 3 * c + 3));
      expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
      expect(v.some((t) => Math.abs(t) > 0.1)).toBe(true);
    }
    expect(new BatchNorm1d(2).forward(randn([1, 2, 2], { rng: new Random(6) })).shape).toEqual([1, 2, 2]);
  });
  it('usesBatchStatistics: a BatchNorm anywhere in the tree, in training mode', () => {
    const m = new Sequential(new Linear(4, 3), new Sequential(new BatchNorm1d(3)), new ReLU());
    expect(usesBatchStatistics(m)).toBe(true);
    expect(usesBatchStatistics(m.eval())).toBe(false);
    expect(usesBatchStatistics(new Sequential(new Linear(4, 3), new Dropout(0.1)))).toBe(false);
  });
  it('BatchNorm training forward is differentiable (float32 finite differences)', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([3, 2, 2, 2], { rng: new Random(3) });
    checkGrad((t) => bn.forward(t), [x], { eps: 1e-2, rtol: 5e-2, atol: 5e-3 });
  });
  it('Dropout scales kept units in training and is the identity in eval', () => {
    const d = new Dropout(0.25, new Random(1));
    const x = zeros([10000]).add(1);
    const y = d.forward(x);
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(kept.length / 10000).toBeGreaterThan(0.72);
    expect(kept.length / 10000).toBeLessThan(0.78);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow(/Dropout: p must be in \[0,1\), got 1/);
  });
  it('layers compute what their ops say', () => {
    const rng = new Random(5);
    const lin = new Linear(4, 3, { rng });
    const x = randn([2, 4], { rng });
    expect(Array.from(lin.forward(x).data)).toEqual(Array.from(x.matmul(lin.weight.T).add(lin.bias!).data));
    const conv = new Conv2d(2, 4, 3, { padding: 1, rng });
    const img = randn([1, 2, 5, 5], { rng });
    expect(conv.forward(img).shape).toEqual([1, 4, 5, 5]);
    const net = new Sequential(conv, new ReLU(), new MaxPool2d(2), new Flatten());
    expect(net.forward(img).shape).toEqual([1, 16]);
    expect(new LeakyReLU(0.1).forward(tensor([-1, 2])).toArray()).toEqual([Math.fround(-0.1), 2]);
    // a slope past 1 scales the negatives too (max(x, 2x) had given -1 for -1; PyTorch -2); NaN passes, as in PyTorch
    expect(new LeakyReLU(2).forward(tensor([-1, 2, NaN])).toArray()).toEqual([-2, 2, NaN]);
    expect(new LeakyReLU(0.1).forward(tensor([NaN])).toArray()).toEqual([NaN]);
    expect(new ReLU().forward(tensor([NaN, -1])).toArray()).toEqual([NaN, 0]);
    expect(new GELU().forward(tensor([0, 100])).toArray()).toEqual([0, 100]);
  });
  it('initializers: seeded, with the right bounds and spread', () => {
    const a = kaimingUniform(zeros([100, 50]), { rng: new Random(1) });
    const b = kaimingUniform(zeros([100, 50]), { rng: new Random(1) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const bound = Math.SQRT2 * Math.sqrt(3 / 50);
    expect(a.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(a.abs().max().item()).toBeGreaterThan(0.9 * bound);
    const n = xavierNormal(zeros([200, 300]), { rng: new Random(2) });
    expect(Math.sqrt(n.variance().item())).toBeCloseTo(Math.sqrt(2 / 500), 2);
    expect(() => kaimingUniform(zeros([3]))).toThrow(/init: weight must have at least 2 dimensions/);
  });
  it('train()/eval() reach every child', () => {
    const m = lenet5(0);
    m.eval();
    expect(m.namedModules().every(([, c]) => !c.training)).toBe(true);
    m.train();
    expect(m.namedModules().every(([, c]) => c.training)).toBe(true);
    expect(ops.relu(tensor([-1])).item()).toBe(0);
  });
});

describe('a Linear layer with no inputs', () => {
  it('starts with zero biases, as PyTorch, and computes them: U(-1/sqrt(0), 1/sqrt(0)) had made them NaN', () => {
    const lin = new Linear(0, 4, { rng: new Random(3) });
    expect(Array.from(lin.bias!.data)).toEqual([0, 0, 0, 0]);
    const out = lin.call(zeros([3, 0]));
    expect(out.shape).toEqual([3, 4]);
    expect(Array.from(out.data)).toEqual(new Array(12).fill(0));
  });
});
