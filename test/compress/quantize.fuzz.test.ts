// Fuzz: a quantized model file saveQuantizedModel wrote, cut or with one byte changed, or its layer list (metadata
// "layers") with one value deleted, retyped or repeated: loadQuantizedModel gives a model that runs a batch, or a
// WhittleError naming the file; never an internal error or a giant allocation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { loadTensors, type Tensor } from '../../core/index.js';
import { type QuantizedModel, loadQuantizedModel, quantizeModel, quantizedModelFromTensors, saveQuantizedModel } from '../../compress/quantize.js';
import { fuzzFileBytes, fuzzJson } from '../fuzz.js';
import { convNet, images, smallMlp, synthetic } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-quantize-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const escape = (s: string) => s.replace(/[.\\/]/g, '\\$&');

const cases = {
  cnn: { model: convNet(0), data: images(8, 1).x as Tensor, classes: ['a', 'b', 'c'] },
  mlp: { model: smallMlp(0), data: synthetic(8, 12, 1).x as Tensor, classes: ['x', 'y', 'z'] },
};

describe.each(Object.entries(cases))('fuzz: a quantized %s file', (name, { model, data, classes }) => {
  model.eval();
  const path = join(dir, `${name}.safetensors`);
  saveQuantizedModel(path, quantizeModel(model, data), { classes: JSON.stringify(classes) });
  const bytes = new Uint8Array(readFileSync(path));
  const run = (m: QuantizedModel) => void m.forward(data);

  it('cut or with one byte changed loads as a model that runs, or is a FormatError naming the file', () => {
    const bad = join(dir, `bad-${name}.safetensors`);
    fuzzFileBytes(bytes, bad, loadQuantizedModel, () => run, 200);
  });

  it('its layer list with one value deleted, retyped or repeated loads as a model that runs, or is a FormatError naming the file', () => {
    const { tensors, metadata } = loadTensors(path);
    const layers = JSON.parse(metadata.layers!) as unknown;
    fuzzJson(layers, (doc) => quantizedModelFromTensors(tensors, { ...metadata, layers: JSON.stringify(doc) }, path), () => run, new RegExp(`^${escape(path)}[ :]`), 300);
  });
});
