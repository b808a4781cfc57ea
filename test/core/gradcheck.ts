// Central finite differences against autograd: loss = sum(f(inputs) * R) for a fixed random R.
import { expect } from 'vitest';
import { Tensor, tensor } from '../../core/tensor.js';
import { noGrad } from '../../core/autograd.js';
import { Random } from '../../core/random.js';

export function randomTensor(shape: number[], rng: Random, dtype: 'float32' | 'float64' = 'float64', lo = -2, hi = 2): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(lo, hi);
  return tensor(data, { shape, dtype });
}

/** Checks d(sum(f(x)*R))/dx from backward() against (L(x+h) - L(x-h)) / 2h for every element of every input. */
export function checkGrad(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: { eps?: number; rtol?: number; atol?: number; seed?: number } = {}): void {
  const isF64 = inputs.every((t) => t.dtype === 'float64');
  const eps = opts.eps ?? (isF64 ? 1e-6 : 1e-2);
  const rtol = opts.rtol ?? (isF64 ? 1e-5 : 3e-2);
  const atol = opts.atol ?? (isF64 ? 1e-7 : 3e-3);
  const rng = new Random(opts.seed ?? 7);
  for (const t of inputs) { t.requiresGrad = true; t.grad = null; }
  const out = f(...inputs);
  const r = new Float64Array(out.size);
  for (let i = 0; i < r.length; i++) r[i] = rng.uniform(-1, 1);
  const loss = (o: Tensor) => { let s = 0; for (let i = 0; i < o.size; i++) s += o.data[i] * r[i]; return s; };
  out.backward(tensor(Float64Array.from(r), { shape: [...out.shape], dtype: out.dtype }));
  inputs.forEach((t, k) => {
    const analytic = t.grad;
    expect(analytic, `input ${k} got no gradient`).not.toBeNull();
    for (let i = 0; i < t.size; i++) {
      const orig = t.data[i];
      t.data[i] = orig + eps;
      const up = noGrad(() => loss(f(...inputs)));
      t.data[i] = orig - eps;
      const down = noGrad(() => loss(f(...inputs)));
      t.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = analytic!.data[i];
      if (Math.abs(a - numeric) > atol + rtol * Math.abs(numeric)) {
        throw new Error(`gradient mismatch for input ${k} [${t.shape}] at ${i}: autograd ${a}, finite differences ${numeric}`);
      }
    }
  });
}
