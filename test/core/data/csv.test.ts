import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoryCodes, decodeUtf8, featureMatrix, formatCsv, parseCsv, parseCsvRows, readCsv, sniffDelimiter, targetArray, writeCsv } from '../../../core/data/csv.js';
import type { CategoricalColumn, NumericColumn } from '../../../core/data/csv.js';
import { ArgumentError, FormatError } from '../../../core/errors.js';

const vegaData = join(dirname(dirname(createRequire(import.meta.url).resolve('vega-datasets'))), 'data');

describe('parseCsvRows (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes, embedded newlines and CRLF, and tracks lines', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n1,2,3\r\n';
    const { rows, lines } = parseCsvRows(text, ',');
    expect(rows).toEqual([['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\r\nlines'], ['1', '2', '3']]);
    expect(lines).toEqual([1, 2, 4]);
  });
  it('trims unquoted fields, keeps quoted spaces, skips blank lines, handles BOM, lone CR and a missing last newline', () => {
    expect(parseCsvRows('\ufeff a , " b " \r\r\n\nc,\rd,e', ',').rows).toEqual([['a', ' b '], ['c', ''], ['d', 'e']]);
    expect(parseCsvRows('a,', ',').rows).toEqual([['a', '']]);
    expect(parseCsvRows('"",""', ',').rows).toEqual([['', '']]);
  });
  it('round trips any matrix of strings written with quoting', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', '\n', '\r', ';', 'é', '😀', '\t') });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.array(cell, { minLength: 20, maxLength: 20 }), (w, h, cells) => {
        const rows = Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, k) => cells[(r * w + k) % cells.length]!));
        const text = rows.map((row) => row.map((s) => `"${s.replaceAll('"', '""')}"`).join(',')).join('\r\n');
        expect(parseCsvRows(text, ',').rows).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
  it('sniffs the delimiter from the first line, outside quotes', () => {
    expect(sniffDelimiter('a;b;c\n1,5;2;3')).toBe(';');
    expect(sniffDelimiter('a\tb\n')).toBe('\t');
    expect(sniffDelimiter('"x;y;z",b\n')).toBe(',');
    expect(sniffDelimiter('single\n')).toBe(',');
  });
});

