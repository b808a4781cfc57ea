import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Table, categoricalColumn, numericColumn } from '../../../core/data/csv.js';
import { subsetTable } from '../../../search/automl/frame.js';
import { Preprocessor } from '../../../search/automl/preprocess.js';
import { Random } from '../../../core/random.js';
import { expectLimitChecked } from './fixtures.js';

const table = {
  columns: [numericColumn('a', [1, 2, NaN, 10]), categoricalColumn('c', ['x', 'y', null, 'x'])],
  nRows: 4,
};

describe('Preprocessor', () => {
  it('median imputation, standardization and one-hot with the most frequent category for missing', () => {
    const p = new Preprocessor({ numericImpute: 'median', scale: 'standard' }).fit(table);
    // median of 1,2,10 is 2; filled column 1,2,2,10: mean 3.75, population std sqrt(12.1875)
    const fitted = p.columns[0];
    expect(fitted).toMatchObject({ kind: 'numeric', fill: 2, mean: 3.75 });
    expect(p.featureNames).toEqual(['a', 'c=x', 'c=y']);
    const x = p.transform(table);
    const std = Math.sqrt(((1 - 3.75) ** 2 + 2 * (2 - 3.75) ** 2 + (10 - 3.75) ** 2) / 4);
    expect(x.cols).toBe(3);
    expect(x.data[2 * 3]).toBeCloseTo((2 - 3.75) / std, 12);
    expect(Array.from(x.data.subarray(6, 9)).slice(1)).toEqual([1, 0]); // null -> most frequent 'x'
  });

  it('mean imputation and no scaling', () => {
    const p = new Preprocessor({ numericImpute: 'mean', scale: 'none' }).fit(table);
    expect(p.transform(table).data[6]).toBeCloseTo(13 / 3, 12);
  });

  it('most-frequent numeric imputation', () => {
    const t = { columns: [numericColumn('a', [3, 1, 3, NaN, 1, 1])], nRows: 6 };
    expect(new Preprocessor({ numericImpute: 'most-frequent', scale: 'none' }).fit(t).transform(t).data[3]).toBe(1);
  });

  it('fills a numeric gap with the median, mean or most frequent value of a naive sort (fast-check: duplicates, gaps, odd and even counts)', () => {
    const value = fc.oneof(fc.constant(NaN), fc.integer({ min: -6, max: 6 }).map((v) => v / 4), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), (values) => {
        const present = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
        const m = present.length >> 1;
        const reference = {
          median: present.length % 2 ? present[m] : (present[m - 1] + present[m]) / 2,
          mean: present.reduce((a, b) => a + b, 0) / present.length,
          'most-frequent': [...present].sort((a, b) => present.filter((x) => x === b).length - present.filter((x) => x === a).length || a - b)[0],
        };
        const t = { columns: [numericColumn('a', [...values, NaN])], nRows: values.length + 1 };
        for (const mode of ['median', 'mean', 'most-frequent'] as const) {
          const p = new Preprocessor({ numericImpute: mode, scale: 'none' }).fit(t);
          // a column with no value at all has no columns (there is nothing to fill from)
          if (present.length === 0) expect(p.featureNames).toEqual([]);
          else expect(p.transform(t).data[values.length] + 0).toBe(reference[mode] + 0);
        }
      }),
    );
  });

  it('an unknown category at predict time is an all-zero block; columns are found by name', () => {
    const p = new Preprocessor().fit(table);
    const x = p.transform([{ c: 'never-seen', a: 2 }]);
    expect(Array.from(x.data.subarray(1))).toEqual([0, 0]);
    expect(() => p.transform([{ a: 1 }])).toThrow(/must have column "c", got columns "a"/);
  });

  it('fits on the training rows only', () => {
    const p = new Preprocessor({ numericImpute: 'mean', scale: 'none' }).fit({ columns: [numericColumn('a', [0, 2])], nRows: 2 });
    expect(p.transform({ columns: [numericColumn('a', [NaN, 100])], nRows: 2 }).data[0]).toBe(1);
  });

  it('JSON round trip', () => {
    const p = new Preprocessor().fit(table);
    const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(Array.from(back.transform(table).data)).toEqual(Array.from(p.transform(table).data));
  });
});

