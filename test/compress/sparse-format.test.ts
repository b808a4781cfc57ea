import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, Random, Tensor, lenet300100, modelToSpec, noGrad, randn, saveTensors } from '../../core/index.js';
import { magnitudePrune } from '../../compress/prune.js';
import { decodeSparse, encodeSparse, loadSparseModel, loadSparseNetwork, saveSparseModel } from '../../compress/sparse-format.js';
import { quantizeModel } from '../../compress/quantize.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-sparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sparseArray(n: number, density: number, rng: Random): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) if (rng.next() < density) a[i] = rng.normal() || 0.5;
  return a;
}

describe('relative-index sparse encoding', () => {
  it('float32 values decode to exactly the same weights, including gaps over 255 (filler entries)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer(), (n, density, seed) => {
      const w = sparseArray(n, density, new Random(seed));
      const s = encodeSparse(w, [n]);
      expect(Array.from(decodeSparse(s))).toEqual(Array.from(w));
      const nz = w.filter((v) => v !== 0).length;
      expect(s.count).toBeGreaterThanOrEqual(nz);
    }), { numRuns: 50 });
    const w = new Float32Array(1000);
    w[999] = 3;
    const s = encodeSparse(w, [1000]);
    expect(Array.from(s.gaps)).toEqual([255, 255, 255, 235]);
    expect(Array.from(s.values)).toEqual([0, 0, 0, 3]);
  });

  it('int8 values decode within half a step of each row\'s scale', () => {
    const rng = new Random(3);
    const w = sparseArray(20 * 50, 0.1, rng);
    const s = encodeSparse(w, [20, 50], 'int8');
    const back = decodeSparse(s);
    for (let i = 0; i < w.length; i++) expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(s.scale![Math.floor(i / 50)] / 2 + 1e-7);
  });

  it('codebook values (k-means weight sharing) keep zeros zero and use at most 2^bits - 1 distinct nonzeros', () => {
    const rng = new Random(4);
    const w = sparseArray(4000, 0.2, rng);
    const s = encodeSparse(w, [40, 100], 'codebook', 4);
    expect(s.codebook!.length).toBe(16);
    const back = decodeSparse(s);
    expect(new Set(Array.from(back).filter((v) => v !== 0)).size).toBeLessThanOrEqual(15);
    let se = 0, ss = 0;
    for (let i = 0; i < w.length; i++) { expect(back[i] === 0).toBe(w[i] === 0); se += (back[i] - w[i]) ** 2; ss += w[i] ** 2; }
    expect(se / ss).toBeLessThan(0.02);
    expect(() => encodeSparse(w, [4000], 'codebook', 9)).toThrow(/bits must be an integer in \[1,8\], got 9/);
    expect(() => encodeSparse(w, [4000], 'float16' as 'int8')).toThrow(/values must be 'float32', 'int8' or 'codebook', got float16/);
  });
});

