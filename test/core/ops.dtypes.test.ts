// Integer and bool semantics of the ops, each against a naive reference: BigInt for wrapped integer arithmetic,
// plain JS comparison for comparisons, logical or/and for bool arithmetic.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, full, tensor } from '../../core/tensor.js';
import * as ops from '../../core/ops.js';
import { DTYPES, type DType } from '../../core/dtype.js';
import { DTypeError, NumericError } from '../../core/errors.js';

type IntDType = 'int8' | 'uint8' | 'int32';
const intDTypes: IntDType[] = ['int8', 'uint8', 'int32'];

/** `v` modulo 2^bits, in the dtype's range: what integer arithmetic gives (PyTorch's int8 1 + 200 is -55). */
function wrapped(v: bigint, dtype: IntDType): number {
  return Number(dtype === 'uint8' ? BigInt.asUintN(8, v) : BigInt.asIntN(dtype === 'int8' ? 8 : 32, v));
}

const valuesIn = (dtype: DType, maxLength = 8) => {
  const { min, max } = DTYPES[dtype];
  // the ends of the range often: that is where wrapping and squeezing show
  return fc.array(fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, 0, 1)), { minLength: 1, maxLength });
};
const intCase = fc.constantFrom(...intDTypes).chain((dtype) => fc.tuple(fc.constant(dtype), valuesIn(dtype)));
/** Integers in and far out of every range, up to 2^70 (exact as doubles, as JS integers past 2^53 are). */
const anyInteger = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.constantFrom(-129, -1, 127, 128, 255, 256, 1000, 2 ** 31, 3e9, -(2 ** 31) - 1, -(2 ** 40), 2 ** 53, 2 ** 70),
);
const anyNumber = fc.oneof(anyInteger, fc.double({ min: -1e10, max: 1e10 }), fc.constantFrom(0.5, -0.5, 127.5, 255.5, NaN, Infinity, -Infinity));

describe('integer arithmetic wraps modulo 2^bits, a number that does not fit the dtype included (PyTorch 1.13)', () => {
  const arith = [['add', (x: bigint, y: bigint) => x + y], ['sub', (x: bigint, y: bigint) => x - y], ['mul', (x: bigint, y: bigint) => x * y]] as const;

  it('with a number: the dtype stays, each value is the exact result modulo 2^bits', () => {
    fc.assert(fc.property(intCase, anyInteger, ([dtype, xs], v) => {
      const x = tensor(xs, { dtype });
      for (const [op, f] of arith) {
        const out = ops[op](x, v);
        expect(out.dtype).toBe(dtype);
        // the number had been saturated first: int8 1 + 200 gave 1 + 127 = -128, int32 0 + 3e9 gave 2147483647
        expect(Array.from(out.data), `${dtype} ${op} ${v}`).toEqual(xs.map((a) => wrapped(f(BigInt(a), BigInt(v)), dtype)));
      }
    }));
  });

  it('between tensors of the dtype, int32 products included (2147483647^2 is 1, beyond a double\'s 53 bits)', () => {
    const pair = fc.constantFrom(...intDTypes).chain((dtype) => fc.tuple(fc.constant(dtype), valuesIn(dtype, 6), valuesIn(dtype, 6)));
    fc.assert(fc.property(pair, ([dtype, xs, ys]) => {
      const n = Math.min(xs.length, ys.length);
      const a = tensor(xs.slice(0, n), { dtype }), b = tensor(ys.slice(0, n), { dtype });
      for (const [op, f] of arith) {
        expect(Array.from(ops[op](a, b).data), `${dtype} ${op}`).toEqual(Array.from(a.data, (u, i) => wrapped(f(BigInt(u), BigInt(b.data[i])), dtype)));
      }
    }));
    expect(ops.mul(tensor([2147483647], { dtype: 'int32' }), tensor([2147483647], { dtype: 'int32' })).item()).toBe(1);
  });

  it('the cases the bug hunt found, as PyTorch 1.13 answers them', () => {
    const t = (v: number, dtype: IntDType) => tensor([v], { dtype });
    expect(t(1, 'int8').add(200).item()).toBe(-55);
    expect(t(1, 'int8').mul(1000).item()).toBe(-24);
    expect(t(0, 'int32').add(3e9).item()).toBe(-1294967296);
    expect(t(2147483647, 'int32').add(1).item()).toBe(-2147483648);
    expect(t(1, 'uint8').sub(2).item()).toBe(255);
    expect(t(1, 'int8').add(2 ** 40).item()).toBe(1);
  });

  it('div and pow give floats and take the number as it is (int8 1 / 1000 had been 1 / 127)', () => {
    fc.assert(fc.property(intCase, anyInteger.filter((v) => v !== 0), ([dtype, xs], v) => {
      const out = ops.div(tensor(xs, { dtype }), v);
      expect(out.dtype).toBe('float32');
      expect(Array.from(out.data)).toEqual(xs.map((a) => Math.fround(a / Math.fround(v))));
    }));
    expect(ops.pow(tensor([2], { dtype: 'int8' }), 10).item()).toBe(1024);
  });
});

