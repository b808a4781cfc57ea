import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn } from '../../../core/tensor.js';
import { Random } from '../../../core/random.js';
import { modelToSpec, modelFromSpec } from '../../../core/nn/spec.js';
import { Sequential, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, Dropout, GELU } from '../../../core/nn/layers.js';
import { lenet5 } from '../../../core/nn/models.js';
import { saveModelWithSpec, loadModel, saveModel } from '../../../core/io/model-file.js';
import { predict } from '../../../core/train.js';

describe('model specs', () => {
  it('spec -> model -> spec is the identity, and the file alone rebuilds the model', () => {
    const m = new Sequential(new Conv2d(1, 6, 3, { padding: 1, stride: 2 }), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.2), new Linear(6 * 7 * 7, 12), new GELU(), new Linear(12, 3, { bias: false }));
    const spec = modelToSpec(m);
    expect(modelToSpec(modelFromSpec(JSON.parse(JSON.stringify(spec))))).toEqual(spec);
    const dir = mkdtempSync(join(tmpdir(), 'whittle-spec-'));
    try {
      m.forward(randn([4, 1, 28, 28], { rng: new Random(1) })); // move BN running stats away from their init
      const path = join(dir, 'm.safetensors');
      saveModelWithSpec(path, m, { note: 'x' });
      const { model, metadata } = loadModel(path);
      expect(metadata.note).toBe('x');
      const x = randn([3, 1, 28, 28], { rng: new Random(2) });
      expect(Array.from(predict(model, x).data)).toEqual(Array.from(predict(m, x).data));
      saveModel(join(dir, 'plain.safetensors'), lenet5(0));
      expect(() => loadModel(join(dir, 'plain.safetensors'))).toThrow(/plain\.safetensors \(__metadata__\): not a whittle model file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('hostile or malformed specs give a FormatError with the path', () => {
    expect(() => modelFromSpec({ type: 'Sequential', layers: [{ type: 'Linear', in: 3, out: -1 }] })).toThrow(/spec\.layers\[0\].*Linear needs positive integer in and out/);
    expect(() => modelFromSpec({ type: '__proto__' })).toThrow(/unknown layer type "__proto__"/);
    expect(() => modelFromSpec([])).toThrow(/a layer must be an object/);
  });
});
