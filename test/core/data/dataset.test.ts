import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, arange } from '../../../core/tensor.js';
import { TensorDataset, DataLoader, trainValSplit, Standardizer, mnistDataset } from '../../../core/data/dataset.js';

function ds(n: number): TensorDataset {
  return new TensorDataset(arange(n * 2, undefined, 1, { dtype: 'float32' }).reshape([n, 2]), tensor(Array.from({ length: n }, (_, i) => i % 3), { dtype: 'int32' }));
}

describe('DataLoader', () => {
  it('visits every row exactly once per epoch, in batches of the asked size', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), fc.boolean(), (n, bs, shuffle, dropLast) => {
      const loader = new DataLoader(ds(n), { batchSize: bs, shuffle, seed: 3, dropLast });
      const rows: number[] = [];
      let batches = 0;
      for (const [x, y] of loader) {
        expect(x.shape[0]).toBe(y.shape[0]);
        if (dropLast) expect(x.shape[0]).toBe(bs);
        for (let i = 0; i < x.shape[0]; i++) {
          rows.push(x.get(i, 0) / 2);
          expect(y.get(i)).toBe((x.get(i, 0) / 2) % 3);
        }
        batches++;
      }
      expect(batches).toBe(loader.numBatches);
      const expected = dropLast ? Math.floor(n / bs) * bs : n;
      expect(rows.length).toBe(expected);
      expect(new Set(rows).size).toBe(expected);
    }));
  });
  it('shuffles by seed: same seed same order, new order each epoch', () => {
    const order = (l: DataLoader) => [...l].flatMap(([x]) => Array.from(x.data));
    const a = new DataLoader(ds(20), { batchSize: 4, shuffle: true, seed: 9 });
    const b = new DataLoader(ds(20), { batchSize: 4, shuffle: true, seed: 9 });
    const e1 = order(a);
    expect(order(b)).toEqual(e1);
    expect(order(a)).not.toEqual(e1);
    expect(() => new DataLoader(ds(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

describe('splits and standardization', () => {
  it('stratified split keeps class shares and loses no row', () => {
    const { train, val } = trainValSplit(ds(300), 0.2, { seed: 1, stratify: true });
    expect(train.length + val.length).toBe(300);
    for (let c = 0; c < 3; c++) expect(Array.from(val.y.data).filter((v) => v === c).length).toBe(20);
    const all = [...Array.from(train.x.data), ...Array.from(val.x.data)].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(() => trainValSplit(ds(10), 1)).toThrow(/valFraction must be in \(0,1\), got 1/);
  });
  it('Standardizer: zero mean, unit variance on the fitted data; constant columns stay finite', () => {
    const x = tensor([[1, 5, 2], [3, 5, 4], [5, 5, 9]]);
    const s = new Standardizer().fit(x);
    const z = s.transform(x);
    (z.mean(0).toArray() as number[]).forEach((v) => expect(v).toBeCloseTo(0, 6));
    expect(z.variance(0).get(0)).toBeCloseTo(1, 5);
    expect(z.get(0, 1)).toBe(0);
    expect(Standardizer.fromJSON(JSON.parse(JSON.stringify(s))).transform(x).toArray()).toEqual(z.toArray());
  });
  it('MNIST as a dataset: normalized images [N,1,28,28] and int32 labels', () => {
    const m = mnistDataset('test', { limit: 100 });
    expect(m.x.shape).toEqual([100, 1, 28, 28]);
    expect(m.y.dtype).toBe('int32');
    expect(m.y.get(0)).toBe(7);
    expect(m.x.min().item()).toBeCloseTo(-0.1307 / 0.3081, 4);
    expect(mnistDataset('test', { limit: 5, flat: true }).x.shape).toEqual([5, 784]);
  });
});

describe('trainValSplit on many rows', () => {
  it('splits 500,000 rows, stratified or not (push(...rows) had overflowed the call stack past about 400,000)', () => {
    const n = 500_000;
    const ds = new TensorDataset(arange(n).reshape([n, 1]), tensor(Int32Array.from({ length: n }, (_, i) => i % 2)));
    for (const stratify of [false, true]) {
      const { train, val } = trainValSplit(ds, 0.1, { seed: 1, stratify });
      expect(train.length + val.length).toBe(n);
      expect(val.length).toBe(50_000);
    }
  });
});