describe('sparse model files', () => {
  const model = lenet300100(5);
  magnitudePrune(model, { sparsity: 0.92, scope: 'global' });
  const x = randn([4, 784], { rng: new Random(9) });
  const ref = noGrad(() => model.forward(x));

  it('float32: loading reproduces the exact weights and outputs; bytes are the real file size', () => {
    const path = join(dir, 'f32.safetensors');
    const r = saveSparseModel(path, model);
    expect(r.bytes).toBe(statSync(path).size);
    expect(r.bytes).toBeLessThan(r.denseBytes / 4);
    const m2 = lenet300100(99);
    loadSparseModel(path, m2);
    for (const [k, t] of Object.entries(model.stateDict())) expect(Array.from(m2.stateDict()[k].data)).toEqual(Array.from(t.data));
    expect(Array.from(noGrad(() => m2.forward(x)).data)).toEqual(Array.from(ref.data));
  });

  it('int8 + Huffman: smaller still; a save -> load -> save -> load cycle is stable and outputs identical', () => {
    const p1 = join(dir, 'i8.safetensors'), p2 = join(dir, 'i8b.safetensors');
    const plain = saveSparseModel(join(dir, 'i8plain.safetensors'), model, { values: 'int8' });
    const r = saveSparseModel(p1, model, { values: 'int8', huffman: true });
    expect(r.bytes).toBeLessThan(plain.bytes);
    const m2 = lenet300100(1);
    loadSparseModel(p1, m2);
    saveSparseModel(p2, m2, { values: 'int8', huffman: true });
    const m3 = lenet300100(2);
    loadSparseModel(p2, m3);
    expect(Array.from(noGrad(() => m3.forward(x)).data)).toEqual(Array.from(noGrad(() => m2.forward(x)).data));
    const out = noGrad(() => m2.forward(x));
    for (let i = 0; i < out.size; i++) expect(out.data[i]).toBeCloseTo(ref.data[i], 1);
    // zeros stay zeros
    expect(m2.stateDict()['1.weight'].data.filter((v) => v === 0).length).toBeGreaterThanOrEqual(model.stateDict()['1.weight'].data.filter((v) => v === 0).length);
  });

  it('codebook + Huffman files load back to the codebook weights', () => {
    const path = join(dir, 'cb.safetensors');
    const r = saveSparseModel(path, model, { values: 'codebook', codebookBits: 5, huffman: true });
    const m2 = lenet300100(1);
    loadSparseModel(path, m2);
    const w = m2.stateDict()['1.weight'];
    expect(new Set(Array.from(w.data).filter((v) => v !== 0)).size).toBeLessThanOrEqual(31);
    expect(r.bytes).toBeLessThan(saveSparseModel(join(dir, 'i8h.safetensors'), model, { values: 'int8', huffman: true }).bytes);
  });

  it('loadSparseNetwork: the file alone rebuilds the float network (arch) with its metadata, or names what it lacks', () => {
    const path = join(dir, 'net.safetensors');
    saveSparseModel(path, model, { metadata: { arch: JSON.stringify(modelToSpec(model)), input: 'images', stage: 'pruned' } });
    const { model: m2, metadata } = loadSparseNetwork(path);
    expect(metadata).toMatchObject({ format: 'whittle-sparse', input: 'images', stage: 'pruned' });
    expect(Array.from(noGrad(() => m2.forward(x)).data)).toEqual(Array.from(ref.data));
    // a file from before compress wrote the architecture: which it lacks, and what to do instead
    const old = join(dir, 'old.safetensors');
    saveSparseModel(old, model);
    expect(() => loadSparseNetwork(old)).toThrow(/old\.safetensors \(__metadata__\): sparse model: no architecture in __metadata__ \("arch" or "layers"\)/);
  });

  it('a quantized model\'s int8 weights stored sparse (+ Huffman) decode to the very int8 model: same weights, same outputs', () => {
    const q = quantizeModel(model, randn([16, 784], { rng: new Random(3) }));
    const names = Object.keys(q.stateDict()).filter((k) => k.endsWith('.weightQ'));
    const path = join(dir, 'q-huffman.safetensors');
    saveSparseModel(path, q, { names, huffman: true, metadata: { layers: JSON.stringify(q.specs()) } });
    const { model: q2 } = loadSparseNetwork(path);
    for (const [k, t] of Object.entries(q.stateDict())) {
      expect(q2.stateDict()[k].dtype, k).toBe(t.dtype);
      expect(Array.from(q2.stateDict()[k].data), k).toEqual(Array.from(t.data));
    }
    expect(Array.from(noGrad(() => q2.forward(x)).data)).toEqual(Array.from(noGrad(() => q.forward(x)).data));
  });

  it('a file that is not a sparse model is refused with its name', () => {
    const path = join(dir, 'plain.safetensors');
    saveTensors(path, { a: new Tensor(new Float32Array(2), [2]) });
    expect(() => loadSparseModel(path, lenet300100())).toThrow(/plain\.safetensors.*metadata format must be 'whittle-sparse'/);
    writeFileSync(join(dir, 'junk.safetensors'), 'nope');
    expect(() => loadSparseModel(join(dir, 'junk.safetensors'), lenet300100())).toThrow(FormatError);
  });
});