// scikit-learn 1.2.1 KNNImputer on columns pre-scaled to standard deviation 1 (bench/reference/sklearn_knn_impute.py)
const sk = JSON.parse(readFileSync(new URL('../../fixtures/automl/sklearn-knn-impute.json', import.meta.url), 'utf8')) as {
  train: (number | null)[][];
  query: (number | null)[][];
  cases: { neighbors: number; train: number[][]; query: number[][] }[];
};

const numericTable = (rows: (number | null)[][]): Table => ({
  columns: rows[0].map((_, j) => numericColumn(`x${j}`, rows.map((r) => r[j]))),
  nRows: rows.length,
});

/**
 * The knn fill of one missing cell, written as plainly as possible: every training row that has the column, its
 * nan-euclidean distance (numbers over their training spread, a category mismatch 1), sorted, the first k and every
 * row tied with the k-th averaged; the median when no training row shares a present column.
 */
function naiveKnnFill(train: (number | string | null)[][], row: (number | string | null)[], j: number, k: number, all = train): number {
  const d = row.length;
  const present = (v: number | string | null) => v !== null && !(typeof v === 'number' && Number.isNaN(v));
  const spread = Array.from({ length: d }, (_, c) => {
    const v = all.map((r) => r[c]).filter((x): x is number => typeof x === 'number' && present(x));
    if (v.length === 0 || typeof all.find((r) => present(r[c]))?.[c] === 'string') return 1;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    return s > 1e-12 ? s : 1;
  });
  const donors: { dist: number; value: number }[] = [];
  for (const t of train) {
    if (!present(t[j])) continue;
    let sum = 0;
    let shared = 0;
    for (let c = 0; c < d; c++) {
      if (!present(row[c]) || !present(t[c])) continue;
      shared++;
      sum += typeof row[c] === 'string' ? (row[c] === t[c] ? 0 : 1) : (((row[c] as number) - (t[c] as number)) / spread[c]) ** 2;
    }
    if (shared > 0) donors.push({ dist: Math.sqrt((sum * d) / shared), value: t[j] as number });
  }
  if (donors.length === 0) {
    const v = all.map((r) => r[j]).filter((x): x is number => typeof x === 'number' && present(x)).sort((a, b) => a - b);
    return v.length === 0 ? 0 : v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
  donors.sort((a, b) => a.dist - b.dist);
  const kth = donors[Math.min(k, donors.length) - 1].dist;
  const chosen = donors.filter((x) => x.dist <= kth);
  return chosen.reduce((a, b) => a + b.value, 0) / chosen.length;
}

/** Rows of (number, number, category) as a table with columns a, b (numeric) and c (categorical). */
const mixedTable = (rows: (number | string | null)[][]): Table => ({
  columns: [numericColumn('a', rows.map((r) => r[0] as number | null)), numericColumn('b', rows.map((r) => r[1] as number | null)), categoricalColumn('c', rows.map((r) => r[2] as string | null))],
  nRows: rows.length,
});

type MixedRow = [number | null, number | null, string | null];

/** A row of mixedTable with gaps: two halves in [-2.5, 2.5] and a category, each possibly missing. */
const mixedRow: fc.Arbitrary<MixedRow> = fc.tuple(
  ...([0, 1].map(() => fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5 }).map((v) => v / 2))) as [fc.Arbitrary<number | null>, fc.Arbitrary<number | null>]),
  fc.oneof(fc.constant(null), fc.constantFrom('a', 'b', 'c')),
);

/** p's fills of queryRows' gaps equal naiveKnnFill's over `donors` (spread and fallback from all trainRows). */
function expectNaiveFills(p: Preprocessor, trainRows: MixedRow[], queryRows: MixedRow[], k: number, donors: MixedRow[] = trainRows): void {
  const x = p.transform(mixedTable(queryRows));
  // a category unseen in training is missing to the distance, as the fitted preprocessor sees it
  const known = new Set<string | null>(trainRows.map((r) => r[2]).filter((v) => v !== null));
  // a column with no value in training has no columns (and no part in the distances, as it never has a value)
  const at = ['a', 'b'].map((name) => p.featureNames.indexOf(name));
  at.forEach((c, j) => expect(c < 0).toBe(trainRows.every((row) => row[j] === null)));
  queryRows.forEach((row, r) => {
    const seen = [row[0], row[1], known.has(row[2]) ? row[2] : null];
    for (const j of [0, 1]) {
      if (at[j] < 0) continue;
      const want = row[j] === null ? naiveKnnFill(donors, seen, j, k, trainRows) : (row[j] as number);
      expect(x.data[r * x.cols + at[j]]).toBeCloseTo(want, 10);
    }
  });
}

