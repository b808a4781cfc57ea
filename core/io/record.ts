// The plain tensor record every reader and writer here works on; core's Tensor has these three fields, so it fits as is.

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | BigInt64Array;

/** A dtype a reader may return. core's Tensor uses the first four, float64 and bool; int16 and int64 come from files (IDX, safetensors). */
export type RecordDType = 'float32' | 'int32' | 'int8' | 'uint8' | 'float64' | 'int16' | 'int64' | 'bool';

/** `{ dtype, shape, data }`, data row-major with `data.length === product(shape)`. */
export interface TensorRecord {
  dtype: RecordDType | string;
  shape: number[];
  data: TypedArray;
}

/** Number of elements of a shape; 1 for a scalar `[]`. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
