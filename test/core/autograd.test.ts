import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor, ones } from '../../core/tensor.js';
import * as ops from '../../core/ops.js';
import { noGrad } from '../../core/autograd.js';
import { Random } from '../../core/random.js';
import { checkGrad, randomTensor } from './gradcheck.js';

const dim = fc.integer({ min: 1, max: 4 });
const shape = fc.array(dim, { minLength: 1, maxLength: 3 });
const seed = fc.integer({ min: 0, max: 1e6 });
const runs = { numRuns: 8 };

/** Drops each dim of `s` to 1 at random, to exercise broadcasting of the second operand. */
function broadcastPartner(s: number[], rng: Random): number[] {
  const lead = rng.int(s.length);
  return s.slice(lead).map((d) => (rng.next() < 0.4 ? 1 : d));
}

describe('gradients against central finite differences (float64)', () => {
  const unary: Array<[string, (x: Tensor) => Tensor, number, number]> = [
    ['neg', ops.neg, -2, 2], ['abs', ops.abs, 0.1, 2], ['exp', ops.exp, -2, 2], ['log', ops.log, 0.2, 3],
    ['sqrt', ops.sqrt, 0.2, 3], ['relu', ops.relu, 0.1, 2], ['sigmoid', ops.sigmoid, -3, 3], ['tanh', ops.tanh, -2, 2],
    ['clamp', (x) => ops.clamp(x, -0.5, 0.7), -2, 2], ['softmax', (x) => ops.softmax(x, -1), -2, 2],
    ['logSoftmax', (x) => ops.logSoftmax(x, 0), -2, 2], ['square', (x) => x.square(), -2, 2],
  ];
  it.each(unary)('%s', (_name, f, lo, hi) => {
    fc.assert(fc.property(shape, seed, (s, sd) => {
      const rng = new Random(sd);
      // relu/abs/clamp are not differentiable at their kinks: keep samples away from them
      const x = randomTensor(s, rng, 'float64', lo, hi);
      if (_name === 'relu' || _name === 'abs') for (let i = 0; i < x.size; i++) x.data[i] *= rng.next() < 0.5 ? -1 : 1;
      if (_name === 'clamp') for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i] + 0.5) < 0.01 || Math.abs(x.data[i] - 0.7) < 0.01) x.data[i] += 0.05;
      checkGrad(f, [x]);
    }), runs);
  });

  const binary: Array<[string, (a: Tensor, b: Tensor) => Tensor, number, number]> = [
    ['add', ops.add, -2, 2], ['sub', ops.sub, -2, 2], ['mul', ops.mul, -2, 2], ['div', ops.div, 0.5, 2],
    ['pow', ops.pow, 0.5, 2], ['maximum', ops.maximum, -2, 2], ['minimum', ops.minimum, -2, 2],
  ];
  it.each(binary)('%s with broadcasting', (_name, f, lo, hi) => {
    fc.assert(fc.property(shape, seed, (s, sd) => {
      const rng = new Random(sd);
      const a = randomTensor(s, rng, 'float64', lo, hi);
      const b = randomTensor(broadcastPartner(s, rng), rng, 'float64', lo, hi);
      checkGrad(f, [a, b]);
      checkGrad(f, [b.detach(), a.detach()]);
    }), runs);
  });

  it('where routes the gradient by the condition', () => {
    const rng = new Random(1);
    const a = randomTensor([3, 4], rng), b = randomTensor([4], rng);
    const c = ops.gt(randomTensor([3, 1], rng), 0);
    checkGrad((x, y) => ops.where(c, x, y), [a, b]);
  });

  it.each([['sum'], ['mean'], ['max'], ['min'], ['variance']] as const)('%s over random axes, keepDims both ways', (name) => {
    fc.assert(fc.property(shape, seed, fc.boolean(), (s, sd, keep) => {
      const rng = new Random(sd);
      const x = randomTensor(s, rng);
      const axes = s.map((_, i) => i).filter(() => rng.next() < 0.5);
      checkGrad((t) => (t as unknown as Record<string, (a: number[], k: boolean) => Tensor>)[name](axes, keep), [x]);
    }), runs);
  });

  it('shape ops: reshape, permute, slice with steps, concat, stack, broadcastTo, squeeze, cast', () => {
    const rng = new Random(3);
    const x = randomTensor([2, 3, 4], rng);
    checkGrad((t) => t.reshape([4, -1]), [x]);
    checkGrad((t) => t.permute([2, 0, 1]), [x]);
    checkGrad((t) => t.slice([1, 0, 1], [2, 3, 4], [1, 2, 2]), [x]);
    checkGrad((a, b) => ops.concat([a, b, a], 1), [x, randomTensor([2, 2, 4], rng)]);
    checkGrad((a, b) => ops.stack([a, b], 1), [x, randomTensor([2, 3, 4], rng)]);
    checkGrad((t) => t.broadcastTo([5, 2, 3, 4]), [x]);
    checkGrad((t) => t.unsqueeze(1).squeeze(1), [x]);
    checkGrad((t) => t.cast('float32').cast('float64'), [x], { eps: 1e-3, rtol: 1e-3, atol: 1e-4 });
  });

  it('matmul: 2-D, batched, broadcast batch, and 1-D operands', () => {
    fc.assert(fc.property(dim, dim, dim, dim, seed, (m, k, n, bt, sd) => {
      const rng = new Random(sd);
      checkGrad(ops.matmul, [randomTensor([m, k], rng), randomTensor([k, n], rng)]);
      checkGrad(ops.matmul, [randomTensor([bt, m, k], rng), randomTensor([bt, k, n], rng)]);
      checkGrad(ops.matmul, [randomTensor([2, 1, m, k], rng), randomTensor([bt, k, n], rng)]);
      checkGrad(ops.matmul, [randomTensor([k], rng), randomTensor([k, n], rng)]);
      checkGrad(ops.matmul, [randomTensor([m, k], rng), randomTensor([k], rng)]);
      // 1-D by 1-D: the dot product, a 0-D tensor
      checkGrad(ops.matmul, [randomTensor([k], rng), randomTensor([k], rng)]);
    }), runs);
  });

  it('linear with and without bias', () => {
    const rng = new Random(4);
    checkGrad(ops.linear, [randomTensor([2, 3, 5], rng), randomTensor([4, 5], rng), randomTensor([4], rng)]);
    checkGrad((x, w) => ops.linear(x, w), [randomTensor([3, 5], rng), randomTensor([2, 5], rng)]);
  });
});

