import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, BatchNorm1d, Conv2d, Dropout, Flatten, FormatError, Linear, MaxPool2d, Random, ReLU, Sequential, ShapeError, Softmax, Tensor, lenet5 } from '../../../core/index.js';
import { MNIST_NORMALIZATION } from '../../../core/data/mnist.js';
import {
  checkImageInput, forwardByLayer, imageMetadata, imageOutputs, loadModel, loadTensors, outputFeatures, recordedNormalization, saveModelWithSpec, saveTensors,
} from '../../../core/io/model-file.js';
import { loadSafetensors } from '../../../core/io/safetensors.js';
import { tensor } from '../../../core/tensor.js';

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

describe('image metadata', () => {
  it('imageMetadata records the shape and the pixels\' normalization as loadIdxImages takes it; recordedNormalization reads it back', () => {
    const raw = imageMetadata({ shape: [1, 28, 28], normalize: false });
    expect(raw).toEqual({ input: 'images', shape: '[1,28,28]', normalize: '{"mean":0,"std":1}' });
    expect(recordedNormalization(raw, 'm.safetensors')).toEqual({ mean: 0, std: 1 });
    expect(recordedNormalization(imageMetadata({ normalize: true }), 'm.safetensors')).toEqual(MNIST_NORMALIZATION);
    expect(recordedNormalization(imageMetadata({ normalize: { mean: 0.5, std: 0.25 } }), 'm.safetensors')).toEqual({ mean: 0.5, std: 0.25 });
    // what whittle train has always written, and the true / false of loadIdxImages' option
    expect(recordedNormalization({ normalize: '{"mean":0.1307,"std":0.3081}' }, 'm.safetensors')).toEqual(MNIST_NORMALIZATION);
    expect(recordedNormalization({ normalize: 'false' }, 'm.safetensors')).toEqual({ mean: 0, std: 1 });
    expect(recordedNormalization({ normalize: 'true' }, 'm.safetensors')).toEqual(MNIST_NORMALIZATION);
    // not recorded: the caller decides (whittle's commands read MNIST's, and say so)
    expect(recordedNormalization({}, 'm.safetensors')).toBeUndefined();
  });

  it('a normalize that is not one is refused when saved (ArgumentError) and when read (FormatError naming the file)', () => {
    for (const bad of ['yes', '{"mean":0}', '{"mean":0,"std":0}', '{"mean":"0","std":1}', '[0,1]', 'null']) {
      expect(() => saveModelWithSpec(join(dir, 'bad-norm.safetensors'), mlp(4, 2), { normalize: bad })).toThrow(ArgumentError);
      expect(() => recordedNormalization({ normalize: bad }, 'm.safetensors')).toThrow(FormatError);
      expect(() => recordedNormalization({ normalize: bad }, 'm.safetensors')).toThrow(`m.safetensors (__metadata__.normalize): "normalize" metadata must be JSON {"mean": M, "std": S} (finite, S > 0), true (MNIST's) or false (pixels in [0,1]), got ${bad}`);
    }
    expect(() => imageMetadata({ normalize: { mean: 0, std: -1 } })).toThrow(ArgumentError);
    expect(() => imageMetadata({ shape: [28, 28], normalize: true })).toThrow(/^imageMetadata: shape must be \[channels, rows, cols\] of positive integers, got \[28,28\]$/);
    const path = join(dir, 'raw.safetensors');
    saveModelWithSpec(path, mlp(4, 2), imageMetadata({ normalize: false }));
    expect(recordedNormalization(loadModel(path).metadata, path)).toEqual({ mean: 0, std: 1 });
  });
});

