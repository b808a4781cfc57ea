import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchNorm1d, Conv2d, Flatten, FormatError, Linear, Random, ReLU, Sequential, ShapeError, Softmax, lenet5 } from '../../../core/index.js';
import { checkImageInput, loadModel, outputFeatures, saveModelWithSpec } from '../../../core/io/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-model-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rng = new Random(0);
const mlp = (inF: number, out: number) => new Sequential(new Flatten(), new Linear(inF, 8, { rng }), new ReLU(), new Linear(8, out, { rng }));

describe('outputFeatures', () => {
  it('reads the last Linear\'s width through the layers after it that keep it; gives up at a convolution', () => {
    expect(outputFeatures(mlp(4, 3))).toBe(3);
    expect(outputFeatures(new Sequential(new Linear(4, 5, { rng }), new BatchNorm1d(5), new Softmax(-1)))).toBe(5);
    expect(outputFeatures(new Sequential(new Sequential(new Linear(4, 6, { rng })), new ReLU()))).toBe(6);
    expect(outputFeatures(new Sequential(new Conv2d(1, 2, 3, { rng }), new Flatten()))).toBeUndefined();
  });
});

describe('classes metadata', () => {
  it('a table model whose classes list is shorter or longer than its outputs is refused at load, naming the file', () => {
    const short = join(dir, 'short.safetensors');
    saveModelWithSpec(short, mlp(4, 3), { input: 'table', classes: JSON.stringify(['a', 'b']) });
    expect(() => loadModel(short)).toThrow(FormatError);
    expect(() => loadModel(short)).toThrow(/short\.safetensors \(__metadata__\.classes\): the metadata lists 2 classes \("a", "b"\) where the model has 3 outputs/);
    const long = join(dir, 'long.safetensors');
    saveModelWithSpec(long, mlp(4, 1), { classes: JSON.stringify(['a', 'b']) });
    expect(() => loadModel(long)).toThrow(/the metadata lists 2 classes \("a", "b"\) where the model has 1 outputs/);
    const bad = join(dir, 'bad.safetensors');
    saveModelWithSpec(bad, mlp(4, 3), { classes: '{"a":1}' });
    expect(() => loadModel(bad)).toThrow(/bad\.safetensors \(__metadata__\.classes\): "classes" metadata must be a JSON array of class names/);
    const ok = join(dir, 'ok.safetensors');
    saveModelWithSpec(ok, mlp(4, 3), { classes: JSON.stringify(['a', 'b', 'c']) });
    expect(loadModel(ok).metadata.classes).toBe('["a","b","c"]');
  });
});

describe('checkImageInput', () => {
  const meta = { input: 'images', shape: '[1,28,28]' };
  it('compares the images with the recorded shape and says both sizes', () => {
    expect(() => checkImageInput(mlp(784, 10), meta, [1, 28, 28], 'x.idx')).not.toThrow();
    expect(() => checkImageInput(mlp(784, 10), meta, [1, 10, 10], 'images.idx')).toThrow(ShapeError);
    expect(() => checkImageInput(lenet5(0), meta, [1, 10, 10], 'images.idx')).toThrow(/^the model reads 28x28 images \(1 channel\); images\.idx holds 10x10$/);
    expect(() => checkImageInput(lenet5(0), { shape: '[3,32,32]' }, [1, 32, 32], 'gray.idx')).toThrow(/^the model reads 32x32 images \(3 channels\); gray\.idx holds 32x32 \(1 channel\)$/);
  });

  it('without a recorded shape, compares with what the first layer reads', () => {
    expect(() => checkImageInput(mlp(784, 10), { input: 'images' }, [1, 10, 10], 'images.idx')).toThrow(/^the model reads images of 784 values \(28x28, 1 channel\); images\.idx holds 10x10 \(100 values\)$/);
    expect(() => checkImageInput(mlp(100, 10), { input: 'images' }, [1, 10, 10], 'images.idx')).not.toThrow();
    expect(() => checkImageInput(new Sequential(new Conv2d(3, 2, 3, { rng })), {}, [1, 10, 10], 'images.idx')).toThrow(/^the model reads images of 3 channels; images\.idx holds 10x10 \(1 channel\)$/);
  });
});

describe('an architecture larger than its file', () => {
  it('is refused before any layer is allocated (a Linear "in": 1e9 had built 2e9 weights for a minute first)', () => {
    const path = join(dir, 'huge-arch.safetensors');
    const model = new Sequential(new Flatten(), new Linear(4, 2, { rng }));
    saveModelWithSpec(path, model, { arch: JSON.stringify({ type: 'Sequential', layers: [{ type: 'Flatten' }, { type: 'Linear', in: 1e9, out: 2 }] }) });
    const t0 = Date.now();
    expect(() => loadModel(path)).toThrow(FormatError);
    expect(() => loadModel(path)).toThrow(/huge-arch\.safetensors \(__metadata__\.arch\): the architecture declares 2,000,000,002 weights where the file holds 10 values$/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