describe('Preprocessor numericImpute knn', () => {
  it.each(sk.cases.map((c) => [c.neighbors, c] as const))('matches scikit-learn KNNImputer(n_neighbors=%i) on training and new rows', (k, c) => {
    const p = new Preprocessor({ numericImpute: 'knn', scale: 'none', neighbors: k }).fit(numericTable(sk.train));
    for (const [rows, want] of [[sk.train, c.train], [sk.query, c.query]] as const) {
      const x = p.transform(numericTable(rows));
      want.forEach((row, r) => row.forEach((v, j) => expect(x.data[r * x.cols + j]).toBeCloseTo(v, 9)));
    }
  });

  it('equals a naive reference on mixed numeric/categorical tables with gaps (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(mixedRow, { minLength: 1, maxLength: 25 }), fc.array(mixedRow, { minLength: 1, maxLength: 6 }), (k, trainRows, queryRows) => {
        const p = new Preprocessor({ numericImpute: 'knn', scale: 'none', neighbors: k }).fit(mixedTable(trainRows));
        expectNaiveFills(p, trainRows, queryRows, k);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('past maxDonors it draws from every step-th training row (spread and fallback still from all of them)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(mixedRow, { minLength: 1, maxLength: 40 }),
        fc.array(mixedRow, { minLength: 1, maxLength: 6 }),
        (k, maxDonors, trainRows, queryRows) => {
          const p = new Preprocessor({ numericImpute: 'knn', scale: 'none', neighbors: k, maxDonors }).fit(mixedTable(trainRows));
          const step = Math.ceil(trainRows.length / maxDonors);
          const sample = trainRows.filter((_, i) => i % step === 0);
          expect(sample.length).toBeLessThanOrEqual(maxDonors);
          const donors = (p.toJSON().donors as { values: (number | null)[][] }).values;
          expect(donors[0]).toEqual(sample.map((r) => r[0]));
          expectNaiveFills(p, trainRows, queryRows, k, sample);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
    expect(() => new Preprocessor({ numericImpute: 'knn', maxDonors: 0 })).toThrow('Preprocessor: maxDonors must be a positive integer, got 0');
  });

  it('filling checks a time limit as it goes and stops at the first read past it', () => {
    // 3,000 rows x 4 columns, a third of one column missing: each fill reads 12,000 donor numbers, 12M in all
    const rng = new Random(5);
    const rows = Array.from({ length: 3000 }, () => [rng.next() < 0.33 ? null : rng.normal(), rng.normal(), rng.normal(), rng.normal()]);
    const t = numericTable(rows);
    expectLimitChecked(() => Array.from(new Preprocessor({ numericImpute: 'knn', scale: 'none' }).fitTransform(t).data), 'k-nearest-neighbour imputation');
  });

  it('a row with only its category present gets the mean of that category (all tied rows), whatever the row order', () => {
    // as penguins row 339: Biscoe, every measurement missing -> the Biscoe birds' mean, not the overall median
    const t: Table = {
      columns: [numericColumn('mass', [3000, 3100, 5000, 5200, 5400, 3050, null]), categoricalColumn('island', ['T', 'T', 'B', 'B', 'B', 'T', 'B'])],
      nRows: 7,
    };
    for (const order of [[0, 1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1, 0], [2, 0, 6, 4, 1, 5, 3]]) {
      const shuffled = subsetTable(t, order);
      const p = new Preprocessor({ numericImpute: 'knn', scale: 'none', neighbors: 2 }).fit(shuffled);
      const x = p.transform(shuffled);
      const at = order.indexOf(6);
      expect(x.data[at * x.cols]).toBeCloseTo(5200, 12);
    }
    // with median imputation the same row would be the overall median, between the islands
    expect(new Preprocessor({ numericImpute: 'median', scale: 'none' }).fit(t).transform(t).data[6 * 3]).toBe(4050);
  });

  it('falls back to the median when no training row shares a present value; standardizes after filling', () => {
    const t: Table = { columns: [numericColumn('a', [1, 2, 4, null]), numericColumn('b', [null, null, null, 7])], nRows: 4 };
    const none = new Preprocessor({ numericImpute: 'knn', scale: 'none' }).fit(t).transform(t);
    expect(none.data[3 * 2]).toBe(2); // row 3 has only b, which no row with a has
    const std = new Preprocessor({ numericImpute: 'knn', scale: 'standard' }).fit(t);
    const col = std.columns[0] as { mean: number };
    expect(col.mean).toBeCloseTo((1 + 2 + 4 + 2) / 4, 12);
  });

  it('JSON round trip keeps the donors and the fills; a knn preprocessor without donors is a clear error', () => {
    const p = new Preprocessor({ numericImpute: 'knn', neighbors: 1 }).fit(table);
    const json = JSON.parse(JSON.stringify(p.toJSON()));
    const back = Preprocessor.fromJSON(json);
    const query = { columns: [numericColumn('a', [NaN, NaN, 3]), categoricalColumn('c', ['y', 'x', null])], nRows: 3 };
    expect(Array.from(back.transform(query).data)).toEqual(Array.from(p.transform(query).data));
    delete json.donors;
    expect(() => Preprocessor.fromJSON(json)).toThrow(/numericImpute 'knn' needs donors with one value array per column \(2\), got none/);
    expect(() => new Preprocessor({ numericImpute: 'knn', neighbors: 0 })).toThrow(/neighbors must be a positive integer, got 0/);
  });
});

describe('Preprocessor maxCategories', () => {
  /** One-hot of a categorical column, written plainly from the rule in PreprocessConfig.maxCategories. */
  function naiveOneHot(train: (string | null)[], query: (string | null)[], max: number): number[][] {
    const counts = new Map<string, number>();
    for (const v of train) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    const byName = [...counts.keys()].sort();
    let mode: string | null = null;
    for (const v of byName) if (mode === null || counts.get(v)! > counts.get(mode)!) mode = v;
    let kept = byName;
    let other = false;
    if (counts.size >= 20 && [...counts.values()].every((n) => n === 1)) {
      // an identifier even under the cap
      kept = [];
      mode = null;
    } else if (counts.size > max) {
      const repeated = byName.filter((v) => counts.get(v)! >= 2);
      // stable sort by count, so ties stay in name order
      kept = [...repeated].sort((a, b) => counts.get(b)! - counts.get(a)!).slice(0, max - 1).sort();
      other = kept.length > 0;
      if (!other) mode = null;
    }
    return query.map((q) => {
      const row = new Array<number>(kept.length + (other ? 1 : 0)).fill(0);
      const v = q ?? mode;
      if (v === null) return row;
      const i = kept.indexOf(v);
      if (i >= 0) row[i] = 1;
      else if (other) row[kept.length] = 1;
      return row;
    });
  }

  it('equals a naive reference: the most frequent repeated levels, one shared column for the rest and unseen ones (fast-check)', () => {
    const level = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', null);
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 40 }), fc.array(fc.oneof(level, fc.constant('unseen')), { minLength: 1, maxLength: 10 }), fc.integer({ min: 2, max: 8 }), (train, query, max) => {
        const p = new Preprocessor({ scale: 'none', maxCategories: max }).fit({ columns: [categoricalColumn('c', train)], nRows: train.length });
        const x = p.transform({ columns: [categoricalColumn('c', query)], nRows: query.length });
        const want = naiveOneHot(train, query, max);
        expect(x.cols).toBeLessThanOrEqual(max);
        expect(x.cols).toBe(want[0].length);
        expect(Array.from(x.data)).toEqual(want.flat());
        expect(p.featureNames).toHaveLength(x.cols);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('equals the naive reference on many-level columns: 20 or more values none repeated are an identifier even under the cap (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).map((n) => Array.from({ length: n }, (_, i) => `v${(i * 7) % 41}`)),
        fc.boolean(),
        fc.nat(5),
        fc.integer({ min: 2, max: 64 }),
        (distinct, repeatOne, gaps, max) => {
          // one value twice (no identifier then) and some gaps (which do not count as values)
          const train: (string | null)[] = [...distinct, ...(repeatOne ? [distinct[0]] : []), ...Array<null>(gaps).fill(null)];
          const query = [distinct[0], distinct[distinct.length - 1], 'never seen', null];
          const p = new Preprocessor({ scale: 'none', maxCategories: max }).fit({ columns: [categoricalColumn('c', train)], nRows: train.length });
          const x = p.transform({ columns: [categoricalColumn('c', query)], nRows: query.length });
          const want = naiveOneHot(train, query, max);
          expect(x.cols).toBe(want[0].length);
          expect(Array.from(x.data)).toEqual(want.flat());
          expect(p.notes.length).toBe(x.cols === distinct.length ? 0 : 1);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });

  it('a column with no value at all (a trailing comma on every line) gets no columns, a note, and new rows need not have it', () => {
    const n = 30;
    const a = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? NaN : (i * 37) % 11));
    const plain: Table = { columns: [numericColumn('a', a)], nRows: n };
    const empties: Table = { columns: [...plain.columns, numericColumn('', new Array(n).fill(NaN)), categoricalColumn('e', new Array(n).fill(null))], nRows: n };
    for (const numericImpute of ['median', 'knn'] as const) {
      const p = new Preprocessor({ numericImpute, scale: 'standard' }).fit(empties);
      // as a number it had been a constant column of the fill
      expect(p.featureNames).toEqual(['a']);
      expect(p.notes).toEqual(['(no name): no values: no columns', 'e: no values: no columns']);
      expect(Array.from(p.transform(plain).data)).toEqual(Array.from(new Preprocessor({ numericImpute, scale: 'standard' }).fit(plain).transform(plain).data));
      expect(Array.from(p.transform(plain).data)).toEqual(Array.from(p.transform(empties).data));
      expect(Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON()))).notes).toEqual(p.notes);
    }
  });

  it('a column whose values never repeat (an identifier) gets no columns, does not sway the knn fill, and is named in notes', () => {
    const n = 80;
    const a = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? NaN : (i * 37) % 11));
    const b = Array.from({ length: n }, (_, i) => ((i * 13) % 17) / 3);
    const c = Array.from({ length: n }, (_, i) => ['x', 'y', 'z'][i % 3]);
    const plain: Table = { columns: [numericColumn('a', a), numericColumn('b', b), categoricalColumn('c', c)], nRows: n };
    const withId: Table = { columns: [categoricalColumn('name', a.map((_, i) => `row ${i}`)), ...plain.columns], nRows: n };
    for (const numericImpute of ['median', 'knn'] as const) {
      const p = new Preprocessor({ numericImpute, scale: 'none' }).fit(withId);
      expect(p.featureNames).toEqual(['a', 'b', 'c=x', 'c=y', 'c=z']);
      // a mismatch on every pair of rows would add the same 1 to every distance: the fills must not move
      expect(Array.from(p.transform(withId).data)).toEqual(Array.from(new Preprocessor({ numericImpute, scale: 'none' }).fit(plain).transform(plain).data));
      expect(p.notes).toEqual(['name: 80 distinct values, none repeated: no columns (an identifier)']);
      // and rows without the column transform the same
      expect(Array.from(p.transform(plain).data)).toEqual(Array.from(p.transform(withId).data));
    }
    // under the cap (80 <= 100) too: 20 or more values none of which repeats make an identifier
    expect(new Preprocessor({ maxCategories: 100 }).fit(withId).featureNames).toEqual(['a', 'b', 'c=x', 'c=y', 'c=z']);
    // but 19 values, or one of them twice, are one-hot as any category
    const first = (rows: number, names: string[]): Table => ({
      columns: [categoricalColumn('name', names), numericColumn('a', a.slice(0, rows)), numericColumn('b', b.slice(0, rows)), categoricalColumn('c', c.slice(0, rows))],
      nRows: rows,
    });
    const nineteen = a.slice(0, 19).map((_, i) => `row ${i}`);
    expect(new Preprocessor({}).fit(first(19, nineteen)).featureNames).toHaveLength(19 + 5);
    expect(new Preprocessor({}).fit(first(20, [...nineteen, 'row 0'])).featureNames).toHaveLength(19 + 5);
    expect(new Preprocessor({}).fit(first(20, [...nineteen, 'row 19'])).featureNames).toEqual(['a', 'b', 'c=x', 'c=y', 'c=z']);
  });

  it('notes the capped columns; the shared column survives a JSON round trip; maxCategories is checked', () => {
    // level v<i> appears i times: the 3 most frequent repeated ones are kept, 'v1' (once) and v2..v6 share a column
    const values = Array.from({ length: 10 }, (_, i) => Array<string>(i + 1).fill(`v${i + 1}`)).flat();
    const t: Table = { columns: [categoricalColumn('c', values)], nRows: values.length };
    const p = new Preprocessor({ scale: 'none', maxCategories: 4 }).fit(t);
    expect(p.featureNames).toEqual(['c=v10', 'c=v8', 'c=v9', 'c=(other)']);
    expect(p.notes).toEqual(['c: 10 levels: the 3 most frequent kept, the other 7 share one column']);
    const query: Table = { columns: [categoricalColumn('c', ['v9', 'v1', 'never seen', null])], nRows: 4 };
    expect(Array.from(p.transform(query).data)).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
    const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(Array.from(back.transform(query).data)).toEqual(Array.from(p.transform(query).data));
    expect(() => new Preprocessor({ maxCategories: 1 })).toThrow(/Preprocessor: maxCategories must be an integer >= 2, got 1/);
  });
});

