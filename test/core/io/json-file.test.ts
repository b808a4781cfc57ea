import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../core/errors.js';
import { writeFileAtomicWith } from '../../../core/fs-atomic.js';
import { parseJSONBytes, readJSONFile, streamedJSON, writeJSONFile } from '../../../core/io/json-file.js';
import { byteMutation, fuzzRuns, mutateBytes, readsOrRefuses } from '../../fuzz.js';

const dir = () => mkdtempSync(join(tmpdir(), 'whittle-json-'));

/** JSON values with non-ASCII and escaped characters in strings and keys, and numbers of every kind. */
const values = fc.jsonValue({ maxDepth: 4, stringUnit: fc.constantFrom('a', 'é', '😀', '"', '\\', '\n', '\u0001', '/', ' ', '7') });

describe('streamed JSON writing', () => {
  it('writes what JSON.stringify writes, whatever the chunk size', () => {
    fc.assert(
      fc.property(values, fc.constantFrom(1, 7, 1 << 20), (v, chunk) => {
        expect(streamedJSON(v, chunk)).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out and turns to null what JSON.stringify does, and calls toJSON once with the key', () => {
    const keys: string[] = [];
    const inner = { toJSON: (k: string) => (keys.push(`inner:${k}`), { n: 1 }) };
    const v = {
      a: undefined,
      f: () => 1,
      s: Symbol('x'),
      arr: [undefined, () => 1, NaN, -0, Infinity, 1e21, 5e-324, , 3], // eslint-disable-line no-sparse-arrays
      date: new Date(0),
      boxed: [new Number(2), new String('s'), new Boolean(false)],
      nested: { toJSON: (k: string) => (keys.push(`nested:${k}`), { inner, typed: Array.from(new Float64Array([0.1, 0.2])) }) },
      long: Array.from({ length: 20000 }, (_, i) => (i % 5000 === 7 ? 'x' : i / 3)),
    };
    const want = JSON.stringify(v);
    const wantKeys = keys.splice(0);
    expect(streamedJSON(v, 16)).toBe(want);
    expect(keys).toEqual(wantKeys);
  });

  it('writes atomically: a value that fails part way leaves the old file and no temp file', () => {
    const d = dir();
    const path = join(d, 'model.json');
    writeJSONFile(path, { old: [1, 2, 3] });
    expect(readFileSync(path, 'utf8')).toBe('{"old":[1,2,3]}');
    expect(() => writeJSONFile(path, undefined)).toThrow('writeJSONFile: value must be something JSON can hold, got undefined');
    const bad = { big: Array.from({ length: 300000 }, (_, i) => i), then: { toJSON: () => { throw new Error('boom'); } } };
    expect(() => writeJSONFile(path, bad)).toThrow('boom');
    expect(readFileSync(path, 'utf8')).toBe('{"old":[1,2,3]}');
    expect(readdirSync(d)).toEqual(['model.json']);
    expect(() => writeFileAtomicWith(path, (write) => { write(Buffer.from('{"half":')); throw new Error('stopped'); })).toThrow('stopped');
    expect(readFileSync(path, 'utf8')).toBe('{"old":[1,2,3]}');
    expect(readdirSync(d)).toEqual(['model.json']);
  });
});

describe('JSON from bytes', () => {
  it('reads every text JSON.parse reads to the same value', () => {
    fc.assert(
      fc.property(values, fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(parseJSONBytes(Buffer.from(` \n${text}\r\n`))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
    expect(Object.is(parseJSONBytes(Buffer.from('-0')), -0)).toBe(true);
    expect(parseJSONBytes(Buffer.from('[1E400,-2.5e-3,1e+2,0.1]'))).toEqual([Infinity, -0.0025, 100, 0.1]);
    // as JSON.parse: the last of repeated keys, and __proto__ an own key
    const o = parseJSONBytes(Buffer.from('{"a":1,"a":2,"__proto__":{"x":1}}')) as Record<string, unknown>;
    expect(o).toEqual(JSON.parse('{"a":1,"a":2,"__proto__":{"x":1}}'));
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['a', '__proto__']);
  });

  it('rejects exactly the texts JSON.parse rejects, naming the file and the byte', () => {
    const alphabet = fc.constantFrom(...'{}[],:"0123456789.eE+-truefalsn \\u/\n\t'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 14 }), (text) => {
        let want: unknown;
        let valid = true;
        try {
          want = JSON.parse(text);
        } catch {
          valid = false;
        }
        if (valid) expect(parseJSONBytes(Buffer.from(text), 'f.json')).toEqual(want);
        else expect(() => parseJSONBytes(Buffer.from(text), 'f.json')).toThrow(FormatError);
      }),
      { numRuns: 3000 },
    );
    expect(() => parseJSONBytes(Buffer.from('{"a": [1, 2,, 3]}'), 'model.json', 'loadPipeline')).toThrow(
      new FormatError('loadPipeline: file must be JSON, got ", 3]}" at byte 12 where a value should be', 'model.json', 'byte 12'),
    );
    expect(() => parseJSONBytes(Buffer.from('{"a": "x'), 'model.json')).toThrow(/model\.json \(byte 8\): parseJSONBytes: file must be JSON, got the end of the file at byte 8 where a closing quote should be/);
    expect(() => parseJSONBytes(Buffer.from('\ufeff{}'))).toThrow(FormatError); // a byte order mark is not JSON
    expect(() => parseJSONBytes(Buffer.from('['.repeat(1e6)), 'deep.json')).toThrow(/deep\.json \(byte \d+\): parseJSONBytes: file must be JSON nested at most a few thousand deep/);
  });

  it('readJSONFile reads a file past its whole-text size from the bytes, to the same value', () => {
    const d = dir();
    const path = join(d, 'm.json');
    const v = { kind: 'pipeline', cols: Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1e3), name: 'naïve 😀' };
    writeJSONFile(path, v);
    expect(readJSONFile(path, 'op', 0)).toEqual(v);
    expect(readJSONFile(path)).toEqual(v);
    writeFileSync(path, '{"kind": pipeline}');
    expect(() => readJSONFile(path, 'loadPipeline')).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: loadPipeline: file must be JSON, got `));
    expect(() => readJSONFile(path, 'loadPipeline', 0)).toThrow(`${path} (byte 9): loadPipeline: file must be JSON, got "pipeline}" at byte 9 where a value should be`);
  });
});

describe('fuzz: a damaged JSON file', () => {
  const doc = { kind: 'pipeline', version: 1, name: 'é😀 "q" \\ \n', values: [0, -1.5, 1e-7, 2e21], nested: { a: [true, false, null, {}], b: [] } };
  const bytes = new TextEncoder().encode(JSON.stringify(doc, null, 1));
  const d = dir();
  it('cut or with one byte changed: both readers give what JSON.parse gives, or a FormatError naming the file', () => {
    fc.assert(
      fc.property(byteMutation, (m) => {
        const { bytes: bad, what } = mutateBytes(bytes, m);
        let want: unknown;
        try {
          want = JSON.parse(new TextDecoder().decode(bad));
        } catch {
          want = FormatError;
        }
        const path = join(d, 'f.json');
        writeFileSync(path, bad);
        for (const read of [() => parseJSONBytes(bad, 'f.json'), () => readJSONFile(path), () => readJSONFile(path, 'readJSONFile', 0)]) {
          readsOrRefuses(what, read, (v) => expect(v, what).toEqual(want), /^(f\.json|\/.*f\.json)[ :]/);
          if (want === FormatError) expect(read, what).toThrow(FormatError);
        }
      }),
      fuzzRuns(200),
    );
  });
});
