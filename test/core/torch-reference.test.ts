// Known answers from PyTorch (an independent implementation): test/fixtures/torch/torch-reference.json, made by
// test/fixtures/torch/make_torch_fixtures.py with Debian's python3-torch, in float64 on float32 inputs. whittle runs
// the same computations in float32; each comparison allows float32's error, scaled to the values compared.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '../../core/tensor.js';
import * as ops from '../../core/ops.js';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Flatten, GELU, LeakyReLU, Linear, MaxPool2d, ReLU, Sequential, Tanh } from '../../core/nn/layers.js';
import { crossEntropy, distillationKL, klDiv, mse, nllLoss } from '../../core/nn/losses.js';
import { SGD } from '../../core/optim/sgd.js';
import { Adam, AdamW } from '../../core/optim/adam.js';
import type { Optimizer } from '../../core/optim/optimizer.js';
import { CosineAnnealingLR, ExponentialLR, type LRScheduler, StepLR } from '../../core/optim/schedulers.js';
import { loadModelWeights } from '../../core/io/model-file.js';
import { loadSafetensors } from '../../core/io/safetensors.js';

interface Ref { shape: number[]; data: number[] }
const ref = JSON.parse(readFileSync(new URL('../fixtures/torch/torch-reference.json', import.meta.url), 'utf8'));
const of = (r: Ref, requiresGrad = false): Tensor => tensor(Float32Array.from(r.data), { shape: r.shape, requiresGrad });

/**
 * `actual` matches PyTorch's float64 `expected` to within `tol` of the values' scale (the largest |expected|, at least
 * 1): float32 keeps about 7 digits; the worst seen is 5e-7 of the scale, on the CNN's logits.
 */
function expectClose(actual: Tensor | null, expected: Ref, what: string, tol = 5e-6): void {
  expect(actual, what).not.toBeNull();
  expect(actual!.shape, what).toEqual(expected.shape);
  const scale = Math.max(1, ...expected.data.map(Math.abs));
  let worst = 0;
  let at = -1;
  expected.data.forEach((e, i) => {
    const d = Math.abs(actual!.data[i] - e);
    if (d > worst) [worst, at] = [d, i];
  });
  expect(worst / scale, `${what}: worst at ${at}, ${actual!.data[at]} vs ${expected.data[at]}`).toBeLessThan(tol);
}

