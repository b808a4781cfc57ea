// Tensor: a dtype, a shape and a dense row-major typed array, plus what autograd needs (requiresGrad, grad).
// Always contiguous: shape ops copy, which keeps every kernel simple and every array GC-owned (nothing leaks).
import { allocate, castValue, dtypeInfo, dtypeOfArray, isFloat, type DType, type TypedArray } from './dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from './errors.js';
import { checkShape, sizeOf, stridesOf, type Shape } from './shape.js';
import { getRandom, type Random } from './random.js';
import { runBackward, type GradNode } from './autograd.js';
import * as ops from './ops.js';

export type NestedArray = number | boolean | NestedArray[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/**
 * The index of the first byte that is neither 0 nor 1, or -1. Four bytes at a time where the array is aligned (a
 * byte at a time, the check had cost a comparison on 1M elements a fifth of its time).
 */
function firstNonBit(a: Uint8Array): number {
  const head = Math.min(a.length, (4 - (a.byteOffset % 4)) % 4);
  const words = (a.length - head) >> 2;
  let any = 0;
  if (words > 0) {
    const w = new Uint32Array(a.buffer, a.byteOffset + head, words);
    for (let i = 0; i < words; i++) any |= w[i];
  }
  for (let i = 0; i < head; i++) any |= a[i];
  for (let i = head + 4 * words; i < a.length; i++) any |= a[i];
  if ((any & 0xfefefefe) === 0) return -1;
  for (let i = 0; i < a.length; i++) if (a[i] > 1) return i;
  return -1;
}

export class Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
  /** d(loss)/d(this), filled by backward() on leaves that require it (and on tensors that retainGrad()). */
  grad: Tensor | null = null;
  /** Set by ops: how this tensor was made. Null for leaves. */
  gradNode: GradNode | null = null;
  retainsGrad = false;
  private _requiresGrad = false;
  /** backward() ran from this output without retainGraph: a second run would add the same gradients again. */
  private backwardDone = false;

  constructor(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data)) {
    checkShape('tensor', shape);
    const n = sizeOf(shape);
    if (data.length !== n) throw new ShapeError(`tensor: data length must equal the shape's size ${n}, got ${data.length} for ${fmtShape(shape)}`);
    const { ctor } = dtypeInfo(dtype, 'tensor');
    if (!(data instanceof ctor)) throw new DTypeError(`tensor: ${dtype} needs a ${ctor.name}, got ${data.constructor.name}`);
    if (dtype === 'bool') {
      const bad = firstNonBit(data as Uint8Array);
      if (bad >= 0) throw new DTypeError(`tensor: a bool tensor holds only 0 and 1, got ${data[bad]} at ${bad}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (v && !isFloat(this.dtype)) throw new DTypeError(`requiresGrad: only floating tensors can require gradients, got ${this.dtype}`);
    this._requiresGrad = v;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }
  get ndim(): number { return this.shape.length; }
  get strides(): number[] { return stridesOf(this.shape); }

  /** Sets requiresGrad and returns this, for chaining at creation. */
  requireGrad(v = true): this { this.requiresGrad = v; return this; }
  /** Keeps .grad on this non-leaf tensor during backward (as PyTorch's retain_grad). */
  retainGrad(): this { this.retainsGrad = true; return this; }

  /**
   * Backpropagates from this tensor; a non-scalar needs an explicit seed gradient of its shape. As in PyTorch, a
   * second backward() from the same output is refused unless the first passed `retainGraph: true`: the graph would
   * still be here to run (nothing is freed), but the gradients would silently count twice, which is almost always a
   * repeated call by mistake. Separate outputs sharing a subgraph (two losses on one forward pass) are unaffected.
   */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    if (!this.requiresGrad) throw new ShapeError('backward: the tensor does not require grad (no parameter or input with requiresGrad led to it)');
    if (this.backwardDone) {
      throw new ArgumentError(`backward: a graph is backpropagated once from each output, got a second backward() from this ${this.gradNode?.op ?? 'tensor'} output whose gradients are already in .grad; run the forward pass again, or pass { retainGraph: true } to the first backward() to accumulate twice on purpose`);
    }
    let seed = grad;
    if (seed === undefined) {
      if (this.size !== 1) throw new ShapeError(`backward: a seed gradient is needed for a non-scalar output, got ${fmtShape(this.shape)}`);
      seed = ones(this.shape, { dtype: this.dtype });
    } else if (seed.shape.join() !== this.shape.join()) {
      throw new ShapeError(`backward: seed gradient must have the output's shape, got ${fmtShape(seed.shape)} for ${fmtShape(this.shape)}`);
    }
    runBackward(this, seed);
    // a leaf has no graph behind it: backward on it just adds the seed, as often as asked (PyTorch allows it too)
    if (this.gradNode !== null && !opts.retainGraph) this.backwardDone = true;
  }

  /** A new leaf sharing nothing with the graph (data is copied). */
  detach(): Tensor { return new Tensor(this.data.slice(), this.shape, this.dtype); }
  clone(): Tensor { return new Tensor(this.data.slice(), this.shape, this.dtype); }

  /** The single value of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor must have exactly one element, got ${fmtShape(this.shape)}`);
    return this.data[0];
  }
  /** Value at a full index (negative indices count from the end). */
  get(...index: number[]): number {
    if (index.length !== this.rank) throw new ShapeError(`get: index must have ${this.rank} entries, got [${index.join(',')}] for ${fmtShape(this.shape)}`);
    let off = 0;
    const st = this.strides;
    index.forEach((i, d) => {
      const ii = i < 0 ? i + this.shape[d] : i;
      if (ii < 0 || ii >= this.shape[d]) throw new ShapeError(`get: index ${i} out of range for dimension ${d} of ${fmtShape(this.shape)}`);
      off += ii * st[d];
    });
    return this.data[off];
  }
  /** Nested JS arrays (numbers; bool as 0/1). */
  toArray(): NestedArray {
    if (this.rank === 0) return this.data[0];
    const build = (d: number, off: number): NestedArray[] => {
      const n = this.shape[d];
      const st = this.strides[d];
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(d === this.rank - 1 ? this.data[off + i] : build(d + 1, off + i * st));
      return out;
    };
    return build(0, 0);
  }
  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this.toArray()) : `[${Array.from(this.data.subarray(0, 8)).join(',')}, ...]`;
    return `Tensor(${this.dtype} ${fmtShape(this.shape)}) ${body}`;
  }

  // ---- methods: thin wrappers over core/ops.ts so models read like PyTorch ----
  add(o: Tensor | number): Tensor { return ops.add(this, o); }
  sub(o: Tensor | number): Tensor { return ops.sub(this, o); }
  mul(o: Tensor | number): Tensor { return ops.mul(this, o); }
  div(o: Tensor | number): Tensor { return ops.div(this, o); }
  pow(o: Tensor | number): Tensor { return ops.pow(this, o); }
  maximum(o: Tensor | number): Tensor { return ops.maximum(this, o); }
  minimum(o: Tensor | number): Tensor { return ops.minimum(this, o); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  square(): Tensor { return ops.mul(this, this); }
  relu(): Tensor { return ops.relu(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  clamp(lo: number, hi: number): Tensor { return ops.clamp(this, lo, hi); }
  eq(o: Tensor | number): Tensor { return ops.eq(this, o); }
  ne(o: Tensor | number): Tensor { return ops.ne(this, o); }
  lt(o: Tensor | number): Tensor { return ops.lt(this, o); }
  le(o: Tensor | number): Tensor { return ops.le(this, o); }
  gt(o: Tensor | number): Tensor { return ops.gt(this, o); }
  ge(o: Tensor | number): Tensor { return ops.ge(this, o); }
  sum(axes?: number | number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  max(axes?: number | number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  variance(axes?: number | number[], keepDims = false, correction = 0): Tensor { return ops.variance(this, axes, keepDims, correction); }
  argmax(axis?: number, keepDims = false): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return ops.argmin(this, axis, keepDims); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  transpose(a = -2, b = -1): Tensor { return ops.transpose(this, a, b); }
  permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  slice(starts: readonly number[], ends?: readonly number[], steps?: readonly number[]): Tensor { return ops.slice(this, starts, ends, steps); }
  squeeze(axes?: number | number[]): Tensor { return ops.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  matmul(o: Tensor): Tensor { return ops.matmul(this, o); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
}

// ---- creation ----

/**
 * A zeroed typed array for a tensor of `shape`. V8 refuses a length past its limit, or memory it cannot get, with
 * a RangeError that names neither the op nor the shape ('Invalid typed array length: 784000000000'): say both,
 * and the size, so a too-wide layer reads as a choice to change rather than a crash.
 */
export function allocateFor(op: string, dtype: DType, shape: readonly number[]): TypedArray {
  const info = dtypeInfo(dtype, op);
  const n = sizeOf(shape);
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const bytes = n * info.bytes;
    throw new ArgumentError(`${op}: a tensor must fit in memory, got ${dtype} ${fmtShape(shape)} of ${n.toLocaleString('en-US')} elements (${(bytes / 2 ** 30).toFixed(1)} GiB); V8: ${e.message}`);
  }
}

function inferShape(x: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  void op;
  return shape;
}

function flattenInto(x: NestedArray, shape: number[], depth: number, out: (number | boolean)[], op: string): void {
  if (depth === shape.length) {
    if (Array.isArray(x)) throw new ShapeError(`${op}: nested arrays must be rectangular, got a deeper entry than ${fmtShape(shape)}`);
    out.push(x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[depth]) {
    throw new ShapeError(`${op}: nested arrays must be rectangular, got a row of length ${Array.isArray(x) ? x.length : 'scalar'} where ${shape[depth]} was expected at depth ${depth}`);
  }
  for (const v of x) flattenInto(v, shape, depth + 1, out, op);
}

/**
 * A tensor from nested arrays, a flat typed array (with shape), or a number. Without a dtype, values that are all
 * booleans give a bool tensor (as PyTorch), anything else float32, a typed array its own dtype. A typed array of the
 * dtype's own kind is used as is (no copy); for bool that is a Uint8Array of 0 and 1, any other is cast.
 */
export function tensor(values: NestedArray | TypedArray, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  let t: Tensor;
  if (opts.dtype !== undefined) dtypeInfo(opts.dtype, 'tensor');
  if (ArrayBuffer.isView(values)) {
    const arr = values as TypedArray;
    const dtype = opts.dtype ?? dtypeOfArray(arr);
    const own = dtype === 'bool' ? arr instanceof Uint8Array && arr.every((v) => v <= 1) : dtype === dtypeOfArray(arr);
    const data = own ? arr : castArray(arr, dtype);
    t = new Tensor(data, opts.shape ?? [arr.length], dtype);
  } else {
    const shape = inferShape(values, 'tensor');
    const flat: (number | boolean)[] = [];
    flattenInto(values, shape, 0, flat, 'tensor');
    const dtype = opts.dtype ?? (flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : 'float32');
    const data = allocateFor('tensor', dtype, [flat.length]);
    for (let i = 0; i < flat.length; i++) data[i] = castValue(+flat[i], dtype);
    t = new Tensor(data, opts.shape ?? shape, dtype);
  }
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Alias of tensor() for nested arrays, as the issue names it. */
export const fromArray = tensor;

export function castArray(src: TypedArray, dtype: DType): TypedArray {
  const out = allocateFor('cast', dtype, [src.length]);
  if (isFloat(dtype)) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = castValue(src[i], dtype);
  return out;
}

export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = opts.dtype ?? 'float32';
  const data = allocateFor('full', dtype, shape);
  data.fill(castValue(value, dtype));
  const t = new Tensor(data, shape, dtype);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}
export const zeros = (shape: readonly number[], opts: TensorOptions = {}): Tensor => full(shape, 0, opts);
export const ones = (shape: readonly number[], opts: TensorOptions = {}): Tensor => full(shape, 1, opts);
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, ...opts });
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, ...opts });
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return full([], value, { dtype });
}

/** [start, stop) by step, as NumPy; int32 when all arguments are integers, else float32. */
export function arange(start: number, stop?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (stop === undefined) { stop = start; start = 0; }
  if (step === 0) throw new ShapeError('arange: step must not be 0, got 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const data = allocateFor('arange', dtype, [n]);
  for (let i = 0; i < n; i++) data[i] = castValue(start + i * step, dtype);
  return new Tensor(data, [n], dtype);
}

export function eye(n: number, opts: TensorOptions = {}): Tensor {
  const t = zeros([n, n], opts);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

export interface RandomOptions extends TensorOptions {
  rng?: Random;
}

/** rand and randn draw floats: into an integer dtype they had been truncated or wrapped (randn into bool stored 255). */
function requireFloatDType(op: string, dtype: DType): void {
  if (!dtypeInfo(dtype, op).isFloat) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}; randint draws integers`);
}

/** Uniform in [lo, hi) from the seeded generator (manualSeed, or opts.rng). */
export function rand(shape: readonly number[], opts: RandomOptions & { lo?: number; hi?: number } = {}): Tensor {
  requireFloatDType('rand', opts.dtype ?? 'float32');
  const rng = opts.rng ?? getRandom();
  const lo = opts.lo ?? 0;
  const hi = opts.hi ?? 1;
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(lo, hi);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Normal(mean, std) from the seeded generator. */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  requireFloatDType('randn', opts.dtype ?? 'float32');
  const rng = opts.rng ?? getRandom();
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(opts.mean ?? 0, opts.std ?? 1);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform integers in [lo, hi); both ends must lie in the dtype's range (as PyTorch: randint(0, 5) into bool had stored 4). */
export function randint(lo: number, hi: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const rng = opts.rng ?? getRandom();
  const dtype = opts.dtype ?? 'int32';
  const { min, max } = dtypeInfo(dtype, 'randint');
  if (!(lo < hi)) throw new ArgumentError(`randint: lo must be below hi, got [${lo}, ${hi})`);
  if (!isFloat(dtype) && (lo < min || hi - 1 > max)) throw new DTypeError(`randint: [lo, hi) must lie in ${dtype}'s range ${min}..${max}, got [${lo}, ${hi})`);
  const t = zeros(shape, { dtype });
  for (let i = 0; i < t.size; i++) t.data[i] = lo + rng.int(hi - lo);
  return t;
}