describe('Preprocessor date columns', () => {
  const iso = (d: Date, time: boolean) => (time ? d.toISOString().slice(0, 16) : d.toISOString().slice(0, 10));

  it('ISO dates (or year-first with slashes) become year, month, day, weekday (and hour), the gaps the median date; equals Date UTC getters (fast-check)', () => {
    const day = fc.date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2080, 11, 31)), noInvalidDate: true });
    fc.assert(
      fc.property(fc.array(fc.option(day, { nil: null }), { minLength: 1, maxLength: 30 }), fc.array(fc.oneof(fc.option(day, { nil: null }), fc.constant('not a date')), { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), (train, query, time, slash) => {
        if (train.every((d) => d === null)) return;
        // '2012/01/31 08:15', as the flights in vega-datasets write it
        const written = (d: Date) => (slash ? iso(d, time).replace('T', ' ').replace(/^(\d{4})-(\d{2})-/, '$1/$2/') : iso(d, time));
        const col = (ds: (Date | string | null)[]) => categoricalColumn('when', ds.map((d) => (d === null ? null : typeof d === 'string' ? d : written(d))));
        const p = new Preprocessor({ scale: 'none' }).fit({ columns: [col(train)], nRows: train.length });
        const parts = ['year', 'month', 'day', 'weekday', ...(time ? ['hour'] : [])];
        expect(p.featureNames).toEqual(parts.map((q) => `when.${q}`));
        // the median of the written values (by time, the lower middle one)
        const present = train.filter((d): d is Date => d !== null).map((d) => new Date(iso(d, time) + (time ? ':00Z' : 'T00:00Z')));
        present.sort((a, b) => a.getTime() - b.getTime());
        const median = present[(present.length - 1) >> 1];
        const x = p.transform({ columns: [col(query)], nRows: query.length });
        query.forEach((q, r) => {
          const d = q instanceof Date ? new Date(iso(q, time) + (time ? ':00Z' : 'T00:00Z')) : median;
          const want = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay(), ...(time ? [d.getUTCHours()] : [])];
          expect(Array.from(x.data.subarray(r * parts.length, (r + 1) * parts.length))).toEqual(want);
        });
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('notes a text column whose values look like numbers with thousands separators, or dates written day or month first', () => {
    const notes = (values: (string | null)[]) => new Preprocessor().fit({ columns: [categoricalColumn('c', values)], nRows: values.length }).notes;
    expect(notes(['1,000', '250', '12,345.5', null, '1,000'])).toEqual([`c: read as text, though its values look like numbers with ',' between thousands ("1,000"): without the commas they are read as numbers`]);
    expect(notes(['31.01.2012', '01.02.2012', '31.01.2012'])).toEqual(['c: read as text, though its values look like dates written day or month first ("31.01.2012"): written year first (2012-01-31) they are read as dates']);
    // an identifier's note comes first
    expect(notes(Array.from({ length: 30 }, (_, i) => `${i + 1},500`))[0]).toBe('c: 30 distinct values, none repeated: no columns (an identifier)');
    // a numeric column made text by a few words: which, with rows; a column of mostly words is a category, no note
    const stray = Array.from({ length: 20 }, (_, i) => (i === 3 ? 'high' : String(i % 5)));
    expect(notes(stray)).toEqual(['c: read as text, though 19 of its 20 values are numbers and this one is not: "high" (row 3); with it blank or fixed the column is read as numbers']);
    expect(notes(['1', '2', 'a', 'b', 'c'])).toEqual([]);
    // one impossible date in a column of dates: every date had become an identifier's level, with no word of why
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2012, 0, 1 + i)).toISOString().slice(0, 10));
    days[29] = '2012-02-30';
    expect(notes(days)).toEqual(['c: 40 distinct values, none repeated: no columns (an identifier)', 'c: read as text, though 39 of its 40 values are dates (2012-01-31) and this one is not: "2012-02-30" (row 29); with it blank or fixed the column is read as dates']);
    expect(new Preprocessor({ parseDates: false }).fit({ columns: [categoricalColumn('c', days)], nRows: days.length }).notes).toEqual(['c: 40 distinct values, none repeated: no columns (an identifier)']);
    // text that only partly looks so, plain small numbers, a version string, or ISO dates: no such note
    for (const values of [['1,000', 'many'], ['250', '12'], ['1,00', '2,000'], ['1.2.3', '1.2.4']]) expect(notes(values)).toEqual([]);
  });

  it('standardizes each part over the training rows; a column with any non-date stays categorical; parseDates: false keeps it one', () => {
    const days = ['2012-01-01', '2012-03-15', null, '2013-07-04', '2014-12-31'];
    const t: Table = { columns: [categoricalColumn('d', days)], nRows: days.length };
    const p = new Preprocessor().fit(t);
    const x = p.transform(t);
    for (let i = 0; i < 4; i++) {
      const col = Array.from({ length: 5 }, (_, r) => x.data[r * 4 + i]);
      expect(col.reduce((a, b) => a + b, 0) / 5).toBeCloseTo(0, 12);
      expect(Math.sqrt(col.reduce((a, b) => a + b * b, 0) / 5)).toBeCloseTo(1, 12);
    }
    expect(p.notes).toEqual(['d: read as dates: year, month, day, weekday']);
    const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(Array.from(back.transform(t).data)).toEqual(Array.from(x.data));
    // February 30th is no day, a name is no date, nor are mixed separators or day first (ambiguous): all stay categories
    for (const odd of ['2021-02-30', 'soon', '2021/02-03', '31/01/2012']) {
      expect(new Preprocessor().fit({ columns: [categoricalColumn('d', [...days, odd])], nRows: 6 }).featureNames[0]).toBe(`d=${days[0]}`);
    }
    expect(new Preprocessor({ parseDates: false }).fit(t).featureNames).toEqual(['d=2012-01-01', 'd=2012-03-15', 'd=2013-07-04', 'd=2014-12-31']);
  });

  it('a date column takes no part in the knn fill of the numbers', () => {
    const n = 40;
    const a = Array.from({ length: n }, (_, i) => (i % 5 === 2 ? NaN : (i * 7) % 13));
    const b = Array.from({ length: n }, (_, i) => (i * 3) % 11);
    const plain: Table = { columns: [numericColumn('a', a), numericColumn('b', b)], nRows: n };
    const dated: Table = { columns: [categoricalColumn('when', a.map((_, i) => `2020-01-${String(1 + (i % 28)).padStart(2, '0')}`)), ...plain.columns], nRows: n };
    const withDates = new Preprocessor({ numericImpute: 'knn', scale: 'none' }).fit(dated).transform(dated);
    const without = new Preprocessor({ numericImpute: 'knn', scale: 'none' }).fit(plain).transform(plain);
    // columns a and b come after the date's four
    for (let r = 0; r < n; r++) expect([withDates.data[r * 6 + 4], withDates.data[r * 6 + 5]]).toEqual([without.data[r * 2], without.data[r * 2 + 1]]);
  });
});

