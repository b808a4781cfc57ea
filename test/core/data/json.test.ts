import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError } from '../../../core/errors.js';
import { parseJsonTable, readJsonTable, recordsToTable } from '../../../core/data/json.js';
import { parseCsv } from '../../../core/data/csv.js';
import { packageDir } from '../../../core/data/datasets.js';

describe('JSON record tables', () => {
  it('numbers make numeric columns; strings, booleans and mixed make categories; null and absent keys are missing', () => {
    const t = parseJsonTable(JSON.stringify([{ a: 1, b: 'x', c: true, d: 1 }, { a: null, b: 'y', c: false, d: 'two' }, { b: null, e: 2.5 }]));
    expect(t.nRows).toBe(3);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['a', 'numeric'], ['b', 'categorical'], ['c', 'categorical'], ['d', 'categorical'], ['e', 'numeric']]);
    expect(Array.from(t.columns[0].values as Float64Array)).toEqual([1, NaN, NaN]);
    expect(t.columns[1].values).toEqual(['x', 'y', null]);
    expect(t.columns[2].values).toEqual(['true', 'false', null]);
    expect(t.columns[3].values).toEqual(['1', 'two', null]);
    expect(Array.from(t.columns[4].values as Float64Array)).toEqual([NaN, NaN, 2.5]);
  });

  it('a column of only booleans (and gaps) is marked booleans: the text "true" alone cannot say it was one', () => {
    const t = recordsToTable([{ ok: true, mix: true, text: 'true' }, { ok: null, mix: 'no', text: 'false' }, { ok: false, mix: false, text: ' ' }]);
    expect(t.columns.map((c) => c.kind === 'categorical' && c.booleans === true)).toEqual([true, false, false]);
    expect(t.columns[0].values).toEqual(['true', null, 'false']);
    // a CSV's true/false is text; a boolean beside a number is a category like any other
    expect(parseCsv('ok\ntrue\nfalse\n').columns[0]).not.toHaveProperty('booleans');
    expect(recordsToTable([{ ok: true }, { ok: 1 }]).columns[0]).toEqual({ name: 'ok', kind: 'categorical', values: ['true', '1'], categories: ['1', 'true'] });
  });

  it('a record that is not an object is refused, naming it (a list of numbers had become rows without columns)', () => {
    for (const [records, at, got] of [[[1, 2], 0, '1'], [[{ a: 1 }, null], 1, 'null'], [[{ a: 1 }, { a: 2 }, [3]], 2, 'an array of 1']] as const) {
      expect(() => recordsToTable(records as unknown as Record<string, unknown>[]), got).toThrow(new ArgumentError(`recordsToTable: records[${at}] must be an object of column names to values, got ${got}`));
    }
  });

  it('numbers written as strings make a numeric column, read as the CSV reader reads them; categorical keeps them codes', () => {
    const recs = [{ price: '12.5', n: 3, zip: '02134' }, { price: ' -1e3 ', n: '4', zip: '10001' }, { price: '', n: null, zip: null }, { price: 'inf', n: 7, zip: '94105' }];
    const t = recordsToTable(recs);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['price', 'numeric'], ['n', 'numeric'], ['zip', 'numeric']]);
    expect(Array.from(t.columns[0].values as Float64Array)).toEqual([12.5, -1000, NaN, Infinity]);
    expect(Array.from(t.columns[1].values as Float64Array)).toEqual([3, 4, NaN, 7]);
    // the same table as a CSV file reads the same
    const csv = parseCsv('price,n,zip\n12.5,3,02134\n -1e3 ,4,10001\n,,\ninf,7,94105\n');
    expect(csv.columns.map((c) => Array.from(c.values as Float64Array))).toEqual(t.columns.map((c) => Array.from(c.values as Float64Array)));
    expect(recordsToTable(recs, { categorical: ['zip'] }).columns[2].values).toEqual(['02134', '10001', null, '94105']);
    // one string that is no number keeps the column categorical, as before
    expect(recordsToTable([{ a: '1' }, { a: '1 kg' }]).columns[0].kind).toBe('categorical');
  });

  const bad: [string, string, string][] = [
    ['not JSON', '[{"a": 1},', 'd.json: json: file must be valid JSON, got '],
    ['not an array', '{"a": 1}', 'd.json: json: file must hold an array of records, got object'],
    ['an empty array', '[]', 'd.json: json: file must hold at least one record, got an empty array'],
    ['an element that is no record', '[{"a": 1}, [1, 2]]', 'd.json (record 1): json: every element must be a record (an object), got an array'],
    ['a nested value', '[{"a": 1}, {"a": {"b": 2}}]', 'd.json (record 1): json: values must be numbers, strings, booleans or null, got an object for "a"'],
  ];
  it.each(bad)('%s is a FormatError naming the file and the record', (_n, text, message) => {
    expect(() => parseJsonTable(text, 'd.json')).toThrow(FormatError);
    expect(() => parseJsonTable(text, 'd.json')).toThrow(message);
  });

  it("a record's own keys only: a record lacking \"constructor\" or \"toString\" has it missing, not Object's", () => {
    const t = parseJsonTable('[{"constructor": 1, "toString": "a", "__proto__": 2}, {"y": 0}]');
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['constructor', 'numeric'], ['toString', 'categorical'], ['__proto__', 'numeric'], ['y', 'numeric']]);
    expect(Array.from(t.columns[0].values as Float64Array)).toEqual([1, NaN]);
    expect(t.columns[1].values).toEqual(['a', null]);
    expect(Array.from(t.columns[2].values as Float64Array)).toEqual([2, NaN]);
  });

  it("'' and NaN are missing among categories; exclude drops columns, categorical keeps numeric codes as categories", () => {
    const t = recordsToTable([{ id: 1, code: 10, s: '' }, { id: 2, code: 20, s: NaN }, { id: 3, code: null, s: 'x' }], { exclude: ['id'], categorical: ['code'] });
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['code', 'categorical'], ['s', 'categorical']]);
    expect(t.columns[0].values).toEqual(['10', '20', null]);
    expect(t.columns[1].values).toEqual([null, null, 'x']);
    expect((t.columns[1] as { categories: string[] }).categories).toEqual(['x']);
  });

  it('a blank string (white space only) is missing, as a blank CSV cell is: a number column stays numbers, not a category', () => {
    const t = recordsToTable([{ a: 1.5, b: 'x' }, { a: ' ', b: '\t' }, { a: '2', b: 'y' }]);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['a', 'numeric'], ['b', 'categorical']]);
    expect(Array.from(t.columns[0].values as Float64Array)).toEqual([1.5, NaN, 2]);
    expect(t.columns[1].values).toEqual(['x', null, 'y']);
    const csv = parseCsv('a,b\n1.5,x\n ,\t\n2,y\n');
    expect(Array.from(csv.columns[0].values as Float64Array)).toEqual(Array.from(t.columns[0].values as Float64Array));
  });

  it('reads a real file: vega-datasets penguins.json, as the bundled loader does', () => {
    const t = readJsonTable(join(packageDir('vega-datasets'), 'data', 'penguins.json'));
    expect(t.nRows).toBe(344);
    expect(t.columns.find((c) => c.name === 'Body Mass (g)')!.kind).toBe('numeric');
    expect(new Set<unknown>(t.columns.find((c) => c.name === 'Species')!.values as unknown[])).toEqual(new Set(['Adelie', 'Chinstrap', 'Gentoo']));
    const dir = mkdtempSync(join(tmpdir(), 'whittle-json-'));
    writeFileSync(join(dir, 'x.json'), '"just a string"');
    expect(() => readJsonTable(join(dir, 'x.json'))).toThrow(/x\.json: json: file must hold an array of records, got string/);
  });
});
