import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, SGD, crossEntropy, evaluate, fit } from '../../core/index.js';
import { magnitudePrune } from '../../compress/prune.js';
import { kmeansCodebook, loadSparseModel, saveSparseModel } from '../../compress/sparse-format.js';
import { WeightSharing } from '../../compress/weight-sharing.js';
import { smallMlp, synthetic } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-sharing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const distinctNonzeros = (a: ArrayLike<number>) => new Set(Array.from(a).filter((v) => v !== 0)).size;

describe('WeightSharing (Deep Compression trained quantization)', () => {
  it('clusters each layer to at most 2^bits - 1 values and keeps pruned weights at zero through training', () => {
    const m = smallMlp(1);
    magnitudePrune(m, { sparsity: 0.6 });
    const zeros = m.namedParameters().filter(([k]) => k.endsWith('weight')).map(([k, p]) => [k, Array.from(p.data).map((v) => v === 0)] as const);
    const ws = new WeightSharing(m, { bits: 2 });
    const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    ws.attach(opt);
    fit(m, new DataLoader(synthetic(200, 12, 2), { batchSize: 20, shuffle: true, seed: 1 }), { epochs: 3, optimizer: opt });
    const params = new Map(m.namedParameters());
    for (const [k, wasZero] of zeros) {
      const w = params.get(k)!.data;
      expect(distinctNonzeros(w)).toBeLessThanOrEqual(3);
      wasZero.forEach((z, i) => { if (z) expect(w[i]).toBe(0); });
    }
  });

  it('moves each centroid by lr times the sum of its weights\' gradients (eq. 3), biases by plain SGD', () => {
    const m = smallMlp(2);
    const ws = new WeightSharing(m, { bits: 3, momentum: 0 });
    const before = ws.codebooks();
    const w = m.namedParameters().find(([k]) => k === '1.weight')![1];
    const bias = m.namedParameters().find(([k]) => k === '1.bias')![1];
    const index = Array.from(w.data).map((v) => Array.from(before['1.weight']).indexOf(v));
    expect(index.every((i) => i >= 1)).toBe(true);
    const data = synthetic(16, 12, 3);
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    ws.attach(opt);
    opt.zeroGrad();
    crossEntropy(m.forward(data.x), data.y).backward();
    const g = Float64Array.from(w.grad!.data);
    const biasBefore = Float64Array.from(bias.data), biasGrad = Float64Array.from(bias.grad!.data);
    opt.step();
    const after = ws.codebooks()['1.weight'];
    for (let c = 1; c < after.length; c++) {
      let sum = 0;
      index.forEach((ci, i) => { if (ci === c) sum += g[i]; });
      expect(after[c]).toBeCloseTo(before['1.weight'][c] - 0.1 * sum, 5);
    }
    for (let i = 0; i < w.size; i++) expect(w.data[i]).toBe(after[index[i]]);
    for (let i = 0; i < bias.size; i++) expect(bias.data[i]).toBeCloseTo(biasBefore[i] - 0.1 * biasGrad[i], 6);
  });

  it('fine-tuning the centroids recovers accuracy lost to 2-bit sharing, and the codebook file stores it exactly', () => {
    const train = synthetic(600, 12, 4), test = synthetic(400, 12, 5);
    const m = smallMlp(3);
    fit(m, new DataLoader(train, { batchSize: 32, shuffle: true, seed: 2 }), { epochs: 30, optimizer: new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }) });
    const dense = evaluate(m, test).accuracy;
    const ws = new WeightSharing(m, { bits: 2 });
    const shared = evaluate(m, test).accuracy;
    const opt = new SGD(m.parameters(), { lr: 0.01, momentum: 0.9 });
    ws.attach(opt);
    fit(m, new DataLoader(train, { batchSize: 32, shuffle: true, seed: 3 }), { epochs: 10, optimizer: opt });
    const tuned = evaluate(m, test).accuracy;
    expect(shared).toBeLessThan(dense - 0.05); // three shared values per layer cost accuracy
    expect(tuned).toBeGreaterThan(shared + 0.1); // here: 95.75% dense, 81.25% shared, 97.25% tuned
    expect(tuned).toBeGreaterThan(dense - 0.02);
    const path = join(dir, 'shared.safetensors');
    saveSparseModel(path, m, { values: 'codebook', codebookBits: 2, huffman: true });
    const back = smallMlp(9);
    loadSparseModel(path, back);
    const a = new Map(m.namedParameters());
    for (const [k, p] of back.namedParameters()) expect(Array.from(p.data)).toEqual(Array.from(a.get(k)!.data));
  });

  it('kmeansCodebook returns the values themselves when there are at most 2^bits - 1 of them', () => {
    const w = Float32Array.from([0, 0.5, -0.25, 0.5, 0, 2, -0.25]);
    expect(Array.from(kmeansCodebook(w, 2))).toEqual([0, -0.25, 0.5, 2]);
    expect(kmeansCodebook(w, 1).length).toBe(2);
  });

  it('bad arguments name the problem', () => {
    expect(() => new WeightSharing(smallMlp(), { bits: 0 })).toThrow(/WeightSharing: bits must be an integer in \[1,8\], got 0/);
    expect(() => new WeightSharing(smallMlp(), { bits: 4, names: ['9.weight'] })).toThrow(/WeightSharing: no parameter named '9.weight'/);
    expect(() => new WeightSharing(smallMlp(), { bits: { '1.weight': 4 } })).toThrow(/no bits given for '3.weight'/);
    for (const momentum of [NaN, -0.5, 1, Infinity]) {
      expect(() => new WeightSharing(smallMlp(), { bits: 4, momentum }), String(momentum)).toThrow(`WeightSharing: momentum must be in [0,1), got ${momentum}`);
    }
  });
});
