import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArff, readArff } from '../../../core/data/arff.js';
import { featureMatrix, parseCsv, targetArray } from '../../../core/data/csv.js';
import { FormatError } from '../../../core/errors.js';

const fixture = fileURLToPath(new URL('../../fixtures/io/weather.arff', import.meta.url));

describe('readArff', () => {
  it('reads weather.arff into the CSV table shape, nominal categories in declared order', () => {
    const t = readArff(fixture, { target: 'play' });
    expect(t.relation).toBe('weather');
    expect(t.nRows).toBe(14);
    expect(t.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['outlook:categorical', 'temperature:numeric', 'relative humidity:numeric', 'windy:categorical']);
    expect(t.columns[0]).toMatchObject({ categories: ['sunny', 'overcast', 'rainy'] });
    expect(t.columns[2]!.values[12]).toBeNaN();
    expect(t.columns[1]!.values[0]).toBe(85);
    const y = targetArray(t);
    expect(y).toMatchObject({ kind: 'categorical', classes: ['yes', 'no'] });
    if (y.kind === 'categorical') expect([...y.codes].filter((c) => c === 0).length).toBe(9);
    expect(featureMatrix(t).featureNames).toEqual(['outlook=sunny', 'outlook=overcast', 'outlook=rainy', 'temperature', 'relative humidity', 'windy=TRUE', 'windy=FALSE']);
  });
});

describe('parseArff', () => {
  it('matches parseCsv on the same data', () => {
    const arff = parseArff("@relation r\n@attribute a numeric\n@attribute 'b c' string\n@data\n1.5,'x, y'\n?,\"q\"\n");
    const csv = parseCsv('a,b c\n1.5,"x, y"\n,q\n');
    expect(arff.columns).toEqual(csv.columns);
    expect(arff.nRows).toBe(2);
  });
  it('reads sparse rows, quoted values with escapes and a quoted ? as a value', () => {
    const t = parseArff("@relation r\n@attribute x integer\n@attribute y {a,'b b'}\n@attribute s string\n@data\n{1 'b b'}\n{0 7, 2 '?'}\n3,a,'it\\'s'\n");
    expect(t.columns[0]!.values).toEqual(new Float64Array([0, 7, 3]));
    expect(t.columns[1]!.values).toEqual(['b b', 'a', 'a']);
    expect(t.columns[2]!.values).toEqual(['', '?', "it's"]);
  });

  const bad: [string, string, RegExp][] = [
    ['text before @relation', 'hello\n', /^w\.arff \(line 1\): arff: expected @relation, @attribute or @data, got "hello"$/],
    ['attribute before relation', '@attribute a numeric\n', /\(line 1\): arff: @relation must come before the first @attribute/],
    ['unknown type', '@relation r\n@attribute a complex\n@data\n', /\(line 2\): arff: attribute "a" type must be numeric, real, integer, string, date or \{values\}, got "complex"/],
    ['duplicate attribute', '@relation r\n@attribute a numeric\n@attribute a numeric\n', /\(line 3\): arff: attribute names must be unique, got "a" twice/],
    ['no data section', '@relation r\n@attribute a numeric\n', /\(line 3\): arff: file must have a @data section, got none/],
    ['wrong field count', '@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n% note\n1\n', /^w\.arff \(line 7\): arff: expected 2 fields, got 1$/],
    ['non-numeric value', '@relation r\n@attribute a numeric\n@data\n1\nabc\n', /\(line 5\): arff: attribute "a" must be numeric, got "abc"/],
    ['undeclared nominal', '@relation r\n@attribute a {x,y}\n@data\nz\n', /\(line 4\): arff: attribute "a" must be one of \{x,y\}, got "z"/],
    ['unclosed quote', "@relation r\n@attribute a string\n@data\n'abc\n", /\(line 4\): arff: quoted value 'abc is never closed/],
    ['sparse index out of range', '@relation r\n@attribute a numeric\n@data\n{3 1}\n', /\(line 4\): arff: sparse index must be below 1, got 3/],
    ['relational attribute', '@relation r\n@attribute bag relational\n', /\(line 2\): arff: attribute "bag" is relational, which whittle does not read/],
    ['class name glued to its values', '@relation r\n@attribute class{a,b}\n@data\nc\n', /\(line 4\): arff: attribute "class" must be one of \{a,b\}, got "c"/],
    ['unknown declaration', '@relation r\n@attribut a numeric\n', /\(line 2\): arff: unknown declaration @attribut/],
  ];
  it.each(bad)('%s is a FormatError naming file and line', (_n, text, pattern) => {
    expect(() => parseArff(text, { fileName: 'w.arff' })).toThrow(FormatError);
    expect(() => parseArff(text, { fileName: 'w.arff' })).toThrow(pattern);
  });
  it('an unknown target lists the attributes', () => {
    expect(() => parseArff('@relation r\n@attribute a numeric\n@data\n1\n', { target: 'b', fileName: 'w.arff' })).toThrow(/target must be one of the columns "a", got "b"/);
  });
});
