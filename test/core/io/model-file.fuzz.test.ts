// Fuzz: a model file saveModelWithSpec wrote (safetensors with the architecture and classes in its metadata), cut or
// with one byte changed, or its architecture with one value deleted, retyped or repeated. loadModel must give a
// model that runs a batch, or a WhittleError naming the file; never an internal error or a giant allocation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchNorm1d, Conv2d, Flatten, Linear, MaxPool2d, Random, ReLU, Sequential, Tensor } from '../../../core/index.js';
import { loadModel, loadTensors, modelFromTensors, saveModelWithSpec } from '../../../core/io/model-file.js';
import { modelToSpec } from '../../../core/nn/spec.js';
import { fuzzFileBytes, fuzzJson } from '../../fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-model-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rng = new Random(0);
const models = {
  mlp: { model: new Sequential(new Flatten(), new Linear(4, 6, { rng }), new BatchNorm1d(6), new ReLU(), new Linear(6, 3, { rng })), input: [2, 4] },
  cnn: { model: new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(2 * 3 * 3, 2, { rng })), input: [2, 1, 6, 6] },
};
const run = (input: number[]) => (m: { model: { eval(): unknown; forward(x: Tensor): Tensor } }) => {
  m.model.eval();
  const n = input.reduce((a, b) => a * b, 1);
  m.model.forward(new Tensor(Float32Array.from({ length: n }, (_, i) => (i % 7) / 7), input));
};

describe.each(Object.entries(models))('fuzz: a %s model file', (name, { model, input }) => {
  const path = join(dir, `${name}.safetensors`);
  saveModelWithSpec(path, model, { input: 'table', classes: JSON.stringify(name === 'mlp' ? ['a', 'b', 'c'] : ['x', 'y']) });
  const bytes = new Uint8Array(readFileSync(path));
  const file = new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')}[ :]`);

  it('cut or with one byte changed loads as a model that runs, or is a FormatError naming the file', () => {
    const bad = join(dir, `bad-${name}.safetensors`);
    fuzzFileBytes(bytes, bad, loadModel, () => run(input), 200);
  });

  it('its architecture with one value deleted, retyped or repeated builds a model that runs, or is a FormatError naming the file', () => {
    const { tensors, metadata } = loadTensors(path);
    const spec = modelToSpec(model);
    fuzzJson(spec, (doc) => ({ model: modelFromTensors(tensors, { ...metadata, arch: JSON.stringify(doc) }, path) }), () => run(input), file, 300);
  });
});