describe('Preprocessor unreadable', () => {
  it('names the values it reads as missing: text in a number column, a non-date in a date column; and unseen categories', () => {
    const train: Table = { columns: [numericColumn('mass', [3500, 4200, NaN]), categoricalColumn('when', ['2012-01-01', '2013-05-02', null]), categoricalColumn('island', ['A', 'B', 'A'])], nRows: 3 };
    const p = new Preprocessor().fit(train);
    expect(p.unreadable(train)).toEqual([]);
    const rows = [
      { mass: 3600, when: '2014-02-03', island: 'C' },
      { mass: 'unknown', when: 'last spring', island: 'A' },
      { mass: '4 kg', when: null, island: null },
      { mass: '', when: '2014-02-30', island: 'B' },
      { mass: 'n/a', when: '2014-01-01', island: 'B' },
      { mass: '?', when: '2014-01-01', island: 'B' },
    ];
    expect(p.unreadable(rows)).toEqual([
      'column "mass": 4 values are not a number, read as missing: "unknown" (row 1), "4 kg" (row 2), "n/a" (row 4), ...',
      'column "when": 2 values are not a date (2012-01-31), read as missing: "last spring" (row 1), "2014-02-30" (row 3)',
      // an island not seen in training is no gap (not filled) but no category either: said too
      'column "island": 1 value was not seen in training, read as none of its categories: "C" (row 0)',
    ]);
    // and they are filled as gaps are: row 1's mass as a missing mass
    const x = p.transform(rows);
    const gap = p.transform([{ mass: null, when: '2014-02-03', island: 'C' }]);
    expect(x.data[1 * x.cols]).toBe(gap.data[0]);
  });
});

