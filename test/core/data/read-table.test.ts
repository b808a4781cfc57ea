import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, FormatError } from '../../../core/errors.js';
import { parseCsv } from '../../../core/data/csv.js';
import { readTable, readWhole } from '../../../core/data/read-table.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-read-table-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// one small table in each format, the same values: a number with a gap, a category, a class
const csvText = 'x,colour,y\n1.5,red,a\n,blue,b\n3,red,a\n';
const records = [{ x: 1.5, colour: 'red', y: 'a' }, { x: null, colour: 'blue', y: 'b' }, { x: 3, colour: 'red', y: 'a' }];
const arffText = '@relation t\n@attribute x numeric\n@attribute colour {red,blue}\n@attribute y {a,b}\n@data\n1.5,red,a\n?,blue,b\n3,red,a\n';

describe('readTable: one reader for every table file', () => {
  it('CSV, TSV, ARFF and JSON records read to the same columns, the target held apart when named', () => {
    const expected = parseCsv(csvText, { target: 'y' });
    const paths = [file('t.csv', csvText), file('t.tsv', csvText.replaceAll(',', '\t')), file('t.TXT', csvText), file('t.arff', arffText), file('t.json', JSON.stringify(records))];
    for (const path of paths) {
      const t = readTable(path, { target: 'y' });
      expect(t.nRows, path).toBe(3);
      expect(t.columns.map((c) => [c.name, c.kind]), path).toEqual([['x', 'numeric'], ['colour', 'categorical']]);
      expect(Array.from(t.columns[0].values as Float64Array), path).toEqual(Array.from(expected.columns[0].values as Float64Array));
      expect(t.columns[1].values, path).toEqual(expected.columns[1].values);
      expect(t.target?.values, path).toEqual(['a', 'b', 'a']);
      // without a target every column is a feature
      expect(readTable(path).columns.map((c) => c.name), path).toEqual(['x', 'colour', 'y']);
    }
  });

  it('categoricalIfPresent reads codes that look like numbers as the text they are, and passes over names the file lacks', () => {
    const csv = file('codes.csv', 'code,x\n01,1\n2.00,2\n');
    const json = file('codes.json', JSON.stringify([{ code: '01', x: 1 }, { code: 2, x: 2 }]));
    expect(readTable(csv).columns[0].kind).toBe('numeric');
    expect(readTable(csv, { categoricalIfPresent: ['code', 'absent'] }).columns.map((c) => [c.name, c.kind, Array.from(c.values as ArrayLike<unknown>)])).toEqual([['code', 'categorical', ['01', '2.00']], ['x', 'numeric', [1, 2]]]);
    expect(readTable(json, { categoricalIfPresent: ['code', 'absent'] }).columns[0].values).toEqual(['01', '2']);
    // the strict option still names a column the file lacks
    expect(() => parseCsv('code\n1\n', { categorical: ['absent'] })).toThrow(ArgumentError);
  });

  it('an unknown target names the file and the columns; a malformed file names the file and the place', () => {
    const json = file('u.json', JSON.stringify(records));
    expect(() => readTable(json, { target: 'z' })).toThrow(ArgumentError);
    expect(() => readTable(json, { target: 'z' })).toThrow(`${json}: target must be one of the columns "x", "colour", "y", got "z"`);
    const bad = file('bad.json', '[{"x": 1}, 2]');
    expect(() => readTable(bad)).toThrow(FormatError);
    expect(() => readTable(bad)).toThrow(/bad\.json.*record 1|record 1.*bad\.json/);
    // another extension is read as delimited text
    expect(readTable(file('t.data', 'a;b\n1;2\n')).columns.map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('a table past the longest string', () => {
  it("is a FormatError naming the file and its size, for either way the engine refuses the string", () => {
    const path = file('big.csv', 'x\n1\n');
    // the engine's own refusals: a decode past 2^29 - 24 characters (the bytes are never touched), a string too long
    const decode = () => new TextDecoder().decode(new Uint8Array(0x1fffffe8 + 1));
    const repeat = () => 'x'.repeat(2 ** 30);
    for (const read of [decode, repeat]) {
      expect(() => readWhole(path, read)).toThrow(FormatError);
      expect(() => readWhole(path, read)).toThrow(`${path}: a table file is read whole as one string, and JavaScript makes none longer than about 512 MiB; this one is 0 MiB: split it or take a sample of its rows`);
    }
    // anything else goes through as it was
    expect(() => readWhole(path, () => { throw new RangeError('other'); })).toThrow(new RangeError('other'));
    expect(readWhole(path, () => readTable(path)).nRows).toBe(1);
  });

  it('a file that is not there, or a folder, is an ArgumentError naming the reader and the path, the OS code kept', async () => {
    const { loadSafetensors } = await import('../../../core/io/safetensors.js');
    const { readIdx } = await import('../../../core/data/idx.js');
    const { readJSONFile } = await import('../../../core/io/json-file.js');
    const missing = join(dir, 'none.csv');
    expect(() => readTable(missing)).toThrow(`readCsv: cannot read ${missing}: no such file`);
    expect(() => readTable(join(dir, 'none.arff'))).toThrow(/^readArff: cannot read .*none\.arff: no such file$/);
    expect(() => readTable(join(dir, 'none.json'))).toThrow(/^readJsonTable: cannot read .*none\.json: no such file$/);
    expect(() => loadSafetensors(join(dir, 'none.safetensors'))).toThrow(/^loadSafetensors: cannot read .*: no such file$/);
    expect(() => readJSONFile(join(dir, 'none.json'), 'loadPipeline')).toThrow(/^loadPipeline: cannot read .*: no such file$/);
    let err: unknown;
    try {
      readIdx(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toBe(`readIdx: cannot read ${dir}: it is a folder, not a file`);
    expect((err as { code?: string }).code).toBe('EISDIR');
  });
});