describe('known answers from PyTorch', () => {
  it('the fixture is the one its script writes (torch version recorded)', () => {
    expect(ref.source).toBe('test/fixtures/torch/make_torch_fixtures.py');
    expect(ref.torch).toMatch(/^\d+\.\d+/);
  });

  describe('a small CNN of every shared layer kind', () => {
    const c = ref.cnn;
    const build = () => new Sequential(
      new Conv2d(2, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 6, 3, { padding: 1, groups: 2 }), new GELU(), new AvgPool2d(2), new Flatten(),
      new Linear(24, 8), new BatchNorm1d(8), new LeakyReLU(0.1), new Linear(8, 3), new Tanh(), new Linear(3, 3),
    );

    it("has PyTorch's state-dict names, and loads PyTorch's state dict", () => {
      const model = build();
      expect(Object.keys(model.stateDict()).sort()).toEqual([...c.stateDictKeys].sort());
      const { missing, unexpected } = model.loadStateDict(c.stateDict);
      expect([missing, unexpected]).toEqual([[], []]);
    });

    it('train-mode forward, cross-entropy loss, every gradient and the BatchNorm running statistics match', () => {
      const model = build();
      model.loadStateDict(c.stateDict);
      model.train();
      const logits = model.forward(of(c.x));
      expectClose(logits, c.trainLogits, 'train logits');
      const loss = crossEntropy(logits, tensor(Int32Array.from(c.y), { shape: [c.y.length] }));
      expect(loss.item()).toBeCloseTo(c.loss, 5);
      loss.backward();
      const params = Object.fromEntries(model.namedParameters());
      expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort());
      for (const [name, g] of Object.entries(c.grads as Record<string, Ref>)) expectClose(params[name].grad, g, `grad ${name}`);
      const state = model.stateDict();
      for (const [name, v] of Object.entries(c.stateAfterTrainForward as Record<string, Ref>)) expectClose(state[name], v, name);
    });

    it("reads a torch user's .safetensors file (int64 num_batches_tracked, the library's layout) into the model, which then computes torch's eval logits", () => {
      const path = fileURLToPath(new URL('../fixtures/torch/cnn.safetensors', import.meta.url));
      const file = loadSafetensors(path);
      expect(file.metadata).toEqual({ format: 'pt' });
      expect([...file.tensors.keys()].sort()).toEqual([...c.stateDictKeys].sort());
      expect(file.tensors.get('1.num_batches_tracked')!.dtype).toBe('int64');
      const model = build();
      loadModelWeights(path, model);
      expect(model.stateDict()['1.num_batches_tracked'].data[0]).toBe(c.stateDict['1.num_batches_tracked'].data[0]);
      model.eval();
      expectClose(model.forward(of(c.x)), c.evalLogits, 'eval logits from the file');
    });

    it('eval-mode forward (running statistics) matches', () => {
      const model = build();
      model.loadStateDict(c.stateDict);
      model.eval();
      expectClose(model.forward(of(c.x)), c.evalLogits, 'eval logits');
    });
  });

  it('conv2d with stride, padding, dilation and groups: output and the gradients of input, weight and bias', () => {
    for (const [i, k] of (ref.conv2d as Array<Record<string, Ref & number[] & number>>).entries()) {
      const x = of(k.x as Ref, true);
      const w = of(k.w as Ref, true);
      const b = of(k.b as Ref, true);
      const y = ops.conv2d(x, w, b, { stride: k.stride as unknown as [number, number], padding: k.padding as unknown as [number, number], dilation: k.dilation as unknown as [number, number], groups: k.groups as number });
      expectClose(y, k.y as Ref, `conv ${i} y`);
      ops.sum(ops.mul(y, of(k.upstream as Ref))).backward();
      expectClose(x.grad, k.dx as Ref, `conv ${i} dx`);
      expectClose(w.grad, k.dw as Ref, `conv ${i} dw`);
      expectClose(b.grad, k.db as Ref, `conv ${i} db`);
    }
  });

  it('max and average pooling with stride and padding (padded zeros counted in the mean, as torch by default): output and input gradient', () => {
    for (const [i, k] of (ref.pool2d as Array<Record<string, unknown>>).entries()) {
      const x = of(k.x as Ref, true);
      const f = k.kind === 'max' ? ops.maxPool2d : ops.avgPool2d;
      const y = f(x, k.kernel as [number, number], { stride: k.stride as [number, number], padding: k.padding as [number, number] });
      expectClose(y, k.y as Ref, `pool ${i} (${k.kind}) y`);
      ops.sum(ops.mul(y, of(k.upstream as Ref))).backward();
      expectClose(x.grad, k.dx as Ref, `pool ${i} (${k.kind}) dx`);
    }
  });

  it('losses: value and gradient', () => {
    const L = ref.losses;
    const labels = tensor(Int32Array.from(L.labels), { shape: [L.labels.length] });
    const probs = of(L.probs);
    const fns: Record<string, [Ref, (z: Tensor) => Tensor]> = {
      crossEntropy: [L.logits, (z) => crossEntropy(z, labels)],
      'crossEntropy sum': [L.logits, (z) => crossEntropy(z, labels, { reduction: 'sum' })],
      'crossEntropy labelSmoothing 0.1': [L.logits, (z) => crossEntropy(z, labels, { labelSmoothing: 0.1 })],
      'crossEntropy probabilities': [L.logits, (z) => crossEntropy(z, probs)],
      nllLoss: [L.logits, (z) => nllLoss(ops.logSoftmax(z, -1), labels)],
      mse: [L.pred, (z) => mse(z, of(L.target))],
      'mse sum': [L.pred, (z) => mse(z, of(L.target), { reduction: 'sum' })],
      'klDiv batchmean': [L.logits, (z) => klDiv(ops.logSoftmax(z, -1), probs)],
      'klDiv logTarget sum': [L.logits, (z) => klDiv(ops.logSoftmax(z, -1), ops.log(probs), { logTarget: true, reduction: 'sum' })],
      'distillationKL T=4': [L.logits, (z) => distillationKL(z, of(L.teacher), 4)],
    };
    expect(Object.keys(fns).sort()).toEqual(L.cases.map((c: { name: string }) => c.name).sort());
    for (const c of L.cases as Array<{ name: string; value: number; grad: Ref }>) {
      const [input, fn] = fns[c.name];
      const z = of(input, true);
      const v = fn(z);
      expect(Math.abs(v.item() - c.value) / Math.max(1, Math.abs(c.value)), `${c.name}: ${v.item()} vs ${c.value}`).toBeLessThan(2e-6);
      v.backward();
      expectClose(z.grad, c.grad, `${c.name} grad`);
    }
  });

  it('optimizers: three steps on the same gradients land where torch.optim lands', () => {
    const O = ref.optim;
    const makers: Record<string, (p: Tensor[]) => Optimizer> = {
      SGD: (p) => new SGD(p, { lr: 0.1 }),
      'SGD momentum dampening weightDecay': (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
      'SGD nesterov': (p) => new SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.001 }),
      Adam: (p) => new Adam(p, { lr: 0.01, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.02 }),
      AdamW: (p) => new AdamW(p, { lr: 0.01, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 }),
    };
    expect(Object.keys(makers).sort()).toEqual(O.cases.map((c: { name: string }) => c.name).sort());
    for (const c of O.cases as Array<{ name: string; steps: Ref[] }>) {
      const p = of(O.p0, true);
      const opt = makers[c.name]([p]);
      c.steps.forEach((want, s) => {
        p.grad = of(O.grads[s]);
        opt.step();
        expectClose(p, want, `${c.name} step ${s + 1}`);
      });
    }
  });

  it('learning-rate schedules give the lr torch.optim.lr_scheduler gives, epoch by epoch', () => {
    const makers: Record<string, (o: Optimizer) => LRScheduler> = {
      'StepLR step 3 gamma 0.5': (o) => new StepLR(o, 3, 0.5),
      'ExponentialLR gamma 0.9': (o) => new ExponentialLR(o, 0.9),
      'CosineAnnealingLR T 12 etaMin 0.001': (o) => new CosineAnnealingLR(o, 12, 0.001),
    };
    expect(Object.keys(makers).sort()).toEqual(Object.keys(ref.schedules).sort());
    for (const [name, want] of Object.entries(ref.schedules as Record<string, number[]>)) {
      const opt = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
      const sched = makers[name](opt);
      const got: number[] = [];
      for (let e = 0; e < want.length; e++) {
        got.push(opt.lr);
        sched.step();
      }
      got.forEach((lr, e) => expect(lr, `${name} epoch ${e}`).toBeCloseTo(want[e], 12));
    }
  });
});