describe('gradients of float32-only kernels (conv, pooling) against finite differences in float32', () => {
  it('conv2d with stride, padding, dilation and groups', () => {
    fc.assert(fc.property(seed, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 }), (sd, stride, dil, pad, groups) => {
      const rng = new Random(sd);
      const x = randomTensor([2, 2 * groups, 6, 5], rng, 'float32', -1, 1);
      const w = randomTensor([2 * groups, 2, 3, 2], rng, 'float32', -1, 1);
      const b = randomTensor([2 * groups], rng, 'float32', -1, 1);
      checkGrad((a, ww, bb) => ops.conv2d(a, ww, bb, { stride, padding: pad, dilation: dil, groups }), [x, w, b], { eps: 1e-2, rtol: 2e-2, atol: 2e-3 });
    }), { numRuns: 6 });
  });
  it('maxPool2d and avgPool2d', () => {
    const rng = new Random(5);
    // distinct values so that no max is tied within a window
    const x = tensor(Float32Array.from(rng.permutation(2 * 3 * 7 * 6), (v) => v / 10), { shape: [2, 3, 7, 6] });
    checkGrad((t) => ops.maxPool2d(t, 3, { stride: 2, padding: 1 }), [x], { eps: 1e-2 });
    checkGrad((t) => ops.avgPool2d(t, [2, 3], { stride: [2, 1], padding: [1, 1] }), [randomTensor([2, 3, 7, 6], rng, 'float32')], { eps: 1e-2 });
  });
});

describe('autograd mechanics', () => {
  it('a tensor used twice accumulates both contributions', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).add(x.mul(3)).sum(); // d/dx = 2x + 3
    y.backward();
    expect(Array.from(x.grad!.data)).toEqual([5, 7, 9]);
    checkGrad((t) => t.mul(t).add(t.exp().mul(t)), [randomTensor([4], new Random(9))]);
  });
  it('gradients accumulate across backward calls until zeroed', () => {
    const x = tensor([2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.item()).toBe(6);
  });
  it('detach and noGrad stop the graph; requiresGrad on ints is refused', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.detach().mul(2).requiresGrad).toBe(false);
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(/requiresGrad: only floating tensors/);
    expect(() => x.mul(2).backward()).toThrow(/seed gradient is needed/);
  });
  it('customGrad: a straight-through rounding passes the gradient unchanged inside the clip range', () => {
    const x = tensor([0.2, 1.7, -3, 5], { requiresGrad: true });
    const ste = (t: Tensor) => ops.customGrad([t], (a) => a.clamp(-2, 2).mul(2).cast('int32').cast('float32').div(2),
      (g, a) => [g.mul(a.ge(-2).cast('float32').mul(a.le(2).cast('float32')))]);
    const y = ste(x);
    expect(Array.from(y.data)).toEqual([0, 1.5, -2, 2]);
    y.mul(tensor([1, 2, 3, 4])).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 2, 0, 0]);
  });
  it('deep chains backpropagate without overflowing the stack', () => {
    const x = tensor([1], { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });
  it('backward seeds ones for a scalar and checks the seed shape', () => {
    const x = ones([2, 2], { requiresGrad: true });
    expect(() => x.sum(0).backward(ones([3]))).toThrow(/seed gradient must have the output's shape, got \[3\] for \[2\]/);
  });
});
