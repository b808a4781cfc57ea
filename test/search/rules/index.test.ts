import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Table, categoricalColumn, numericColumn } from '../../../core/data/csv.js';
import { Random } from '../../../core/random.js';
import { type RulesProgress, expandDates, labelsOf, loadRules, ripper, rules, splitTarget, stratifiedFolds, treeRules } from '../../../search/rules/index.js';
import { cars, iris, irisRecords, penguins } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-rules-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function irisCsv(): string {
  const path = join(dir, 'iris.csv');
  const recs = irisRecords();
  const names = Object.keys(recs[0]);
  writeFileSync(path, [names.join(','), ...recs.map((r) => names.map((n) => r[n]).join(','))].join('\n') + '\n');
  return path;
}

describe('rules()', () => {
  it('fits on all the data, cross-validates, prints and saves', () => {
    const lines: string[] = [];
    const r = rules({ data: iris(), target: 'species', seed: 0, folds: 5, print: (l) => lines.push(l) });
    expect(r.foldAccuracies.length).toBe(5);
    expect(r.cvAccuracy).toBeCloseTo(r.foldAccuracies.reduce((s, a) => s + a, 0) / 5, 12);
    expect(lines.join('\n')).toBe(r.text);
    expect(lines.at(-1)).toMatch(/^\d+ rules, \d+ conditions; 5-fold CV accuracy \d+\.\d%$/);
    expect(lines[0]).toMatch(/^IF /);
    const path = join(dir, 'iris-rules.json');
    r.save(path);
    expect(loadRules(path).predict(iris())).toEqual(r.model.predict(iris()));
  });

  it('reads a CSV file and a JSON array of records', () => {
    const fromTable = rules({ data: iris(), target: 'species', seed: 1, folds: 3 });
    const fromCsv = rules({ data: irisCsv(), target: 'species', seed: 1, folds: 3 });
    expect(fromCsv.model.toString()).toBe(fromTable.model.toString());
    expect(fromCsv.cvAccuracy).toBe(fromTable.cvAccuracy);
    const jsonPath = join(dir, 'iris.json');
    writeFileSync(jsonPath, JSON.stringify(irisRecords()));
    expect(rules({ data: jsonPath, target: 'species', seed: 1, folds: 3 }).cvAccuracy).toBe(fromTable.cvAccuracy);
    // read as every JSON table is (core/data/json.ts): a file that is no array of records names the file and record
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"species": "setosa"}, 3]');
    expect(() => rules({ data: bad, target: 'species' })).toThrow(`${bad} (record 1): json: every element must be a record (an object), got number`);
    const arffPath = join(dir, 'iris.arff');
    const recs = irisRecords();
    const attrs = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((n) => `@attribute ${n} numeric`);
    const data = recs.map((r) => [r.sepal_length, r.sepal_width, r.petal_length, r.petal_width, r.species].join(','));
    writeFileSync(arffPath, ['@relation iris', ...attrs, '@attribute species {setosa,versicolor,virginica}', '@data', ...data].join('\n') + '\n');
    const fromArff = rules({ data: arffPath, target: 'species', seed: 1, folds: 3 });
    expect(fromArff.model.toString()).toBe(fromTable.model.toString());
    writeFileSync(join(dir, 'bad.json'), '{"a": 1}');
    expect(() => rules({ data: join(dir, 'bad.json'), target: 'species' })).toThrow(/bad\.json.*array of records/);
  });

  it('offers the tree algorithm and the unordered mode', () => {
    const tree = rules({ data: iris(), target: 'species', algorithm: 'tree', seed: 0, folds: 0 });
    expect(tree.model.algorithm).toBe('tree');
    expect(Number.isNaN(tree.cvAccuracy)).toBe(true);
    expect(tree.text.split('\n').at(-1)).toMatch(/not cross-validated$/);
    const un = rules({ data: iris(), target: 'species', mode: 'unordered', seed: 0, folds: 5 });
    expect(un.model.mode).toBe('unordered');
    expect(un.text).toMatch(/\nDEFAULT /);
    expect(un.cvAccuracy).toBeGreaterThan(0.9);
  });

  it('reports its progress fit by fit, and the held-out prediction of every row', () => {
    for (const algorithm of ['ripper', 'tree'] as const) {
      const events: RulesProgress[] = [];
      const r = rules({ data: penguins(), target: 'Species', algorithm, seed: 2, folds: 4, onProgress: (e) => events.push({ ...e }) });
      expect(events.every((e) => e.fits === 5)).toBe(true);
      // fits in order, each one's fraction rising to 1; fold k's last event brings its accuracy
      for (let fit = 0; fit < 5; fit++) {
        const mine = events.filter((e) => e.fit === fit);
        expect(mine.length).toBeGreaterThan(1);
        expect(mine.every((e, i) => i === 0 || e.fraction >= mine[i - 1].fraction)).toBe(true);
        expect(mine.at(-1)!.fraction).toBe(1);
        if (fit > 0) expect(mine.at(-1)!.foldAccuracy).toBe(r.foldAccuracies[fit - 1]);
        else expect(mine.some((e) => e.foldAccuracy !== undefined)).toBe(false);
      }
      expect(events.map((e) => e.fit)).toEqual([...events.map((e) => e.fit)].sort((a, b) => a - b));
      // the held-out predictions agree with the fold accuracies, fold by fold (the same stratified split)
      const labels = labelsOf(splitTarget(penguins(), 'Species', 'test').target) as string[];
      expect(r.cv.truth).toEqual(labels);
      const classes = [...new Set(labels)].sort();
      const fold = stratifiedFolds(Int32Array.from(labels, (l) => classes.indexOf(l)), 4, new Random(2));
      for (let k = 0; k < 4; k++) {
        const rows = [...fold.keys()].filter((i) => fold[i] === k);
        expect(rows.filter((i) => r.cv.predicted[i] === labels[i]).length / rows.length).toBe(r.foldAccuracies[k]);
      }
    }
    const none = rules({ data: iris(), target: 'species', folds: 0 });
    expect(none.cv).toEqual({ truth: [], predicted: [] });
  });

  it('RIPPER and tree rules say how far a fit is', () => {
    const seen: [number, number][] = [];
    ripper(penguins(), 'Species', { onProgress: (d, t) => seen.push([d, t]) });
    // one call per class but the default, the last class to come
    expect(seen).toEqual([[1, 2], [2, 2]]);
    const tree: [number, number][] = [];
    treeRules(penguins(), 'Species', { onProgress: (d, t) => tree.push([d, t]) });
    const total = tree[0][1];
    expect(tree).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
  });

  it('says when a numeric target has so many values that it is a quantity, not class codes', () => {
    const hp = rules({ data: cars(), target: 'Horsepower', folds: 0 });
    // cars has 6 rows with no horsepower: left out, and said first
    expect(hp.notes).toEqual(['6 of the 406 rows have no Horsepower and are left out', `target "Horsepower" is numeric with ${new Set(labelsOf(splitTarget(cars(), 'Horsepower', 't').target).filter((l) => l !== null)).size} distinct values, each read as a class: rules predict classes (whittle automl fits a numeric target by regression)`]);
    // five cylinder counts are classes as much as names are
    expect(rules({ data: cars(), target: 'Cylinders', folds: 0 }).notes).toEqual([]);
    expect(rules({ data: iris(), target: 'species', folds: 0 }).notes).toEqual([]);
  });

  it('rejects a number of folds cross-validation cannot have', () => {
    for (const folds of [1, -2, 2.5, 151, NaN]) {
      expect(() => rules({ data: iris(), target: 'species', folds })).toThrow(`rules: folds must be 0 (no cross-validation) or an integer from 2 to the 150 labelled rows, got ${folds}`);
    }
    expect(rules({ data: iris(), target: 'species', folds: 150, ripper: { optimizations: 0 } }).foldAccuracies.length).toBe(150);
  });

  it('rejects unknown algorithms, modes and targets', () => {
    expect(() => rules({ data: iris(), target: 'species', algorithm: 'cn2' as 'tree' })).toThrow(/algorithm must be 'ripper' or 'tree', got "cn2"/);
    expect(() => rules({ data: iris(), target: 'species', mode: 'sorted' as 'ordered' })).toThrow(/mode must be/);
    expect(() => rules({ data: iris(), target: 'kind' })).toThrow(/target must be one of the columns/);
  });
});

