// Tensor creation and the Tensor methods that are not ops: what is refused, and how it is said.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, arange, full, rand, randint, randn, tensor, zeros } from '../../core/tensor.js';
import { ArgumentError, DTypeError } from '../../core/errors.js';
import type { DType } from '../../core/dtype.js';
import { Linear } from '../../core/nn/layers.js';

describe('a tensor too large to allocate', () => {
  it('is an ArgumentError naming the op, dtype, shape and element count, not V8\'s bare RangeError', () => {
    expect(() => zeros([1_000_000_000, 784])).toThrow(ArgumentError);
    expect(() => zeros([1_000_000_000, 784])).toThrow(/^full: a tensor must fit in memory, got float32 \[1000000000,784\] of 784,000,000,000 elements \(2920\.6 GiB\); V8: /);
    expect(() => full([2 ** 20, 2 ** 20], 1, { dtype: 'int8' })).toThrow(/^full: a tensor must fit in memory, got int8 \[1048576,1048576\] of 1,099,511,627,776 elements \(1024\.0 GiB\)/);
    expect(() => arange(0, 2 ** 33)).toThrow(/^arange: a tensor must fit in memory, got int32 \[8589934592\]/);
  });

  it('reaches a layer built on it (mlp:1e9 had been "internal error: Invalid typed array length")', () => {
    expect(() => new Linear(784, 1e9)).toThrow(/^full: a tensor must fit in memory, got float32 \[1000000000,784\]/);
  });
});

describe('a dtype whittle does not have', () => {
  // as a JavaScript caller passes it: the type says DType, the value says otherwise
  const f16 = 'float16' as DType;
  it('is a DTypeError naming the op and the dtypes there are (had been: Cannot read properties of undefined)', () => {
    const choices = 'float32, float64, int32, int8, uint8, bool';
    expect(() => tensor([1, 2], { dtype: f16 })).toThrow(DTypeError);
    expect(() => tensor([1, 2], { dtype: f16 })).toThrow(`tensor: dtype must be one of ${choices}, got float16`);
    expect(() => tensor(new Float32Array(2), { dtype: f16 })).toThrow(`tensor: dtype must be one of ${choices}, got float16`);
    expect(() => zeros([2], { dtype: f16 })).toThrow(`full: dtype must be one of ${choices}, got float16`);
    expect(() => arange(0, 3, 1, { dtype: f16 })).toThrow(`arange: dtype must be one of ${choices}, got float16`);
    expect(() => tensor([1, 2]).cast(f16)).toThrow(`cast: dtype must be one of ${choices}, got float16`);
  });
});

describe('backward twice', () => {
  it('from the same output is refused, and the gradients are left as the first run made them', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(3).sum();
    y.backward();
    expect(() => y.backward()).toThrow(ArgumentError);
    expect(() => y.backward()).toThrow(/^backward: a graph is backpropagated once from each output, got a second backward\(\) from this sum output whose gradients are already in \.grad; .*retainGraph: true/);
    expect(x.grad!.item()).toBe(3);
  });

  it('retainGraph: true on the first run allows a second, which accumulates', () => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(3).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(6);
    expect(() => y.backward()).toThrow(/second backward/);
  });

  it('two outputs sharing one forward pass, and a fresh forward pass each time, are not affected', () => {
    const x = tensor([2], { requiresGrad: true });
    const h: Tensor = x.mul(3);
    h.sum().backward();
    h.mul(2).sum().backward();
    expect(x.grad!.item()).toBe(9);
    x.mul(3).sum().backward();
    expect(x.grad!.item()).toBe(12);
    // a leaf has no graph to run twice: its seed just adds
    const leaf = tensor([1], { requiresGrad: true });
    leaf.backward(tensor([1]));
    leaf.backward(tensor([1]));
    expect(leaf.grad!.item()).toBe(2);
  });
});

describe('bool tensors from arrays', () => {
  it('booleans give a bool tensor, as in PyTorch (they had given float32)', () => {
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([[true], [false]]).toArray()).toEqual([[1], [0]]);
    expect(tensor(true).dtype).toBe('bool');
    expect(tensor([true, 2]).dtype).toBe('float32');
    expect(tensor([]).dtype).toBe('float32');
  });
  it('a Uint8Array of 0 and 1 is used as is; one holding other bytes is cast (it had been kept, a bool holding 2)', () => {
    const ok = new Uint8Array([1, 0]);
    expect(tensor(ok, { dtype: 'bool' }).data).toBe(ok);
    const other = new Uint8Array([2, 0, 255]);
    const t = tensor(other, { dtype: 'bool' });
    expect(t.data).not.toBe(other);
    expect(t.toArray()).toEqual([1, 0, 1]);
  });
});

describe('a bool tensor built on bytes', () => {
  it('is refused at the first byte that is neither 0 nor 1, at any offset into its buffer (the check reads 4 bytes at a time)', () => {
    const bytes = fc.array(fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 255 })), { maxLength: 40 });
    fc.assert(fc.property(bytes, fc.nat(3), (xs, offset) => {
      const data = new Uint8Array(new ArrayBuffer(xs.length + offset), offset, xs.length);
      data.set(xs);
      const bad = xs.findIndex((v) => v > 1);
      if (bad < 0) expect(new Tensor(data, [xs.length], 'bool').data).toBe(data);
      else expect(() => new Tensor(data, [xs.length], 'bool')).toThrow(new DTypeError(`tensor: a bool tensor holds only 0 and 1, got ${xs[bad]} at ${bad}`));
    }));
  });
});

describe('random tensors of a dtype', () => {
  it('rand and randn draw floats only, randint within the dtype (randint(0, 5) into bool had stored 4)', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(new DTypeError('rand: dtype must be float32 or float64, got int32; randint draws integers'));
    expect(() => randn([2], { dtype: 'bool' })).toThrow(DTypeError);
    expect(randn([2], { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => randint(0, 5, [4], { dtype: 'bool' })).toThrow(new DTypeError("randint: [lo, hi) must lie in bool's range 0..1, got [0, 5)"));
    expect(() => randint(-5, 3, [4], { dtype: 'uint8' })).toThrow(DTypeError);
    expect(() => randint(3, 3, [4])).toThrow(new ArgumentError('randint: lo must be below hi, got [3, 3)'));
    const b = randint(0, 2, [64], { dtype: 'bool' });
    expect(Array.from(b.data).every((v) => v === 0 || v === 1)).toBe(true);
    const i8 = randint(-128, 128, [256], { dtype: 'int8' });
    expect(Math.min(...i8.data)).toBeGreaterThanOrEqual(-128);
  });
});