describe('parseCsv', () => {
  const text = 'sepal,petal;x,species\n5.1,1.4,setosa\n4.9,NA,\n?,1e-1,virginica\n-7,.5,setosa\n';
  it('infers numeric and categorical columns with missing values', () => {
    const t = parseCsv(text.replace('petal;x', 'petal'));
    expect(t.nRows).toBe(4);
    const [sepal, petal, species] = t.columns as [NumericColumn, NumericColumn, CategoricalColumn];
    expect(sepal).toEqual({ name: 'sepal', kind: 'numeric', values: new Float64Array([5.1, 4.9, NaN, -7]) });
    expect(petal.values).toEqual(new Float64Array([1.4, NaN, 0.1, 0.5]));
    expect(species).toEqual({ name: 'species', kind: 'categorical', values: ['setosa', null, 'virginica', 'setosa'], categories: ['setosa', 'virginica'] });
    expect(categoryCodes(species)).toEqual(new Int32Array([0, -1, 1, 0]));
  });
  it('takes the target apart and builds the feature matrix and target array', () => {
    const t = parseCsv('a,c,y\n1,u,p\n2,v,q\n3,,p\n', { target: 'y' });
    expect(t.columns.map((c) => c.name)).toEqual(['a', 'c']);
    expect(t.target?.name).toBe('y');
    const m = featureMatrix(t);
    expect(m.shape).toEqual([3, 3]);
    expect(m.featureNames).toEqual(['a', 'c=u', 'c=v']);
    expect([...m.data]).toEqual([1, 1, 0, 2, 0, 1, 3, 0, 0]);
    expect([...featureMatrix(t, { categorical: 'codes' }).data]).toEqual([1, 0, 2, 1, 3, NaN]);
    expect(featureMatrix(t, { categorical: 'drop' }).shape).toEqual([3, 1]);
    expect(targetArray(t)).toEqual({ kind: 'categorical', codes: new Int32Array([0, 1, 0]), classes: ['p', 'q'] });
    expect(() => targetArray(parseCsv('a\n1\n'))).toThrow(ArgumentError);
  });
  it("reads pandas' default missing markers (and '?') as missing: a numeric column stays numeric, a text column gets null", () => {
    const markers = ['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null', '?'];
    for (const m of markers) {
      const t = parseCsv(`x,c\n1.5,a\n${m},${m}\n2,b\n`);
      expect(t.columns[0], m).toEqual({ name: 'x', kind: 'numeric', values: new Float64Array([1.5, NaN, 2]) });
      expect(t.columns[1]!.values, m).toEqual(['a', null, 'b']);
    }
    // a look-alike that is no marker is still text
    expect(parseCsv('x\n1\nnone\n').columns[0]!.kind).toBe('categorical');
  });
  it('honours delimiter, header, missing, categorical and numeric options', () => {
    const t = parseCsv('1;x\n2;-\n', { header: false, missing: ['-'], categorical: ['c1'] });
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([['c1', 'categorical'], ['c2', 'categorical']]);
    expect(t.columns[1]!.values).toEqual(['x', null]);
    expect(() => parseCsv('a,b\n1,2\nz,3\n', { fileName: 'n.csv', numeric: ['a'] })).toThrow(/^n\.csv \(line 3\): csv: column "a" must be numeric, got "z"$/);
    expect(parseCsv('a\tb\n1\t2\n').columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(parseCsv('a,b\n"1","2"\n').columns[0]!.kind).toBe('numeric');
  });

  it("reads decimal commas in ';' files (as R's read.csv2), and only there unless decimal says so", () => {
    const euro = parseCsv('\ufeffgewicht;preis;n;name\r\n3,5;1.234;2;"a,b"\r\n-0,25;,5;;c\r\n1e3;2;3;d\r\n');
    expect(euro.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'numeric', 'categorical']);
    expect(Array.from(euro.columns[0]!.values as Float64Array)).toEqual([3.5, -0.25, 1000]);
    // a point is still a decimal point there (what whittle's own ';' files hold)
    expect(Array.from(euro.columns[1]!.values as Float64Array)).toEqual([1.234, 0.5, 2]);
    expect(parseCsv('x;y\n3,5;1\n', { decimal: '.' }).columns[0]!.kind).toBe('categorical');
    expect(parseCsv('x\ty\n3,5\t1\n', { decimal: ',' }).columns[0]!.values).toEqual(Float64Array.from([3.5]));
    // in a ',' file a comma is the delimiter, so '3,5' quoted stays text
    expect(parseCsv('x,y\n"3,5",1\n').columns[0]!.kind).toBe('categorical');
  });

  const bad: [string, string, RegExp][] = [
    ['unterminated quote', 'a,b\n1,"oops\n2,3\n', /^d\.csv \(line 2\): csv: quoted field starting on line 2 is never closed$/],
    ['text after a closing quote', 'a,b\n"x"y,2\n', /^d\.csv \(line 2\): csv: a closing quote must be followed by a delimiter or a line end, got "y"$/],
    ['wrong field count', 'a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n', /^d\.csv \(line 7\): csv: expected 5 fields, got 4$/],
    ['wrong count after a multi-line field', 'a,b\n"x\ny",1\n1,2,3\n', /\(line 4\): csv: expected 2 fields, got 3/],
    ['empty file', '', /^d\.csv \(line 1\): csv: file is empty, expected a header row$/],
    ['only blank lines', '\n\r\n', /file is empty/],
    ['duplicate header', 'x,y,x\n1,2,3\n', /^d\.csv \(line 1\): csv: header names must be unique, got "x" in columns 1 and 3$/],
  ];
  it.each(bad)('%s is a FormatError naming file and line', (_n, text, pattern) => {
    expect(() => parseCsv(text, { fileName: 'd.csv' })).toThrow(FormatError);
    expect(() => parseCsv(text, { fileName: 'd.csv' })).toThrow(pattern);
  });
  it('an unknown target lists the available columns', () => {
    expect(() => parseCsv('a,b\n1,2\n', { target: 'z', fileName: 'd.csv' })).toThrow(/^d\.csv: target must be one of the columns "a", "b", got "z"$/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-csv-'));
  it('reads a real file: seattle-weather.csv from vega-datasets', () => {
    const t = readCsv(join(vegaData, 'seattle-weather.csv'), { target: 'weather' });
    expect(t.nRows).toBe(1461);
    expect(t.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['date:categorical', 'precipitation:numeric', 'temp_max:numeric', 'temp_min:numeric', 'wind:numeric']);
    const y = targetArray(t);
    if (y.kind !== 'categorical') throw new Error('expected categorical');
    expect(y.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    expect(y.classes.map((_, k) => y.codes.filter((c) => c === k).length)).toEqual([53, 101, 641, 26, 640]);
  });
  it('reads tab-separated unemployment.tsv by sniffing', () => {
    const t = readCsv(join(vegaData, 'unemployment.tsv'));
    expect(t.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric']);
    expect(t.columns[1]!.values[0]).toBeCloseTo(0.097);
  });
  it('writeCsv and readCsv round trip a table with awkward strings and missing values', () => {
    const t = parseCsv('n,s,y\n1.5,"a, ""b""",p\n,"two\nlines",\n-3e-7," pad ",q\n', { target: 'y' });
    writeCsv(join(dir, 't.csv'), t);
    expect(readCsv(join(dir, 't.csv'), { target: 'y' })).toEqual(t);
    expect(formatCsv(t, { delimiter: ';' }).split('\n')[0]).toBe('n;s;y');
  });
  it('invalid UTF-8 is a FormatError with line and byte', () => {
    writeFileSync(join(dir, 'latin1.csv'), new Uint8Array([0x61, 0x0a, 0x62, 0xe9, 0x0a]));
    expect(() => readCsv(join(dir, 'latin1.csv'))).toThrow(/latin1\.csv \(line 2, byte 3\): file must be UTF-8 text, got an invalid byte 0xe9/);
  });
  it('decodeUtf8 agrees with a strict decoder and points at the first bad byte', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)), fc.array(fc.constantFrom(0x0a, 0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xc0, 0x80, 0xf4, 0x90), { maxLength: 12 }).map((a) => new Uint8Array(a)));
    fc.assert(
      fc.property(bytes, (b) => {
        let expected: string | undefined;
        try {
          expected = strict.decode(b);
        } catch {
          expected = undefined;
        }
        try {
          expect(decodeUtf8(b, 'f')).toBe(expected);
        } catch (e) {
          expect(expected).toBeUndefined();
          const [, line, at] = /\(line (\d+), byte (\d+)\)/.exec((e as Error).message)!;
          const prefix = b.subarray(0, Number(at));
          expect(() => strict.decode(prefix)).not.toThrow();
          expect(Number(line)).toBe(prefix.filter((x) => x === 10).length + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('numeric tables round trip exactly (shortest float printing)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(NaN)), { minLength: 1, maxLength: 30 }), (xs) => {
        const t = parseCsv(`v\n${xs.map((x) => (Number.isNaN(x) ? '""' : Object.is(x, -0) ? '-0' : String(x))).join('\n')}\n`);
        expect(t.nRows).toBe(xs.length);
        const again = parseCsv(formatCsv(t));
        expect(again.columns[0]!.values).toEqual(new Float64Array(xs));
      }),
      { numRuns: 200 },
    );
  });
  it('reading a missing file reports its path', () => {
    expect(() => readCsv(join(dir, 'none.csv'))).toThrow(/none\.csv/);
  });
});