describe('comparisons with a number', () => {
  const cmps = [
    ['eq', (x: number, y: number) => x === y], ['ne', (x: number, y: number) => x !== y], ['lt', (x: number, y: number) => x < y],
    ['le', (x: number, y: number) => x <= y], ['gt', (x: number, y: number) => x > y], ['ge', (x: number, y: number) => x >= y],
  ] as const;

  it('are mathematically right for integer and bool tensors (the number had been squeezed into the dtype first)', () => {
    const anyIntOrBool = fc.constantFrom<DType>('int8', 'uint8', 'int32', 'bool').chain((dtype) => fc.tuple(fc.constant(dtype), valuesIn(dtype)));
    fc.assert(fc.property(anyIntOrBool, anyNumber, ([dtype, xs], v) => {
      const x = tensor(xs, { dtype });
      for (const [op, f] of cmps) {
        const out = ops[op](x, v);
        expect(out.dtype).toBe('bool');
        expect(Array.from(out.data), `${dtype} ${op} ${v}`).toEqual(xs.map((a) => (f(a, v) ? 1 : 0)));
      }
    }));
    expect(tensor([0], { dtype: 'uint8' }).eq(-1).item()).toBe(0);
    expect(tensor([0], { dtype: 'uint8' }).gt(-1).item()).toBe(1);
    expect(tensor([127], { dtype: 'int8' }).eq(1000).item()).toBe(0);
    expect(tensor([127], { dtype: 'int8' }).ge(1000).item()).toBe(0);
    expect(tensor([2147483647], { dtype: 'int32' }).eq(3e9).item()).toBe(0);
  });

  it('round the number to a float tensor\'s dtype first, as PyTorch and NumPy do (float32 0.1 == 0.1)', () => {
    fc.assert(fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 6 }), anyNumber, (xs, v) => {
      for (const [op, f] of cmps) expect(Array.from(ops[op](tensor(xs), v).data)).toEqual(xs.map((a) => (f(Math.fround(a), Math.fround(v)) ? 1 : 0)));
    }));
    expect(tensor([0.1]).eq(0.1).item()).toBe(1);
  });

  it('between tensors of different dtypes compare the values they hold', () => {
    const a = tensor([255, 0, 128], { dtype: 'uint8' }), b = tensor([-1, 0, -128], { dtype: 'int8' });
    expect(ops.gt(a, b).toArray()).toEqual([1, 0, 1]);
    expect(ops.eq(a, b).toArray()).toEqual([0, 1, 0]);
  });
});

describe('maximum, minimum, where and clamp with a number outside an integer dtype', () => {
  it('are exact where the answer fits the dtype, and refused where it cannot', () => {
    fc.assert(fc.property(intCase, anyInteger, anyInteger, ([dtype, xs], v, w) => {
      const { min, max } = DTYPES[dtype];
      const x = tensor(xs, { dtype });
      if (v > max) expect(() => ops.maximum(x, v)).toThrow(DTypeError);
      else expect(Array.from(ops.maximum(x, v).data)).toEqual(xs.map((a) => Math.max(a, v)));
      if (v < min) expect(() => ops.minimum(x, v)).toThrow(DTypeError);
      else expect(Array.from(ops.minimum(x, v).data)).toEqual(xs.map((a) => Math.min(a, v)));
      const [lo, hi] = v <= w ? [v, w] : [w, v];
      if (lo > max || hi < min) expect(() => ops.clamp(x, lo, hi)).toThrow(DTypeError);
      else expect(Array.from(ops.clamp(x, lo, hi).data)).toEqual(xs.map((a) => Math.min(Math.max(a, lo), hi)));
      const cond = tensor(xs.map((a) => a % 2 === 0));
      if (v < min || v > max) expect(() => ops.where(cond, x, v)).toThrow(DTypeError);
      else expect(Array.from(ops.where(cond, x, v).data)).toEqual(xs.map((a) => (a % 2 === 0 ? a : v)));
    }));
    expect(() => tensor([3], { dtype: 'uint8' }).maximum(300)).toThrow("maximum: a number must fit the tensor's dtype uint8 (0..255), got 300; cast the tensor to a wider dtype first");
    expect(() => tensor([3], { dtype: 'int8' }).clamp(200, 300)).toThrow("clamp: the range must meet the tensor's dtype int8 (-128..127), got [200, 300]; cast the tensor to a wider dtype first");
  });
  it('clamp: a fractional bound makes an integer tensor float32, a bool tensor becomes int32 (as PyTorch\'s int64)', () => {
    expect(ops.clamp(tensor([3, 0], { dtype: 'int32' }), 0.5, 2.5).toArray()).toEqual([2.5, 0.5]);
    const c = ops.clamp(tensor([true, false]), 2, 3);
    expect(c.dtype).toBe('int32');
    expect(c.toArray()).toEqual([2, 2]);
  });
});

