// Tensor creation and the Tensor methods that are not ops: what is refused, and how it is said.
import { describe, expect, it } from 'vitest';
import { arange, full, zeros } from '../../core/tensor.js';
import { ArgumentError } from '../../core/errors.js';
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
