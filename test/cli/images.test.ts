// Image models through predict and compress (the real bin, dist/cli/main.js, built by `npm test` first): images are
// read with the normalization the model file records, a model's own class count, and errors that name the files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeIdx } from '../../core/data/idx.js';
import { loadTensors, saveModelWithSpec } from '../../core/io/model-file.js';
import { Flatten, Linear, Sequential } from '../../core/nn/layers.js';
import { lenet5 } from '../../core/nn/models.js';
import { Random } from '../../core/random.js';

const BIN = resolve('dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'whittle-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function whittle(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A 784 -> `classes` Linear whose output 0 is the sum of the pixels and the others `bias`: on images of 50 white
 * pixels in 784 the sum is +50 on pixels in [0,1] (class 0) and about -170 MNIST-normalized (the largest bias wins):
 * which class it picks tells how the pixels were read.
 */
function pixelSum(classes: number, bias: (k: number) => number = () => 0): Sequential {
  const fc = new Linear(784, classes, { rng: new Random(0) });
  fc.weight.data.fill(0).fill(1, 0, 784);
  fc.bias!.data.set(Array.from({ length: classes }, (_, k) => (k === 0 ? 0 : bias(k))));
  return new Sequential(new Flatten(), fc);
}

const RAW = { input: 'images', shape: '[1,28,28]', normalize: '{"mean":0,"std":1}' };
const labels = (values: number[]) => encodeIdx({ dtype: 'uint8', shape: [values.length], data: Uint8Array.from(values) });

describe.skipIf(!existsSync(BIN))('image models in predict and compress', () => {
  beforeAll(() => {
    const rng = new Random(1);
    const pixels = new Uint8Array(40 * 784);
    for (let i = 0; i < 40; i++) for (let k = 0; k < 50; k++) pixels[i * 784 + rng.int(784)] = 255;
    writeFileSync(join(dir, 'images.idx'), encodeIdx({ dtype: 'uint8', shape: [40, 28, 28], data: pixels }));
    writeFileSync(join(dir, 'zeros.idx'), labels(new Array(40).fill(0)));
    const sum = pixelSum(2, () => -1);
    // the metadata as imageMetadata({ shape: [1, 28, 28], normalize: false }) writes it, and whittle train's (MNIST's)
    saveModelWithSpec(join(dir, 'raw.safetensors'), sum, RAW);
    saveModelWithSpec(join(dir, 'mnist.safetensors'), sum, { ...RAW, normalize: '{"mean":0.1307,"std":0.3081}' });
    // as the library saves it without imageMetadata, or a PyTorch export: no word on its pixels
    saveModelWithSpec(join(dir, 'bare.safetensors'), sum);
  });

  it('predict reads the pixels as the model file records (had been: MNIST-normalized whatever it said), MNIST\'s where it records none, said', () => {
    const accuracy = (model: string) => whittle('predict', model, '--images', 'images.idx', '--labels', 'zeros.idx', '--out', 'p.csv');
    const raw = accuracy('raw.safetensors');
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stderr).toBe('wrote 40 predictions to p.csv\naccuracy 100.00% on 40 labelled rows\n');
    const mnist = accuracy('mnist.safetensors');
    expect(mnist.stderr).toBe('wrote 40 predictions to p.csv\naccuracy 0.00% on 40 labelled rows\n');
    const bare = accuracy('bare.safetensors');
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toBe(
      'predict: bare.safetensors does not record how its pixels were normalized ("normalize" metadata); reading them with MNIST\'s mean 0.1307 and std 0.3081, as whittle train does (a model trained on pixels in [0,1] records that with saveModelWithSpec(path, model, imageMetadata({ normalize: false })))\n'
      + 'wrote 40 predictions to p.csv\naccuracy 0.00% on 40 labelled rows\n',
    );
    // images nobody labelled are read the same way
    const unlabelled = whittle('predict', 'raw.safetensors', '--images', 'images.idx', '--limit', '3');
    expect(unlabelled.stdout).toBe('row,prediction\n0,0\n1,0\n2,0\n');
  });

  it('compress scores every stage on the model\'s own pixels, and its stage files keep them, so predict agrees', () => {
    const c = whittle('compress', 'raw.safetensors', '--images', 'images.idx', '--labels', 'zeros.idx', '--rounds', '1', '--epochs-per-round', '0', '--out-dir', 'comp');
    expect(c.code, c.stderr).toBe(0);
    // all four stages at 100% (MNIST-normalized, the pixel sum is negative everywhere: 0%)
    expect(c.stdout.match(/ 100\.00% /g)?.length).toBe(4);
    expect(loadTensors(join(dir, 'comp', 'pruned-int8-runtime.safetensors')).metadata.normalize).toBe('{"mean":0,"std":1}');
    const p = whittle('predict', 'comp/pruned-int8-runtime.safetensors', '--images', 'images.idx', '--labels', 'zeros.idx');
    expect(p.stderr).toMatch(/^accuracy 100\.00% on 40 labelled rows$/m);
  });

  it('compress refuses a stage it wrote in int8, saying it starts from the float model (had been: "not a whittle model file with an architecture")', () => {
    for (const file of ['comp/pruned-int8-runtime.safetensors', 'comp/pruned-int8-huffman.safetensors']) {
      const c = whittle('compress', file, '--images', 'images.idx', '--labels', 'zeros.idx', '--out-dir', 'comp2');
      expect(c.code, file).toBe(1);
      expect(c.stderr.trim()).toBe(`whittle compress: ${file} holds an int8 model (a stage compress writes); compress starts from the float model: a file from whittle train or nas, saveModelWithSpec or a PyTorch export with its architecture, or a pruned float stage (pruned-f32.safetensors)`);
    }
    expect(existsSync(join(dir, 'comp2'))).toBe(false);
    // the pruned float stage is a float model: it compresses, read with the pixels it records
    const f = whittle('compress', 'comp/pruned-f32.safetensors', '--images', 'images.idx', '--labels', 'zeros.idx', '--rounds', '1', '--epochs-per-round', '0', '--out-dir', 'comp3');
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/^dense float32 .* 100\.00% /m);
  });

  it('a model of 27 classes predicts labels up to 26 (had been: refused as not one of the model\'s 10 classes); a label past its outputs names both files', () => {
    // the bias makes every prediction class 26
    saveModelWithSpec(join(dir, 'letters.safetensors'), pixelSum(27, (k) => (k === 26 ? 1e4 : 0)), RAW);
    writeFileSync(join(dir, 'z.idx'), labels(new Array(40).fill(26)));
    const p = whittle('predict', 'letters.safetensors', '--images', 'images.idx', '--labels', 'z.idx');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/^accuracy 100\.00% on 40 labelled rows$/m);
    const two = whittle('predict', 'raw.safetensors', '--images', 'images.idx', '--labels', 'z.idx');
    expect(two.code).toBe(1);
    expect(two.stderr.trim()).toBe('whittle predict: z.idx (byte 8): label 26 at item 0 is not one of the 2 classes of the model raw.safetensors (0 to 1)');
  });

  it('images of another size for a file that records no shape: names the model, the images, the layer and the size it reads (had been: the op\'s error alone)', () => {
    writeFileSync(join(dir, 'small.idx'), encodeIdx({ dtype: 'uint8', shape: [5, 14, 14], data: new Uint8Array(5 * 196) }));
    saveModelWithSpec(join(dir, 'lenet5.safetensors'), lenet5(0));
    const p = whittle('predict', 'lenet5.safetensors', '--images', 'small.idx');
    expect(p.code).toBe(1);
    expect(p.stderr.trim()).toBe('whittle predict: the model lenet5.safetensors reads 28x28 images (1 channel), not the 14x14 images (1 channel) of small.idx: layer 3, MaxPool2d(2), gets [1,50,1,1]: maxPool2d: kernel larger than the padded input, got [1,50,1,1] and kernel [2,2]');
    writeFileSync(join(dir, 'small-labels.idx'), labels([0, 1, 2, 3, 4]));
    const c = whittle('compress', 'lenet5.safetensors', '--images', 'small.idx', '--labels', 'small-labels.idx', '--out-dir', 'comp-small');
    expect(c.code).toBe(1);
    expect(c.stderr.split('\n')[0]).toBe('whittle compress: the model lenet5.safetensors reads 28x28 images (1 channel), not the 14x14 images (1 channel) of small.idx: layer 3, MaxPool2d(2), gets [1,50,1,1]: maxPool2d: kernel larger than the padded input, got [1,50,1,1] and kernel [2,2]');
  });
});
