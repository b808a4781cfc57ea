import fc from 'fast-check';
import { FormatError } from '../../../core/errors.js';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn } from '../../../core/tensor.js';
import { Random } from '../../../core/random.js';
import { modelToSpec, modelFromSpec, specLayerSizes } from '../../../core/nn/spec.js';
import { Sequential, Conv2d, BatchNorm1d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, Dropout, GELU } from '../../../core/nn/layers.js';
import { lenet5 } from '../../../core/nn/models.js';
import { saveModelWithSpec, loadModel, saveModel } from '../../../core/io/model-file.js';
import { predict } from '../../../core/train.js';
import { fuzzRuns, jsonMutation, mutateJson, readsOrRefuses } from '../../fuzz.js';

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
  it('specLayerSizes counts from the spec alone what the built model holds, layer by layer, with modelFromSpec\'s paths', () => {
    const m = new Sequential(
      new Conv2d(2, 6, [3, 2], { groups: 2 }), new BatchNorm2d(6), new ReLU(), new Conv2d(6, 4, 1, { bias: false }),
      new Sequential(new Flatten(), new Linear(36, 5), new BatchNorm1d(5)), new Linear(5, 3, { bias: false }),
    );
    const spec = JSON.parse(JSON.stringify(modelToSpec(m)));
    const sizes = specLayerSizes(spec, 'm.json');
    expect(sizes.reduce((a, l) => a + l.parameters, 0)).toBe(m.numParameters());
    expect(sizes.map((l) => [l.path, l.layer, l.parameters])).toEqual([
      ['m.json.layers[0]', 'Conv2d 2 -> 6, kernel 3x2', 6 * 1 * 3 * 2 + 6],
      ['m.json.layers[1]', 'BatchNorm2d 6', 12],
      ['m.json.layers[3]', 'Conv2d 6 -> 4, kernel 1x1', 24],
      ['m.json.layers[4].layers[1]', 'Linear 36 -> 5', 185],
      ['m.json.layers[4].layers[2]', 'BatchNorm1d 5', 10],
      ['m.json.layers[5]', 'Linear 5 -> 3', 15],
    ]);
    // what modelFromSpec refuses counts as nothing here, so the count never throws first
    expect(specLayerSizes({ type: 'Sequential', layers: [{ type: 'Linear', in: -3, out: 'x' }, null, 7] })).toEqual([{ path: 'spec.layers[0]', layer: 'Linear 0 -> 0', parameters: 0 }]);
  });
  it('hostile or malformed specs give a FormatError with the path', () => {
    expect(() => modelFromSpec({ type: 'Sequential', layers: [{ type: 'Linear', in: 3, out: -1 }] })).toThrow(/spec\.layers\[0\].*Linear needs positive integer in and out/);
    expect(() => modelFromSpec({ type: '__proto__' })).toThrow(/unknown layer type "__proto__"/);
    expect(() => modelFromSpec([])).toThrow(/a layer must be an object/);
  });
});

describe('fuzz: a spec with one value deleted, retyped or repeated', () => {
  const spec = modelToSpec(new Sequential(new Conv2d(1, 2, 3, { padding: 1, rng: new Random(0) }), new BatchNorm2d(2), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.2), new Linear(8, 4, { rng: new Random(1) }), new GELU(), new BatchNorm1d(4)));
  it('builds a model that runs a batch, or is a WhittleError naming the spec path (sizes checked first with specLayerSizes, as train does)', () => {
    fc.assert(
      fc.property(jsonMutation, (m) => {
        const { doc, what } = mutateJson(spec, m);
        if (specLayerSizes(doc).reduce((a, l) => a + l.parameters, 0) > 1e6) return; // what a caller refuses before building
        readsOrRefuses(what, () => modelFromSpec(doc, 0, 'net.json'), (model) => {
          model.eval();
          model.forward(randn([2, 1, 4, 4], { rng: new Random(2) }));
        }, /^model spec at net\.json[.:]/);
      }),
      fuzzRuns(300),
    );
  });
});

describe('a layer that refuses its own fields', () => {
  it('is a FormatError naming where it sits in the spec (had been Conv2d\'s ArgumentError, naming no place)', () => {
    const spec = { type: 'Sequential', layers: [{ type: 'Conv2d', in: 1, out: 2, kernel: 3, groups: 1e9 }] };
    expect(() => modelFromSpec(spec, 0, 'net.json')).toThrow(FormatError);
    expect(() => modelFromSpec(spec, 0, 'net.json')).toThrow(/^model spec at net\.json\.layers\[0\]: Conv2d: channels must divide by groups, got in=1 out=2 groups=1000000000$/);
    expect(() => modelFromSpec({ type: 'Dropout', p: 2 }, 0, 'net.json')).toThrow(/^model spec at net\.json: Dropout: p must be in \[0,1\), got 2$/);
  });
});
