import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeIdx } from '../../../core/data/idx.js';
import { MNIST_MEAN, MNIST_NORMALIZATION, MNIST_STD, type Normalization, loadIdxImages, loadMnist, normalizationOf } from '../../../core/data/mnist.js';
import { ArgumentError, FormatError } from '../../../core/errors.js';

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]!++;
  return h;
}

describe('loadMnist', () => {
  it('train: 60000 images of 28x28 in [0,1], first label 5', () => {
    const m = loadMnist({ split: 'train' });
    expect([m.n, m.rows, m.cols]).toEqual([60000, 28, 28]);
    expect(m.images.length).toBe(60000 * 784);
    expect(m.labels.length).toBe(60000);
    expect(m.labels[0]).toBe(5);
    // the published class counts of the training set
    expect(histogram(m.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of m.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect([min, max]).toEqual([0, 1]);
    expect(sum / m.images.length).toBeCloseTo(MNIST_MEAN, 3);
  });

  it('test: 10000 images, first label 7, limit and normalize', () => {
    const m = loadMnist({ split: 'test' });
    expect(m.n).toBe(10000);
    expect(m.labels[0]).toBe(7);
    expect(histogram(m.labels).reduce((a, b) => a + b)).toBe(10000);
    expect(histogram(m.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    const few = loadMnist({ split: 'test', limit: 3, normalize: true });
    expect(few.n).toBe(3);
    expect([...few.labels]).toEqual([...m.labels.subarray(0, 3)]);
    expect(few.images.length).toBe(3 * 784);
    expect(few.images[0]).toBeCloseTo((0 - MNIST_MEAN) / MNIST_STD, 6);
    for (let i = 0; i < few.images.length; i++) expect(few.images[i]).toBeCloseTo((m.images[i]! - MNIST_MEAN) / MNIST_STD, 5);
  });

  it('refuses a bad split and a directory without the files', () => {
    expect(() => loadMnist({ split: 'valid' as 'test' })).toThrow(/split must be 'train' or 'test', got valid/);
    expect(() => loadMnist({ split: 'test', dir: tmpdir() })).toThrow(/must hold one of t10k-images-idx3-ubyte/);
  });
});

describe('loadIdxImages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-mnist-'));
  it('reads users own files and checks them against each other', () => {
    writeIdx(join(dir, 'img'), { dtype: 'uint8', shape: [2, 1, 2], data: new Uint8Array([0, 255, 51, 102]) });
    writeIdx(join(dir, 'lab'), { dtype: 'uint8', shape: [2], data: new Uint8Array([3, 1]) });
    const s = loadIdxImages(join(dir, 'img'), join(dir, 'lab'));
    expect(s).toEqual({ images: new Float32Array([0, 1, 0.2, 0.4]), labels: new Uint8Array([3, 1]), n: 2, rows: 1, cols: 2 });

    writeIdx(join(dir, 'lab3'), { dtype: 'uint8', shape: [3], data: new Uint8Array(3) });
    expect(() => loadIdxImages(join(dir, 'img'), join(dir, 'lab3'))).toThrow(FormatError);
    expect(() => loadIdxImages(join(dir, 'img'), join(dir, 'lab3'))).toThrow(/lab3 \(byte 4\): loadIdxImages: label count must equal the image count 2 of .*img, got 3/);
    expect(() => loadIdxImages(join(dir, 'lab'), join(dir, 'lab'))).toThrow(/lab \(byte 3\): idx: images need 3 dimensions \(n, rows, cols\), the header says 1/);
    writeIdx(join(dir, 'img-f32'), { dtype: 'float32', shape: [2, 1, 2], data: new Float32Array(4) });
    expect(() => loadIdxImages(join(dir, 'img-f32'), join(dir, 'lab'))).toThrow(/img-f32 \(byte 2\): loadIdxImages: images must be uint8 with shape \[n,rows,cols\], got float32 \[2,1,2\]/);
  });

  it('normalize: true is MNIST\'s mean and std, an object its own; a NaN mean or an infinite std is refused (had given NaN or 0 pixels)', () => {
    const read = (normalize: boolean | Normalization) => loadIdxImages(join(dir, 'img'), join(dir, 'lab'), { normalize }).images;
    expect(normalizationOf(true)).toEqual(MNIST_NORMALIZATION);
    expect(normalizationOf(false)).toEqual({ mean: 0, std: 1 });
    expect(read(true)[1]).toBeCloseTo((1 - MNIST_MEAN) / MNIST_STD, 6);
    expect(read({ mean: 0.5, std: 0.5 })).toEqual(new Float32Array([-1, 1, -0.6, -0.2]));
    for (const bad of [{ mean: NaN, std: 1 }, { mean: 0, std: Infinity }, { mean: 0, std: 0 }]) {
      expect(() => read(bad)).toThrow(ArgumentError);
      expect(() => read(bad)).toThrow(`loadIdxImages: normalize must be a finite mean and a positive finite std, got mean ${bad.mean}, std ${bad.std}`);
    }
  });
});
