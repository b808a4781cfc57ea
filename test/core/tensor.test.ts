// Tensor creation and the Tensor methods that are not ops: what is refused, and how it is said.
import { describe, expect, it } from 'vitest';
import { arange, full, tensor, zeros, type Tensor } from '../../core/tensor.js';
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
