// Fuzz: every table reader (CSV/TSV, ARFF, JSON records, and readTable choosing among them by extension), fed a
// valid file our own writer made with one byte cut or changed, or (JSON) one value deleted, retyped or repeated.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArff } from '../../../core/data/arff.js';
import { type Table, decodeUtf8, featureMatrix, formatCsv, parseCsv, targetArray } from '../../../core/data/csv.js';
import { parseJsonTable, recordsToTable } from '../../../core/data/json.js';
import { readTable } from '../../../core/data/read-table.js';
import { byteMutation, fuzzJson, fuzzRuns, mutateBytes, readsOrRefuses } from '../../fuzz.js';

const enc = new TextEncoder();
const weather = readFileSync(fileURLToPath(new URL('../../fixtures/io/weather.arff', import.meta.url)));
const penguins = (JSON.parse(readFileSync(fileURLToPath(new URL('../../../node_modules/vega-datasets/data/penguins.json', import.meta.url)), 'utf8')) as Record<string, unknown>[]).slice(0, 12);
// a quoted value with the delimiter, a doubled quote and a line break, a gap, an edge space
penguins[1]!.Island = 'Torge, "rsen"\nisland';
penguins[2]!.Species = ' Adelie';
const penguinTable = recordsToTable(penguins);

/** A table as its reader returned it must be usable: as features, and its target (if any) as classes or values. */
function useTable(t: Table): void {
  const m = featureMatrix(t);
  expect(m.data.length).toBe(m.shape[0] * m.shape[1]);
  expect(featureMatrix(t, { categorical: 'codes' }).shape[0]).toBe(t.nRows);
  if (t.target) targetArray(t);
  for (const c of t.columns) expect(c.values.length).toBe(t.nRows);
}

const names = /^f\.\w+ \((line \d+(, byte \d+)?|record \d+|byte \d+)\): |^f\.\w+: /;

describe('fuzz: CSV/TSV text with one byte cut or changed', () => {
  it.each([',', ';', '\t'] as const)('delimiter %j: reads as a usable table or is a FormatError naming the file and line', (delimiter) => {
    const bytes = enc.encode(formatCsv(penguinTable, { delimiter }));
    fc.assert(
      fc.property(byteMutation, fc.boolean(), (m, header) => {
        const { bytes: bad, what } = mutateBytes(bytes, m);
        readsOrRefuses(what, () => parseCsv(decodeUtf8(bad, 'f.csv'), { fileName: 'f.csv', header, target: header ? 'Species' : undefined }), useTable, names);
      }),
      fuzzRuns(250),
    );
  });
});

describe('fuzz: ARFF', () => {
  const sparse = enc.encode('@relation s\n@attribute a numeric\n@attribute "b c" {x,y,\'z w\'}\n@attribute d string\n@data\n{0 1.5, 1 y}\n{2 \'q\'}\n1,x,?\n{}\n');
  it.each([['weather.arff', weather], ['a sparse file', sparse]] as const)('%s with one byte cut or changed reads as a usable table or is a FormatError naming the file and line', (_n, bytes) => {
    fc.assert(
      fc.property(byteMutation, (m) => {
        const { bytes: bad, what } = mutateBytes(bytes, m);
        readsOrRefuses(what, () => parseArff(decodeUtf8(bad, 'f.arff'), { fileName: 'f.arff' }), useTable, names);
      }),
      fuzzRuns(250),
    );
  });
});

describe('fuzz: JSON records', () => {
  const text = enc.encode(JSON.stringify(penguins));
  it('with one byte cut or changed: a usable table or a FormatError naming the file', () => {
    fc.assert(
      fc.property(byteMutation, (m) => {
        const { bytes: bad, what } = mutateBytes(text, m);
        readsOrRefuses(what, () => parseJsonTable(new TextDecoder().decode(bad), 'f.json'), useTable, names);
      }),
      fuzzRuns(250),
    );
  });
  it('with one value deleted, retyped or repeated: a usable table or a FormatError naming the file and record', () => {
    fuzzJson(penguins, (doc) => parseJsonTable(JSON.stringify(doc), 'f.json'), () => useTable, names, 300);
  });
});

describe('fuzz: readTable on damaged files of each extension', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-table-fuzz-'));
  const files = [
    ['f.csv', enc.encode(formatCsv(penguinTable))],
    ['f.tsv', enc.encode(formatCsv(penguinTable, { delimiter: '\t' }))],
    ['f.arff', weather],
    ['f.json', enc.encode(JSON.stringify(penguins))],
  ] as const;
  it.each(files)('%s: a usable table or a FormatError naming the file', (name, bytes) => {
    const path = join(dir, name);
    fc.assert(
      fc.property(byteMutation, (m) => {
        const { bytes: bad, what } = mutateBytes(bytes, m);
        writeFileSync(path, bad);
        readsOrRefuses(what, () => readTable(path), useTable, new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')}[ :]`));
      }),
      fuzzRuns(100),
    );
  });
});
