import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../core/errors.js';
import { Random } from '../../../core/random.js';
import { randn } from '../../../core/tensor.js';
import { loadModel, saveModel } from '../../../core/io/model-file.js';
import { predict } from '../../../core/train.js';
import { buildModel, type NasArch } from '../../../search/nas/builder.js';
import { loadNasModel, readNasArch, saveNasModel } from '../../../search/nas/model-file.js';
import { cnnSpace, mlpSpace } from '../../../search/nas/spaces.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-nas-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('saveNasModel / loadNasModel', () => {
  for (const [name, s] of [['mlp', mlpSpace()], ['cnn', cnnSpace({ batchNorm: true })]] as const) {
    it(`round-trips a ${name}: config -> model -> file -> model gives identical outputs`, () => {
      for (let seed = 0; seed < 4; seed++) {
        const arch: NasArch = { config: s.sample(new Random(100 + seed)), inputShape: [1, 28, 28], classes: 10 };
        const model = buildModel(arch, { seed });
        // Move batch-norm running statistics away from their initial values so buffers are tested too.
        model.train().forward(randn([4, 1, 28, 28], { rng: new Random(seed) }));
        const file = path.join(dir, `${name}-${seed}.safetensors`);
        saveNasModel(file, model, arch, { note: 'x' });
        const { model: back, arch: arch2, metadata } = loadNasModel(file);
        expect(arch2).toEqual(arch);
        expect(metadata.note).toBe('x');
        expect(readNasArch(file)).toEqual(arch);
        const x = randn([5, 1, 28, 28], { rng: new Random(9) });
        expect(Array.from(predict(back, x).data)).toEqual(Array.from(predict(model, x).data));
        // the same file is an ordinary whittle model too (what `whittle predict` opens)
        expect(Array.from(predict(loadModel(file).model, x).data)).toEqual(Array.from(predict(model, x).data));
      }
    });
  }

  it('rejects a model file without an architecture', () => {
    const file = path.join(dir, 'plain.safetensors');
    saveModel(file, buildModel({ config: { family: 'mlp', depth: 1, width1: 4 }, inputShape: [3], classes: 2 }));
    expect(() => loadNasModel(file)).toThrow(FormatError);
    expect(() => loadNasModel(file)).toThrow(/metadata "nasArch"/);
  });
});
