import { describe, expect, it } from 'vitest';
import { tensor } from '../../../core/tensor.js';
import { crossEntropy, nllLoss, mse, klDiv, distillationKL, accuracy } from '../../../core/nn/losses.js';
import * as ops from '../../../core/ops.js';
import { Random } from '../../../core/random.js';
import { checkGrad, randomTensor } from '../gradcheck.js';

const logits = [[2, 1, 0.1], [0.5, 2.5, -1]];
const labels = [0, 1];
function manualCE(smoothing = 0): number {
  let total = 0;
  logits.forEach((row, i) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    row.forEach((v, j) => {
      const q = (j === labels[i] ? 1 - smoothing : 0) + smoothing / row.length;
      total -= q * (v - lse);
    });
  });
  return total / logits.length;
}

describe('losses (known answers computed by hand in float64)', () => {
  it('crossEntropy from logits, with and without label smoothing, and with probability targets', () => {
    const x = tensor(logits, { dtype: 'float64' });
    const y = tensor(labels, { dtype: 'int32' });
    expect(crossEntropy(x, y).item()).toBeCloseTo(manualCE(), 12);
    expect(crossEntropy(x, y, { labelSmoothing: 0.1 }).item()).toBeCloseTo(manualCE(0.1), 12);
    expect(crossEntropy(x, ops.oneHot(y, 3, 'float64')).item()).toBeCloseTo(manualCE(), 12);
    expect(nllLoss(ops.logSoftmax(x), y).item()).toBeCloseTo(manualCE(), 12);
    expect(crossEntropy(x, y, { reduction: 'none' }).shape).toEqual([2]);
    // stable for huge logits
    expect(crossEntropy(tensor([[1e4, 0]]), tensor([1], { dtype: 'int32' })).item()).toBeCloseTo(1e4, 0);
    expect(() => crossEntropy(x, tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/crossEntropy: target must be labels of shape \[2\] or probabilities \[2,3\], got \[3\]/);
    expect(() => crossEntropy(x, tensor([0, 3], { dtype: 'int32' }))).toThrow(/oneHot: labels must be integers in \[0,2\], got 3/);
  });
  it('crossEntropy gradient is (softmax - onehot) / N and matches finite differences', () => {
    const x = tensor(logits, { dtype: 'float64', requiresGrad: true });
    crossEntropy(x, tensor(labels, { dtype: 'int32' })).backward();
    const sm = ops.softmax(x.detach());
    logits.forEach((row, i) => row.forEach((_, j) => expect(x.grad!.get(i, j)).toBeCloseTo((sm.get(i, j) - (j === labels[i] ? 1 : 0)) / 2, 12)));
    const r = new Random(3);
    checkGrad((t) => crossEntropy(t, tensor([2, 0, 1], { dtype: 'int32' }), { labelSmoothing: 0.2 }), [randomTensor([3, 4], r)]);
  });
  it('mse, klDiv and the distillation loss', () => {
    expect(mse(tensor([1, 2, 3]), tensor([1, 0, 0])).item()).toBeCloseTo(13 / 3, 6);
    const p = [0.2, 0.3, 0.5], q = [0.1, 0.6, 0.3];
    const kl = p.reduce((a, pv, i) => a + pv * Math.log(pv / q[i]), 0);
    const logq = tensor([q.map(Math.log)], { dtype: 'float64' });
    expect(klDiv(logq, tensor([p], { dtype: 'float64' })).item()).toBeCloseTo(kl, 12);
    expect(klDiv(logq, tensor([p.map(Math.log)], { dtype: 'float64' }), { logTarget: true }).item()).toBeCloseTo(kl, 12);
    const s = randomTensor([4, 5], new Random(1));
    expect(distillationKL(s, s.detach(), 4).item()).toBeCloseTo(0, 10);
    // T^2 * KL(softmax(t/T) || softmax(s/T))
    const t = randomTensor([1, 3], new Random(2));
    const T = 3;
    const pt = ops.softmax(t.div(T)).data, ps = ops.softmax(s.slice([0, 0], [1, 3]).div(T)).data;
    let manual = 0;
    for (let i = 0; i < 3; i++) manual += pt[i] * Math.log(pt[i] / ps[i]);
    expect(distillationKL(s.slice([0, 0], [1, 3]), t, T).item()).toBeCloseTo(T * T * manual, 10);
    checkGrad((a) => distillationKL(a, t, 2), [randomTensor([1, 3], new Random(4))]);
    expect(() => distillationKL(s, s, 0)).toThrow(/temperature must be a positive finite number, got 0/);
    // Infinity had given NaN (every logit divided to 0, times Infinity squared)
    expect(() => distillationKL(s, s, Infinity)).toThrow(/temperature must be a positive finite number, got Infinity/);
  });
  it('accuracy', () => {
    expect(accuracy(tensor(logits), tensor([0, 0], { dtype: 'int32' }))).toBe(0.5);
  });
});
