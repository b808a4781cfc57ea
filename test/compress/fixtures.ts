// Small models and synthetic data shared by the compression tests.
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Random, Sequential, Tensor, TensorDataset, randn } from '../../core/index.js';

/** 12 -> 16 -> 8 -> 3 MLP. */
export function smallMlp(seed = 0): Sequential {
  const rng = new Random(seed);
  return new Sequential(new Flatten(), new Linear(12, 16, { rng }), new ReLU(), new Linear(16, 8, { rng }), new ReLU(), new Linear(8, 3, { rng }));
}

/** Conv+BN+pool+conv+linear on 1x8x8 inputs, 3 classes. */
export function convNet(seed = 0): Sequential {
  const rng = new Random(seed);
  return new Sequential(
    new Conv2d(1, 4, 3, { rng, padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 6, 3, { rng }), new ReLU(), new Flatten(), new Linear(6 * 2 * 2, 10, { rng }), new ReLU(), new Linear(10, 3, { rng }),
  );
}

/** Rows of `features` normal values, 3 classes from a simple rule on the first three. */
export function synthetic(n: number, features: number, seed = 0): TensorDataset {
  const rng = new Random(seed);
  const x = randn([n, features], { rng });
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = (x.data[i * features] + x.data[i * features + 1] > 0 ? 1 : 0) + (x.data[i * features + 2] > 0.5 ? 1 : 0);
  return new TensorDataset(x, new Tensor(y, [n], 'int32'));
}

/** 1x8x8 normal images, 3 classes from the sum of the top half. */
export function images(n: number, seed: number): TensorDataset {
  const rng = new Random(seed);
  const x = randn([n, 1, 8, 8], { rng });
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) { let s = 0; for (let p = 0; p < 32; p++) s += x.data[i * 64 + p]; y[i] = s > 2 ? 2 : s > -2 ? 1 : 0; }
  return new TensorDataset(x, new Tensor(y, [n], 'int32'));
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

export const zerosOf = (t: Tensor): number => Array.from(t.data).filter((v) => v === 0).length;
