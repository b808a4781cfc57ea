import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../../core/tensor.js';
import { SGD } from '../../../core/optim/sgd.js';
import { Adam, AdamW } from '../../../core/optim/adam.js';
import { StepLR, CosineAnnealingLR, ExponentialLR, InvLR, LinearWarmup } from '../../../core/optim/schedulers.js';
import type { Optimizer } from '../../../core/optim/optimizer.js';

/** Loss sum((w - target)^2 * scale): its gradient is 2 (w - target) scale. */
function run(make: (p: Tensor[]) => Optimizer, steps: number, w0 = [1, -2, 3]): { w: number[]; opt: Optimizer; p: Tensor } {
  const p = tensor(w0, { requiresGrad: true });
  const opt = make([p]);
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    p.sub(tensor([0.5, 0.5, 0.5])).square().mul(tensor([1, 2, 3])).sum().backward();
    opt.step();
  }
  return { w: Array.from(p.data), opt, p };
}

/** Reference updates written from the PyTorch documentation's pseudo-code, in float64. */
function referenceSGD(lr: number, mu: number, nesterov: boolean, wd: number, steps: number): number[] {
  const w = [1, -2, 3], buf = [0, 0, 0], scale = [1, 2, 3];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < 3; i++) {
      let g = 2 * (w[i] - 0.5) * scale[i] + wd * w[i];
      if (mu) { buf[i] = t === 0 ? g : mu * buf[i] + g; g = nesterov ? g + mu * buf[i] : buf[i]; }
      w[i] -= lr * g;
    }
  }
  return w;
}
function referenceAdam(lr: number, wd: number, decoupled: boolean, steps: number): number[] {
  const w = [1, -2, 3], m = [0, 0, 0], v = [0, 0, 0], scale = [1, 2, 3];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < 3; i++) {
      let g = 2 * (w[i] - 0.5) * scale[i];
      if (decoupled) w[i] -= lr * wd * w[i]; else g += wd * w[i];
      m[i] = 0.9 * m[i] + 0.1 * g;
      v[i] = 0.999 * v[i] + 0.001 * g * g;
      w[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return w;
}

describe('optimizers follow the reference update rules', () => {
  it.each([[0, false, 0], [0.9, false, 0], [0.9, true, 0], [0.9, false, 0.01]] as const)('SGD momentum=%s nesterov=%s weightDecay=%s', (mu, nest, wd) => {
    const { w } = run((p) => new SGD(p, { lr: 0.05, momentum: mu, nesterov: nest, weightDecay: wd }), 7);
    referenceSGD(0.05, mu, nest, wd, 7).forEach((v, i) => expect(w[i]).toBeCloseTo(v, 5));
  });
  it('Adam and AdamW', () => {
    run((p) => new Adam(p, { lr: 0.1, weightDecay: 0.01 }), 9).w.forEach((v, i) => expect(v).toBeCloseTo(referenceAdam(0.1, 0.01, false, 9)[i], 5));
    run((p) => new AdamW(p, { lr: 0.1, weightDecay: 0.1 }), 9).w.forEach((v, i) => expect(v).toBeCloseTo(referenceAdam(0.1, 0.1, true, 9)[i], 5));
  });
  it('converge to the minimum', () => {
    for (const make of [(p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9 }), (p: Tensor[]) => new Adam(p, { lr: 0.05 })]) {
      run(make, 400).w.forEach((v) => expect(v).toBeCloseTo(0.5, 3));
    }
  });
  it('stateDict resumes training on exactly the same trajectory', () => {
    const full = run((p) => new Adam(p, { lr: 0.1 }), 10).w;
    const first = run((p) => new Adam(p, { lr: 0.1 }), 4);
    const saved = JSON.parse(JSON.stringify(first.opt.stateDict()));
    const p = tensor(Array.from(first.p.data), { requiresGrad: true });
    const opt = new Adam([p], { lr: 0.5 });
    opt.loadStateDict(saved);
    for (let i = 0; i < 6; i++) {
      opt.zeroGrad();
      p.sub(tensor([0.5, 0.5, 0.5])).square().mul(tensor([1, 2, 3])).sum().backward();
      opt.step();
    }
    expect(Array.from(p.data)).toEqual(full);
    expect(() => opt.loadStateDict({ ...saved, state: [] })).toThrow(/state is for 0 parameters/);
  });
  it('step hooks run after every step', () => {
    let calls = 0;
    const { opt } = run((p) => { const o = new SGD(p, { lr: 0.1 }); o.onStep(() => calls++); return o; }, 3);
    expect(calls).toBe(3);
    expect(opt.stepCount).toBe(3);
  });
});

describe('learning-rate schedules', () => {
  const opt = () => new SGD([tensor([1], { requiresGrad: true })], { lr: 1 });
  it('known values', () => {
    const s = new StepLR(opt(), 2, 0.5);
    expect([s.step(), s.step(), s.step(), s.step()]).toEqual([1, 0.5, 0.5, 0.25]);
    const e = new ExponentialLR(opt(), 0.9);
    e.step();
    expect(e.step()).toBeCloseTo(0.81, 12);
    const c = new CosineAnnealingLR(opt(), 10, 0.1);
    expect(c.lrAt(0)).toBe(1);
    expect(c.lrAt(5)).toBeCloseTo(0.55, 12);
    expect(c.lrAt(10)).toBeCloseTo(0.1, 12);
    const o = opt();
    const w = new LinearWarmup(o, 4, new CosineAnnealingLR(o, 10));
    expect(o.lr).toBeCloseTo(0.1, 12);
    expect([w.step(), w.step(), w.step(), w.step()].map((v) => +v.toFixed(6))).toEqual([0.325, 0.55, 0.775, 1]);
    expect(w.step()).toBeCloseTo((1 + Math.cos(Math.PI / 10)) / 2, 12);
    expect(() => new StepLR(opt(), 0)).toThrow(/StepLR: stepSize must be >= 1/);
    // Caffe's lenet_solver.prototxt: base_lr 0.01, lr_policy "inv", gamma 1e-4, power 0.75; Caffe logs
    // "lr = 0.00594604" at iteration 10000 (0.01 * 2^-0.75) and 0.00737788 at 5000.
    const inv = new InvLR(new SGD([tensor([1], { requiresGrad: true })], { lr: 0.01 }));
    expect(inv.lrAt(0)).toBe(0.01);
    expect(inv.lrAt(10000)).toBeCloseTo(0.00594604, 8);
    expect(inv.lrAt(5000)).toBeCloseTo(0.00737788, 8);
    expect(inv.step()).toBeCloseTo(0.01 * Math.pow(1.0001, -0.75), 14);
    expect(() => new InvLR(opt(), -1)).toThrow(/InvLR: gamma and power must be >= 0/);
  });
});