describe('forwardByLayer', () => {
  it('runs in eval mode without changing the model\'s mode, and gives what forward gives', () => {
    const model = new Sequential(new Flatten(), new Linear(4, 3, { rng }), new Dropout(0.9, rng), new BatchNorm1d(3));
    const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [1, 4]);
    const out = forwardByLayer(model, x);
    expect(model.training).toBe(true);
    model.eval();
    expect(Array.from(out.data)).toEqual(Array.from(model.forward(x).data));
    // a single row in training mode would have been refused by BatchNorm
    expect(out.requiresGrad).toBe(false);
  });

  it('names the layer (through nested Sequentials) that cannot take what reaches it, with the shape it got', () => {
    const model = new Sequential(new Flatten(), new Sequential(new Linear(784, 64, { rng }), new ReLU()), new Linear(100, 10, { rng }));
    expect(() => forwardByLayer(model, new Tensor(new Float32Array(784), [1, 1, 28, 28]))).toThrow(ShapeError);
    expect(() => forwardByLayer(model, new Tensor(new Float32Array(784), [1, 1, 28, 28]))).toThrow(/^layer 2, Linear\(100, 10\), gets \[1,64\]: linear: input features must equal weight columns, got \[1,64\] and \[10,100\]$/);
    expect(() => forwardByLayer(model, new Tensor(new Float32Array(100), [1, 1, 10, 10]))).toThrow(/^layer 1\.0, Linear\(784, 64\), gets \[1,100\]: linear:/);
  });
});

describe('imageOutputs', () => {
  // a LeNet-like net whose first layer takes any size: nothing but a run tells which size it reads
  const conv = () => new Sequential(new Conv2d(1, 4, 5, { rng }), new MaxPool2d(2), new Flatten(), new Linear(4 * 12 * 12, 7, { rng }));
  it('gives the outputs per image', () => {
    expect(imageOutputs(conv(), new Tensor(new Float32Array(2 * 784), [2, 1, 28, 28]), 'x.idx', 'm.safetensors')).toBe(7);
  });
  it('names the model file, the images and the layer; says 28x28 where a blank MNIST-sized image runs', () => {
    const small = new Tensor(new Float32Array(2 * 196), [2, 1, 14, 14]);
    expect(() => imageOutputs(conv(), small, 'small.idx', 'm.safetensors')).toThrow(ShapeError);
    expect(() => imageOutputs(conv(), small, 'small.idx', 'm.safetensors')).toThrow(/^the model m\.safetensors reads 28x28 images \(1 channel\), not the 14x14 images \(1 channel\) of small\.idx: layer 3, Linear\(576, 7\), gets \[1,100\]: linear: input features must equal weight columns, got \[1,100\] and \[7,576\]$/);
    // lenet5's second pooling has nothing left to pool at 14x14; a 20x20 model's size is not told
    expect(() => imageOutputs(lenet5(0), small, 'small.idx', 'l.safetensors')).toThrow(/^the model l\.safetensors reads 28x28 images \(1 channel\), not the 14x14 images \(1 channel\) of small\.idx: layer 3, MaxPool2d\(2\), gets \[1,50,1,1\]: maxPool2d: kernel larger than the padded input/);
    const twenty = new Sequential(new Conv2d(1, 4, 5, { rng }), new Flatten(), new Linear(4 * 16 * 16, 3, { rng }));
    expect(() => imageOutputs(twenty, small, 'small.idx', 't.safetensors')).toThrow(/^the model t\.safetensors cannot read the 14x14 images \(1 channel\) of small\.idx: layer 2, Linear\(1024, 3\), gets \[1,400\]/);
  });
  it('refuses a model that gives more than a score per class', () => {
    expect(() => imageOutputs(new Sequential(new Conv2d(1, 2, 3, { rng })), new Tensor(new Float32Array(25), [1, 1, 5, 5]), 'x.idx', 'm.safetensors')).toThrow(/^the model m\.safetensors gives \[2,3,3\] for each of the 5x5 images \(1 channel\) of x\.idx; a classifier gives one score per class$/);
  });
});

describe('bool tensors', () => {
  it('save as safetensors BOOL and load back as bool (they had been written U8 and come back uint8)', () => {
    const path = join(dir, 'mask.safetensors');
    saveTensors(path, { mask: tensor([true, false, true]) });
    const back = loadTensors(path).tensors.mask;
    expect(back.dtype).toBe('bool');
    expect(back.toArray()).toEqual([1, 0, 1]);
    expect(loadSafetensors(path).tensors.get('mask')!.dtype).toBe('bool');
  });
});
