import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { type Table, categoricalColumn, numericColumn } from '../../../core/data/csv.js';
import { type RulesOptions, type RulesProgress, type RulesResult, rules, rulesAsync } from '../../../search/rules/index.js';
import { ripper } from '../../../search/rules/ripper.js';
import { treeRules } from '../../../search/rules/tree-rules.js';
import { cars, penguins } from './fixtures.js';

/** What a result is, JSON-comparable: the model, the text, every fold's accuracy and held-out prediction, the notes. */
function shape(r: RulesResult): unknown {
  return { model: r.model.toJSON(), text: r.text, cvAccuracy: r.cvAccuracy, folds: r.foldAccuracies, cv: r.cv, notes: r.notes };
}

describe('rulesAsync: the fits on worker threads', () => {
  // days of three years, a season to learn from the month: the date parts must reach the workers' tables and the model
  const days = Array.from({ length: 2 * 365 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
  const seasons: Table = {
    columns: [categoricalColumn('day', days), numericColumn('noise', days.map((_, i) => (i * 7919) % 101)), categoricalColumn('season', days.map((d) => (['12', '01', '02'].includes(d.slice(5, 7)) ? 'winter' : 'other')))],
    nRows: days.length,
  };
  const cases: [string, RulesOptions][] = [
    ['RIPPER on penguins (gaps, categories)', { data: penguins(), target: 'Species', seed: 3, folds: 5 }],
    ['tree rules, unordered, on cars', { data: cars(), target: 'Origin', algorithm: 'tree', mode: 'unordered', seed: 1, folds: 4 }],
    ['RIPPER on dates', { data: seasons, target: 'season', seed: 0, folds: 3 }],
    ['a numeric target read as classes', { data: cars(), target: 'Horsepower', seed: 0, folds: 3, ripper: { optimizations: 1 } }],
  ];

  it.each(cases)('%s: the same result as rules(), rule for rule and prediction for prediction', async (_, opts) => {
    const events: RulesProgress[] = [];
    const parallel = await rulesAsync({ ...opts, workers: 3, onProgress: (e) => events.push({ ...e }) });
    expect(shape(parallel)).toEqual(shape(rules(opts)));
    // each fit's events in order, ending at 1; each fold's last one brings its accuracy
    const fits = 1 + opts.folds!;
    for (let fit = 0; fit < fits; fit++) {
      const mine = events.filter((e) => e.fit === fit);
      expect(mine.every((e, i) => e.fits === fits && (i === 0 || e.fraction >= mine[i - 1].fraction))).toBe(true);
      expect(mine.at(-1)!.fraction).toBe(1);
      expect(mine.at(-1)!.foldAccuracy).toBe(fit === 0 ? undefined : parallel.foldAccuracies[fit - 1]);
    }
  });

  it('one worker or no cross-validation runs here; the same result', async () => {
    const opts = { data: penguins(), target: 'Species', seed: 3, folds: 3 };
    expect(shape(await rulesAsync({ ...opts, workers: 1 }))).toEqual(shape(rules(opts)));
    expect(shape(await rulesAsync({ ...opts, folds: 0 }))).toEqual(shape(rules({ ...opts, folds: 0 })));
  });

  it("a fit's error comes back as it would from rules(); bad worker counts are refused", async () => {
    const bad = { data: penguins(), target: 'Species', folds: 3, algorithm: 'cn2' as 'tree' };
    await expect(rulesAsync({ ...bad, workers: 2 })).rejects.toThrow(new ArgumentError(`rules: algorithm must be 'ripper' or 'tree', got "cn2"`));
    await expect(rulesAsync({ data: penguins(), target: 'Species', workers: 0 })).rejects.toThrow('rulesAsync: workers must be a positive integer, got 0');
    await expect(rulesAsync({ data: penguins(), target: 'Species', folds: 1, workers: 2 })).rejects.toThrow(/rules: folds must be 0/);
  });

  it('says how many rows it left out for having no target', () => {
    const labels = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? null : i % 3 === 1 ? 'a' : 'b'));
    const t: Table = { columns: [numericColumn('x', Array.from({ length: 30 }, (_, i) => i % 3)), categoricalColumn('y', labels)], nRows: 30 };
    expect(rules({ data: t, target: 'y', folds: 0 }).notes).toEqual(['10 of the 30 rows have no y and are left out']);
    expect(rules({ data: penguins(), target: 'Species', folds: 0 }).notes).toEqual([]);
    // a target column with no value at all: said as such (it had named the default 10 folds, or 0 of 0 rows)
    const none: Table = { columns: [numericColumn('x', [1, 3]), categoricalColumn('y', [null, null])], nRows: 2 };
    for (const folds of [undefined, 0]) expect(() => rules({ data: none, target: 'y', folds })).toThrow(new ArgumentError('rules: need at least one row with a "y" value, got none in 2 rows'));
  });

  it('refuses an infinity in a feature, naming the column and the row of the table, before any fit', async () => {
    // 'inf' in a CSV reads as Infinity: a rule `x >= Infinity` had been saved with a null threshold and refused on load
    const t: Table = { columns: [numericColumn('x', [1, 2, 3, Infinity, 1, 2]), categoricalColumn('y', [null, 'a', 'a', 'big', 'a', 'a'])], nRows: 6 };
    const want = new ArgumentError('rules: feature "x" must hold finite numbers or gaps, got Infinity at row 3; replace it (or leave the cell empty)');
    for (const algorithm of ['ripper', 'tree'] as const) {
      expect(() => rules({ data: t, target: 'y', folds: 0, algorithm })).toThrow(want);
      await expect(rulesAsync({ data: t, target: 'y', folds: 2, algorithm, workers: 2 })).rejects.toThrow(want);
    }
    // the library's fits on their own refuse it too, and -Infinity alike
    const neg: Table = { columns: [numericColumn('x', [1, -Infinity, 3]), categoricalColumn('y', ['a', 'b', 'a'])], nRows: 3 };
    expect(() => ripper(neg, 'y')).toThrow('ripper: feature "x" must hold finite numbers or gaps, got -Infinity at row 1');
    expect(() => treeRules(neg, 'y')).toThrow('treeRules: feature "x" must hold finite numbers or gaps, got -Infinity at row 1');
    // a row with no target is not read: its infinity is no matter
    const unread: Table = { columns: [numericColumn('x', [Infinity, 1, 2, 3]), categoricalColumn('y', [null, 'a', 'b', 'a'])], nRows: 4 };
    expect(rules({ data: unread, target: 'y', folds: 0 }).model.classes).toEqual(['a', 'b']);
  });
});