describe('Preprocessor non-finite and huge numbers', () => {
  const values = [1, 2, Infinity, 3, -Infinity, 4, NaN, 5];
  const withInf: Table = { columns: [numericColumn('x', values), categoricalColumn('c', ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'])], nRows: 8 };
  const asGaps: Table = { columns: [numericColumn('x', values.map((v) => (Number.isFinite(v) ? v : NaN))), withInf.columns[1]], nRows: 8 };

  it.each(['mean', 'median', 'most-frequent', 'knn'] as const)('%s: an infinite value is read as a gap, fitted and transformed as one, and noted', (numericImpute) => {
    const p = new Preprocessor({ numericImpute, scale: 'standard' }).fit(withInf);
    const gaps = new Preprocessor({ numericImpute, scale: 'standard' }).fit(asGaps);
    expect(p.toJSON()).toEqual(gaps.toJSON());
    expect(Array.from(p.transform(withInf).data)).toEqual(Array.from(gaps.transform(asGaps).data));
    expect(Array.from(p.fitTransform(withInf).data)).toEqual(Array.from(gaps.transform(asGaps).data));
    expect(p.notes).toEqual(['x: 2 values are not finite, read as missing: Infinity (row 2), -Infinity (row 4)']);
    expect(gaps.notes).toEqual([]);
    // at predict time too, from records or a table: the same numbers as a gap, and unreadable says so
    const row = p.transform([{ x: Infinity, c: 'a' }]);
    expect(Array.from(row.data)).toEqual(Array.from(p.transform([{ x: null, c: 'a' }]).data));
    expect(p.unreadable([{ x: 1, c: 'a' }, { x: -Infinity, c: 'a' }])).toEqual(['column "x": 1 value is not finite, read as missing: -Infinity (row 1)']);
  });

  it.each(['mean', 'median', 'knn'] as const)('%s: huge finite values give finite statistics, and saved JSON holds no null', (numericImpute) => {
    const x = [1e200, 2e200, -3e200, NaN, 1.5e308, -1.6e308, 7, 1e200];
    const t: Table = { columns: [numericColumn('x', x), numericColumn('z', [1, 2, 3, 4, NaN, 6, 7, 8])], nRows: 8 };
    const p = new Preprocessor({ numericImpute, scale: 'standard' }).fit(t);
    // null stands for a missing donor value, and only for that
    const { donors, ...rest } = p.toJSON();
    expect(JSON.stringify([rest, donors?.spread ?? []])).not.toContain('null');
    if (donors) expect(JSON.stringify(donors.values).match(/null/g)).toHaveLength(2);
    for (const c of p.columns) if (c.kind === 'numeric') for (const v of [c.fill, c.mean, c.std]) expect(Number.isFinite(v)).toBe(true);
    const out = p.transform(t);
    expect(out.data.every((v) => Number.isFinite(v))).toBe(true);
    // standardized: mean 0 (to rounding), the order of the values kept
    const col = Array.from({ length: 8 }, (_, r) => out.data[r * 2]);
    expect(col[4]).toBeGreaterThan(col[1]);
    expect(col[5]).toBeLessThan(col[2]);
  });

  it('the standard deviation of 1e200-sized values is their scaled deviation, not Infinity', () => {
    const t: Table = { columns: [numericColumn('x', [1e200, 3e200])], nRows: 2 };
    const c = new Preprocessor({ numericImpute: 'median', scale: 'standard' }).fit(t).columns[0] as { mean: number; std: number };
    expect(c.mean / 1e200).toBeCloseTo(2, 12);
    expect(c.std / 1e200).toBeCloseTo(1, 12);
  });
});
