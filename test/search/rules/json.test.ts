import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../../core/errors.js';
import { loadRules, parseRules, rulesFromJSON, saveRules } from '../../../search/rules/json.js';
import { fitRules } from '../../../search/rules/index.js';
import { ripper } from '../../../search/rules/ripper.js';
import type { RuleModel } from '../../../search/rules/model.js';
import { fuzzFileBytes, fuzzJson } from '../../fuzz.js';
import { DATASETS, iris, penguins } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validText(): string {
  return JSON.stringify(ripper(iris(), 'species', { seed: 0 }).toJSON());
}

/** Parses a valid file changed by `mutate` and returns the FormatError it must raise. */
function formatErrorOf(mutate: (j: any) => unknown): FormatError {
  const j = JSON.parse(validText());
  mutate(j);
  return formatErrorOfText(JSON.stringify(j));
}

/** Parses `text` and returns the FormatError it must raise. */
function formatErrorOfText(text: string): FormatError {
  try {
    parseRules(text, 'hostile.json');
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/^hostile\.json/);
    return err as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('rules JSON', () => {
  it('a round trip keeps predictions identical', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DATASETS), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('ripper', 'tree'), fc.constantFrom('ordered', 'unordered'), (ds, seed, algorithm, mode) => {
        const t = ds.table();
        const m = fitRules(t, { target: ds.target, seed, algorithm: algorithm as 'ripper' | 'tree', mode: mode as 'ordered' | 'unordered' });
        const back = parseRules(JSON.stringify(m.toJSON()), 'x.json');
        expect(back.predict(t)).toEqual(m.predict(t));
        expect(back.predictProba(t)).toEqual(m.predictProba(t));
        expect(back.toString()).toBe(m.toString());
        expect(back.toJSON()).toEqual(m.toJSON());
      }),
      { numRuns: 10 },
    );
  });

  it('saves atomically and loads back', () => {
    const m = ripper(iris(), 'species', { seed: 1 });
    const path = join(dir, 'iris.rules.json');
    saveRules(m, path);
    saveRules(m, path);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(loadRules(path).predict(iris())).toEqual(m.predict(iris()));
  });

  it('names the file and the JSON path of a malformed value', () => {
    expect(formatErrorOf((j) => (j.rules[0].if[0].op = '=~')).where).toBe('$.rules[0].if[0].op');
    expect(formatErrorOf((j) => (j.rules[0].if[0].feature = 'petal_colour')).message).toMatch(/\$\.rules\[0\]\.if\[0\]\.feature.*must name a feature of the model, got "petal_colour"/);
    expect(formatErrorOf((j) => (j.rules[0].if[0].value = '2.45')).where).toBe('$.rules[0].if[0].value');
    // an absent value is said to be absent (it had read 'got undefined undefined')
    expect(formatErrorOf((j) => delete j.rules[0].if[0].value).message).toMatch(/\$\.rules\[0\]\.if\[0\]\.value\): must be a finite number, got none$/);
    expect(formatErrorOf((j) => (j.rules[0].counts = [1, 2])).where).toBe('$.rules[0].counts');
    expect(formatErrorOf((j) => (j.rules[0].counts[0] = -1)).where).toBe('$.rules[0].counts[0]');
    expect(formatErrorOf((j) => (j.rules[0].then = 'unicorn')).where).toBe('$.rules[0].then');
    expect(formatErrorOf((j) => (j.rules = {})).where).toBe('$.rules');
    expect(formatErrorOf((j) => (j.features[0].kind = 'date')).where).toBe('$.features[0].kind');
    expect(formatErrorOf((j) => (j.features[1].name = j.features[0].name)).where).toBe('$.features[1].name');
    // a feature read from a date column: a known part of a named column, numeric features only
    expect(formatErrorOf((j) => (j.features[0].date = { column: 'when', part: 'fortnight' })).message).toMatch(/\$\.features\[0\]\.date\.part.*must be one of year, month, day, weekday, hour, got "fortnight"/);
    expect(formatErrorOf((j) => (j.features[0].date = { column: 3, part: 'month' })).where).toBe('$.features[0].date.column');
    expect(formatErrorOf((j) => (j.features[0].date = { column: '__proto__', part: 'month' })).where).toBe('$.features[0].date.column');
    expect(formatErrorOf((j) => (j.features[0].date = { column: 'when' })).where).toBe('$.features[0].date');
    expect(formatErrorOf((j) => (j.features[0] = { name: 'c', kind: 'categorical', categories: ['a'], date: { column: 'when', part: 'month' } })).where).toBe('$.features[0].date');
    expect(formatErrorOf((j) => (j.version = 2)).where).toBe('$.version');
    expect(formatErrorOf((j) => (j.mode = 'random')).where).toBe('$.mode');
    expect(formatErrorOf((j) => delete j.default).where).toBe('$');
    expect(formatErrorOf((j) => (j.extra = 1)).where).toBe('$.extra');
    expect(formatErrorOfText('{"format": "whittle-rules",').message).toMatch(/must be valid JSON/);
    expect(formatErrorOfText('[]').where).toBe('$');
    expect(formatErrorOfText('null').where).toBe('$');
  });

  it('rejects prototype keys and never pollutes Object.prototype', () => {
    const valid = JSON.parse(validText());
    const hostile = [
      (j: any) => '{"__proto__": {"polluted": "yes"}, ' + JSON.stringify(j).slice(1),
      (j: any) => JSON.stringify(j).replace('"if":', '"__proto__": {"polluted": "yes"}, "if":'),
      (j: any) => JSON.stringify(j).replace('"then":', '"constructor": {"prototype": {"polluted": "yes"}}, "then":'),
      (j: any) => JSON.stringify(j).replace('"default":', '"prototype": {"polluted": "yes"}, "default":'),
      (j: any) => JSON.stringify(j).replace('"name":"petal_length"', '"name":"__proto__"'),
    ];
    for (const h of hostile) {
      const err = formatErrorOfText(h(valid));
      expect(err.message).toMatch(/is not allowed/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    }
    expect(formatErrorOfText(hostile[4](valid)).where).toBe('$.features[2].name');
  });

  it('rejects huge nesting before parsing it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const err = formatErrorOfText(deep);
    expect(err.message).toMatch(/nest at most 16 levels/);
    const nested = validText().replace('"then":', `"then": ${'['.repeat(20)}${']'.repeat(20)}, "x":`);
    const err2 = formatErrorOfText(nested);
    expect(err2.message).toMatch(/nest at most 16 levels/);
    expect(err2.where).toBe('$.rules[0].then[0][0][0][0][0][0][0][0][0][0][0][0][0]');
    const keyed = formatErrorOfText(`{"a": [1, {"b c": ${'['.repeat(30)}`);
    expect(keyed.where).toMatch(/^\$\.a\[1\]\["b c"\]\[0\]/);
  });

  it('rejects a file that is not UTF-8 and reports the file name', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, Buffer.from([0xff, 0xfe, 0x7b]));
    expect(() => loadRules(path)).toThrow(FormatError);
    expect(() => loadRules(path)).toThrow(/bad\.json/);
  });

  it('rulesFromJSON accepts an object already parsed', () => {
    const m = ripper(iris(), 'species', { seed: 0 });
    expect(rulesFromJSON(m.toJSON()).predict(iris())).toEqual(m.predict(iris()));
  });
});

describe('fuzz: a saved rules file', () => {
  const table = penguins();
  const model = ripper(table, 'Species', { seed: 0 });
  const json = JSON.parse(JSON.stringify(model.toJSON())) as unknown;
  const usable = (what: string) => (m: RuleModel) => {
    const pred = m.predict(table);
    expect(pred.length, what).toBe(table.nRows);
    expect(pred.every((c) => m.classes.includes(c)), what).toBe(true);
    m.explain(table, 0);
  };
  it('with one value deleted, retyped or repeated: a model that predicts its classes, or a FormatError naming the file and JSON path', () => {
    fuzzJson(json, (doc) => rulesFromJSON(JSON.parse(JSON.stringify(doc)), 'r.json'), usable, /^r\.json \(\$[^)]*\): /, 300);
  });
  it('cut or with one byte changed: loadRules gives a model that predicts, or a FormatError naming the file', () => {
    const path = join(dir, 'fuzz.json');
    saveRules(model, path);
    const bytes = new Uint8Array(readFileSync(path));
    const bad = join(dir, 'fuzz-bad.json');
    fuzzFileBytes(bytes, bad, loadRules, usable, 200);
  });
});
