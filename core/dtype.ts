// The dtypes whittle knows, what each may hold, and THE promotion rules (written down only here).
import { DTypeError } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

export interface DTypeInfo {
  readonly ctor: new (n: number) => TypedArray;
  readonly bytes: number;
  readonly isFloat: boolean;
  readonly min: number;
  readonly max: number;
}

export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  float32: { ctor: Float32Array, bytes: 4, isFloat: true, min: -3.4028234663852886e38, max: 3.4028234663852886e38 },
  float64: { ctor: Float64Array, bytes: 8, isFloat: true, min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
  int32: { ctor: Int32Array, bytes: 4, isFloat: false, min: -2147483648, max: 2147483647 },
  int8: { ctor: Int8Array, bytes: 1, isFloat: false, min: -128, max: 127 },
  uint8: { ctor: Uint8Array, bytes: 1, isFloat: false, min: 0, max: 255 },
  bool: { ctor: Uint8Array, bytes: 1, isFloat: false, min: 0, max: 1 },
};

/**
 * What `d` is, or a DTypeError naming `op` and the dtypes there are: the type says DType, but a JavaScript caller's
 * 'float16' arrives all the same, and looked up bare it failed as "Cannot read properties of undefined".
 */
export function dtypeInfo(d: DType, op = 'dtype'): DTypeInfo {
  if (typeof d === 'string' && Object.hasOwn(DTYPES, d)) return DTYPES[d];
  throw new DTypeError(`${op}: dtype must be one of ${Object.keys(DTYPES).join(', ')}, got ${typeof d === 'string' ? d : String(d)}`);
}

export function isFloat(d: DType): boolean {
  return dtypeInfo(d).isFloat;
}

export function allocate(dtype: DType, n: number): TypedArray {
  return new (dtypeInfo(dtype).ctor)(n);
}

/** The dtype a typed array stores by default (Uint8Array is uint8, never bool). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new DTypeError(`tensor: unsupported typed array, got ${(a as object).constructor.name}`);
}

/**
 * Promotion of two tensor dtypes in a binary op:
 *  - equal dtypes stay;  bool with anything gives the other;
 *  - float64 wins over everything; float32 wins over every integer type;
 *  - two different integer types give int32 (we have no int16, so uint8+int8 widens to int32 like NumPy's int16 would).
 */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'bool') return b;
  if (b === 'bool') return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/**
 * Promotion of a tensor with a plain JS number (as PyTorch: the scalar does not widen the tensor),
 * except that a non-integer scalar lifts an integer tensor to float32 and an integer one a bool tensor to int32.
 * How a number outside an integer dtype's range enters (wrapped, compared as it is, or refused) depends on the op:
 * see asTensor and its siblings in ops.ts; castValue's saturation is for storing values, not for ops.
 */
export function promoteScalar(t: DType, value: number): DType {
  if (isFloat(t)) return t;
  if (!Number.isInteger(value)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** Ops that only make sense on floats (exp, log, sigmoid, division...) compute integer inputs in float32. */
export function floatOf(d: DType): DType {
  return isFloat(d) ? d : 'float32';
}

/** Casting rule for storing a number into an integer dtype: truncate toward zero, saturate at the range (no wraparound). */
export function castValue(v: number, to: DType): number {
  if (isFloat(to)) return v;
  if (to === 'bool') return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  if (Number.isNaN(v)) return 0;
  const info = DTYPES[to];
  const t = Math.trunc(v);
  return t < info.min ? info.min : t > info.max ? info.max : t;
}