describe('bool tensors hold 0 and 1 only', () => {
  const bools = fc.array(fc.boolean(), { minLength: 1, maxLength: 8 });
  it('add is logical or, mul and minimum logical and, maximum or (true + true had stored 2)', () => {
    fc.assert(fc.property(bools, bools, (xs, ys) => {
      const n = Math.min(xs.length, ys.length);
      const a = tensor(xs.slice(0, n)), b = tensor(ys.slice(0, n));
      const or = xs.slice(0, n).map((x, i) => (x || ys[i] ? 1 : 0)), and = xs.slice(0, n).map((x, i) => (x && ys[i] ? 1 : 0));
      for (const [out, want] of [[ops.add(a, b), or], [ops.maximum(a, b), or], [ops.mul(a, b), and], [ops.minimum(a, b), and]] as const) {
        expect(out.dtype).toBe('bool');
        expect(Array.from(out.data)).toEqual(want);
      }
      // a bool mask counts its trues
      expect(ops.add(a, b).sum().item()).toBe(or.reduce((s: number, v) => s + v, 0));
    }));
  });
  it('sub and neg are refused, as PyTorch refuses them (true - false had been 255 in a bool)', () => {
    const a = tensor([true, false]);
    expect(() => ops.sub(a, a)).toThrow(DTypeError);
    expect(() => ops.sub(a, a)).toThrow('sub: operands must not be bool (for exclusive or use ne(a, b), to invert a mask eq(mask, 0)), got bool and bool');
    expect(() => ops.sub(tensor([1]), a)).toThrow(/^sub: operands must not be bool .*, got float32 and bool$/);
    expect(() => a.sub(1)).toThrow(/^sub: operands must not be bool .*, got bool and int32$/);
    expect(() => a.neg()).toThrow('neg: operands must not be bool (to invert a mask use eq(mask, 0)), got bool');
  });
  it('with a number or another dtype the result widens, as in PyTorch', () => {
    const a = tensor([true, false]);
    expect(a.add(1).dtype).toBe('int32');
    expect(a.add(1).toArray()).toEqual([2, 1]);
    expect(a.mul(3).toArray()).toEqual([3, 0]);
    expect(a.add(tensor([2, 3], { dtype: 'uint8' })).toArray()).toEqual([3, 3]);
    expect(a.variance().item()).toBeCloseTo(0.25, 6);
  });
  it('a bool tensor cannot be made to hold another byte', () => {
    expect(() => new Tensor(new Uint8Array([1, 2]), [2], 'bool')).toThrow(DTypeError);
    expect(() => new Tensor(new Uint8Array([1, 2]), [2], 'bool')).toThrow('tensor: a bool tensor holds only 0 and 1, got 2 at 1');
  });
});

describe('sums of integer tensors', () => {
  const ref = (xs: number[], shape: number[], axis: number) => {
    const [outer, r, inner] = [shape.slice(0, axis).reduce((a, b) => a * b, 1), shape[axis], shape.slice(axis + 1).reduce((a, b) => a * b, 1)];
    const out: bigint[] = [];
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
      let s = 0n;
      for (let i = 0; i < r; i++) s += BigInt(xs[(o * r + i) * inner + j]);
      out.push(s);
    }
    return out;
  };
  it('are int32 and exact, and refuse a result past int32 instead of wrapping it', () => {
    const big = fc.constantFrom(2147483647, -2147483648, 2 ** 30, -(2 ** 30));
    const input = fc.tuple(fc.constantFrom<DType>('int8', 'uint8', 'int32', 'bool'), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat(), fc.infiniteStream(fc.oneof(fc.integer({ min: -5, max: 5 }), big)));
    fc.assert(fc.property(input, ([dtype, shape, ax, values]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t = ops.cast(tensor(Array.from({ length: n }, () => values.next().value as number), { dtype: 'int32', shape }), dtype);
      const axis = ax % shape.length;
      const want = ref(Array.from(t.data), shape, axis);
      if (want.some((v) => v < -2147483648n || v > 2147483647n)) expect(() => ops.sum(t, axis)).toThrow(NumericError);
      else {
        const out = ops.sum(t, axis);
        expect(out.dtype).toBe('int32');
        expect(Array.from(out.data)).toEqual(want.map(Number));
      }
    }));
  });
  it('say so for the 4e9 that had come back as -294967296', () => {
    expect(() => full([20_000_000], 200, { dtype: 'uint8' }).sum()).toThrow(NumericError);
    expect(() => full([20_000_000], 200, { dtype: 'uint8' }).sum()).toThrow('sum: a sum of uint8 values must fit int32, got 4000000000; cast to float64 first');
    expect(full([20_000_000], 200, { dtype: 'uint8' }).cast('float64').sum().item()).toBe(4e9);
  });
  it('stay exact for int32 inputs whose running sum passes 2^53 (a plain double sum gives 6 here)', () => {
    const n = 2 ** 22 + 64;
    const x = new Int32Array(2 * n + 1);
    x.fill(2147483647, 0, n).fill(-2147483647, n, 2 * n)[2 * n] = 5;
    expect(tensor(x).sum().item()).toBe(5);
  });
});
