import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, rules } from '../../../search/rules/index.js';
import { iris, irisRecords } from './fixtures.js';

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

  it('rejects unknown algorithms, modes and targets', () => {
    expect(() => rules({ data: iris(), target: 'species', algorithm: 'cn2' as 'tree' })).toThrow(/algorithm must be 'ripper' or 'tree', got "cn2"/);
    expect(() => rules({ data: iris(), target: 'species', mode: 'sorted' as 'ordered' })).toThrow(/mode must be/);
    expect(() => rules({ data: iris(), target: 'kind' })).toThrow(/target must be one of the columns/);
  });
});