describe('rules() on a table with a date column', () => {
  // three years of days; the class is the season of the date alone, so only the month can say it
  const days = Array.from({ length: 3 * 365 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
  const season = (iso: string) => (['12', '01', '02'].includes(iso.slice(5, 7)) ? 'winter' : 'other');
  const table = (): Table => ({ columns: [categoricalColumn('day', days), numericColumn('noise', days.map((_, i) => (i * 7919) % 101)), categoricalColumn('season', days.map(season))], nRows: days.length });

  it('reads the dates as day.year, .month, .day, .weekday numbers, learns the month, and reads new rows\' dates', () => {
    const r = rules({ data: table(), target: 'season', seed: 0, folds: 5 });
    expect(r.model.features.filter((f) => f.date).map((f) => [f.name, f.date!.column, f.date!.part])).toEqual([
      ['day.year', 'day', 'year'], ['day.month', 'day', 'month'], ['day.day', 'day', 'day'], ['day.weekday', 'day', 'weekday'],
    ]);
    expect(r.text).toMatch(/day\.month [<>]=/);
    expect(r.cvAccuracy).toBe(1);
    // as day-categories nothing carries over to a new day: the majority class (other) is all that is left
    const asCategories = rules({ data: table(), target: 'season', seed: 0, folds: 5, parseDates: false });
    expect(asCategories.cvAccuracy).toBeLessThan(0.8);
    // new rows give the date itself, in a year never seen; a missing or unreadable date is missing in every part
    const fresh = ['2031-01-15', '2031-07-04', '2031-12-31', '2031-03-01'];
    expect(r.model.predict(fresh.map((day) => ({ day, noise: 3 })))).toEqual(fresh.map(season));
    expect(r.model.explain({ day: '2031-01-15', noise: 3 }).text).toMatch(/day\.month = 1 satisfies day\.month <= /);
    expect(r.model.predict([{ day: null, noise: 3 }, { day: 'soon', noise: 3 }])).toEqual([r.model.defaultRule.class, r.model.defaultRule.class]);
    expect(r.model.predict({ columns: [categoricalColumn('day', fresh), numericColumn('noise', [1, 2, 3, 4])], nRows: 4 })).toEqual(fresh.map(season));
    // or the parts as numbers, without the date column
    expect(r.model.predict([{ 'day.year': 2031, 'day.month': 1, 'day.day': 15, 'day.weekday': 3, noise: 3 }])).toEqual(['winter']);
    // the date sources survive the JSON file
    const path = join(dir, 'season-rules.json');
    r.save(path);
    const back = loadRules(path);
    expect(back.features).toEqual(r.model.features);
    expect(back.predict(fresh.map((day) => ({ day, noise: 3 })))).toEqual(fresh.map(season));
  });

  it('a date column named in features stands for its parts; the target and a clashing column stay as they are', () => {
    const r = rules({ data: table(), target: 'season', seed: 0, folds: 0, features: ['day'] });
    expect(r.model.features.map((f) => f.name)).toEqual(['day.year', 'day.month', 'day.day', 'day.weekday']);
    const t = table();
    const clash: Table = { columns: [...t.columns, numericColumn('day.month', days.map(() => 1))], nRows: t.nRows };
    const { table: same, sources } = expandDates(clash, 'season');
    expect(sources.size).toBe(0);
    expect(same).toBe(clash);
    expect(expandDates(t, 'day').sources.size).toBe(0);
  });
});

describe('expandDates', () => {
  it('matches a naive reference: each part from the calendar, hour only when a value has a time, gaps missing (fast-check)', () => {
    const day = fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2100, 11, 31)), noInvalidDate: true });
    fc.assert(
      fc.property(fc.array(fc.option(fc.tuple(day, fc.boolean()), { nil: null }), { minLength: 1, maxLength: 20 }), (cells) => {
        const values = cells.map((c) => (c === null ? null : c[1] ? c[0].toISOString().slice(0, 16) : c[0].toISOString().slice(0, 10)));
        const t: Table = { columns: [categoricalColumn('when', values), categoricalColumn('y', values.map(() => 'a'))], nRows: values.length };
        const { table: out, sources } = expandDates(t, 'y');
        if (values.every((v) => v === null)) {
          expect(sources.size).toBe(0);
          return;
        }
        const withTime = cells.some((c) => c !== null && c[1]);
        const parts = ['year', 'month', 'day', 'weekday', ...(withTime ? ['hour'] : [])];
        expect(out.columns.map((c) => c.name)).toEqual([...parts.map((p) => `when.${p}`), 'y']);
        const naive = (c: [Date, boolean] | null, part: string): number => {
          if (c === null) return NaN;
          const d = c[0];
          return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), hour: c[1] ? d.getUTCHours() : 0 }[part]!;
        };
        parts.forEach((p, j) => {
          expect(sources.get(`when.${p}`)).toEqual({ column: 'when', part: p });
          expect(Array.from(out.columns[j].values as Float64Array)).toEqual(cells.map((c) => naive(c, p)));
        });
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('leaves a column alone when any present value is not a real date', () => {
    const t: Table = { columns: [categoricalColumn('d', ['2020-01-31', '2020-02-30']), categoricalColumn('y', ['a', 'b'])], nRows: 2 };
    expect(expandDates(t, 'y').sources.size).toBe(0);
  });
});
