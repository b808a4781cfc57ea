import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '../../../core/tensor.js';
import { SGD } from '../../../core/optim/sgd.js';
import { Adam, AdamW } from '../../../core/optim/adam.js';
import { StepLR, CosineAnnealingLR, ExponentialLR, InvLR, LinearWarmup } from '../../../core/optim/schedulers.js';
import type { Optimizer } from '../../../core/optim/optimizer.js';
import { ArgumentError } from '../../../core/errors.js';

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

describe('bad options fail at construction, naming the class, the option and the value', () => {
  const ps = () => [tensor([1, 2], { requiresGrad: true })];
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Adam betas[1] = 1 (NaN after one step)', () => new Adam(ps(), { betas: [0.9, 1] }), /^Adam: betas\[1\] must be in \[0, 1\), got 1$/],
    ['Adam betas[0] > 1', () => new Adam(ps(), { betas: [1.5, 0.999] }), /^Adam: betas\[0\] must be in \[0, 1\), got 1\.5$/],
    ['Adam betas of one', () => new Adam(ps(), { betas: [0.9] as unknown as [number, number] }), /^Adam: betas must be a pair \[beta1, beta2\], got an array of 1$/],
    ['Adam eps < 0', () => new Adam(ps(), { eps: -1 }), /^Adam: eps must be a finite number > 0, got -1$/],
    ['Adam weightDecay < 0', () => new Adam(ps(), { weightDecay: -1 }), /^Adam: weightDecay must be a finite number >= 0, got -1$/],
    ['AdamW names itself', () => new AdamW(ps(), { betas: [0.9, NaN] }), /^AdamW: betas\[1\] must be in \[0, 1\), got NaN$/],
    ['Adam null options', () => new Adam(ps(), null as unknown as object), /^Adam: options must be an object such as \{ lr: 1e-3 \}, got null$/],
    ['SGD momentum NaN', () => new SGD(ps(), { lr: 0.1, momentum: NaN }), /^SGD: momentum must be in \[0, 1\), got NaN$/],
    ['SGD momentum 1.5', () => new SGD(ps(), { lr: 0.1, momentum: 1.5 }), /^SGD: momentum must be in \[0, 1\), got 1\.5$/],
    ['SGD weightDecay NaN', () => new SGD(ps(), { lr: 0.1, weightDecay: NaN }), /^SGD: weightDecay must be a finite number >= 0, got NaN$/],
    ['SGD dampening 2', () => new SGD(ps(), { lr: 0.1, momentum: 0.9, dampening: 2 }), /^SGD: dampening must be in \[0, 1\], got 2$/],
    ['SGD lr Infinity', () => new SGD(ps(), { lr: Infinity }), /^SGD: lr must be a finite number >= 0, got Infinity$/],
    ['SGD lr a string', () => new SGD(ps(), { lr: '0.1' as unknown as number }), /^SGD: lr must be a finite number >= 0, got "0\.1" \(a string\)$/],
    ['SGD with no options', () => new (SGD as unknown as new (p: Tensor[]) => SGD)(ps()), /^SGD: options must be an object with lr, e\.g\. \{ lr: 0\.01 \}, got undefined$/],
    ['SGD options without lr', () => new SGD(ps(), {} as { lr: number }), /^SGD: options must give lr, e\.g\. \{ lr: 0\.01 \}, got none$/],
    ['Adam lr -1', () => new Adam(ps(), { lr: -1 }), /^Adam: lr must be a finite number >= 0, got -1$/],
  ];
  it.each(cases)('%s', (_, make, message) => {
    expect(make).toThrow(ArgumentError);
    expect(make).toThrow(message);
  });
  it('the edges that are valid still construct, and Adam and AdamW keep their documented defaults', () => {
    expect(new SGD(ps(), { lr: 0, momentum: 0.999, dampening: 1, weightDecay: 0 }).momentum).toBe(0.999);
    const a = new Adam(ps(), { betas: [0, 0] });
    expect([a.lr, a.beta1, a.beta2, a.eps, a.weightDecay]).toEqual([1e-3, 0, 0, 1e-8, 0]);
    expect(new AdamW(ps()).weightDecay).toBe(0.01);
    expect(new AdamW(ps(), { weightDecay: undefined }).weightDecay).toBe(0.01);
  });
});

describe('bad scheduler arguments fail at construction instead of giving a NaN or negative lr', () => {
  const opt = () => new SGD([tensor([1], { requiresGrad: true })], { lr: 1 });
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['ExponentialLR without gamma', () => new (ExponentialLR as unknown as new (o: SGD) => ExponentialLR)(opt()), /^ExponentialLR: gamma must be a finite number > 0, got undefined$/],
    ['ExponentialLR gamma < 0', () => new ExponentialLR(opt(), -0.5), /^ExponentialLR: gamma must be a finite number > 0, got -0\.5$/],
    ['CosineAnnealingLR tMax 0', () => new CosineAnnealingLR(opt(), 0), /^CosineAnnealingLR: tMax must be a positive integer, got 0$/],
    ['CosineAnnealingLR etaMin < 0', () => new CosineAnnealingLR(opt(), 10, -1), /^CosineAnnealingLR: etaMin must be a finite number >= 0, got -1$/],
    ['StepLR gamma < 0', () => new StepLR(opt(), 1, -1), /^StepLR: gamma must be a finite number > 0, got -1$/],
    ['StepLR fractional stepSize', () => new StepLR(opt(), 1.5), /^StepLR: stepSize must be >= 1, a whole number of epochs, got 1\.5$/],
    ['LinearWarmup startFactor < 0', () => new LinearWarmup(opt(), 2, undefined, -1), /^LinearWarmup: startFactor must be in \(0, 1\], got -1$/],
    ['LinearWarmup warmupSteps NaN', () => new LinearWarmup(opt(), NaN), /^LinearWarmup: warmupSteps must be a non-negative integer, got NaN$/],
    ['InvLR power Infinity', () => new InvLR(opt(), 1e-4, Infinity), /^InvLR: gamma and power must be >= 0 and finite, got 0\.0001 and Infinity$/],
    ['no optimizer', () => new StepLR(undefined as unknown as SGD, 1), /^StepLR: optimizer must be an Optimizer, got undefined$/],
  ];
  it.each(cases)('%s', (_, make, message) => {
    expect(make).toThrow(ArgumentError);
    expect(make).toThrow(message);
  });
  it('a refused scheduler leaves the optimizer lr alone, and warmupSteps 0 means no warmup', () => {
    const o = opt();
    expect(() => new LinearWarmup(o, 2, undefined, -1)).toThrow(ArgumentError);
    expect(o.lr).toBe(1);
    const w = new LinearWarmup(o, 0, new ExponentialLR(o, 0.5));
    expect(o.lr).toBe(1);
    expect(w.step()).toBe(0.5);
  });
});
