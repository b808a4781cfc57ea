import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Table, featureMatrix, readCsv, targetArray, writeCsv } from '../../../core/data/csv.js';
import { cars, iris, movies, packageDir, penguins, seattleWeather } from '../../../core/data/datasets.js';
import { ArgumentError } from '../../../core/errors.js';

function classCounts(t: Table): Record<string, number> {
  const y = targetArray(t);
  if (y.kind !== 'categorical') throw new Error('expected a categorical target');
  return Object.fromEntries(y.classes.map((c, k) => [c, y.codes.filter((v) => v === k).length]));
}
function missingCount(t: Table, name: string): number {
  const c = [...t.columns, ...(t.target ? [t.target] : [])].find((x) => x.name === name)!;
  return c.kind === 'numeric' ? c.values.filter(Number.isNaN).length : c.values.filter((v) => v === null).length;
}

describe('datasets', () => {
  it('iris: 150 rows, 4 numeric features, 50 per species', () => {
    const t = iris();
    expect(t.nRows).toBe(150);
    expect(t.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric']);
    expect(classCounts(t)).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
    expect(featureMatrix(t).data.subarray(0, 4)).toEqual(new Float32Array([5.1, 3.5, 1.4, 0.2]));
    expect(iris({ target: null }).columns).toHaveLength(5);
  });

  it('penguins: 344 rows, species counts, nominal island and sex, missing values kept', () => {
    const t = penguins();
    expect(t.nRows).toBe(344);
    expect(classCounts(t)).toEqual({ Adelie: 152, Chinstrap: 68, Gentoo: 124 });
    expect(t.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'Island:categorical', 'Beak Length (mm):numeric', 'Beak Depth (mm):numeric', 'Flipper Length (mm):numeric', 'Body Mass (g):numeric', 'Sex:categorical',
    ]);
    expect(t.columns[0]).toMatchObject({ categories: ['Biscoe', 'Dream', 'Torgersen'] });
    expect(t.columns[5]).toMatchObject({ categories: ['FEMALE', 'MALE'] });
    expect(missingCount(t, 'Body Mass (g)')).toBe(2);
    expect(missingCount(t, 'Sex')).toBe(11);
    expect(classCounts(penguins({ target: 'Island' }))).toEqual({ Biscoe: 168, Dream: 124, Torgersen: 52 });
  });

  it('cars: 406 rows, origin counts, missing mpg and horsepower', () => {
    const t = cars();
    expect(t.nRows).toBe(406);
    expect(classCounts(t)).toEqual({ Europe: 73, Japan: 79, USA: 254 });
    expect(missingCount(t, 'Miles_per_Gallon')).toBe(8);
    expect(missingCount(t, 'Horsepower')).toBe(6);
    expect(t.columns.find((c) => c.name === 'Year')!.values[0]).toBe(1970);
  });

  it('seattle weather: 1461 days, weather counts, month as a nominal column', () => {
    const t = seattleWeather();
    expect(t.nRows).toBe(1461);
    expect(classCounts(t)).toEqual({ drizzle: 53, fog: 101, rain: 641, snow: 26, sun: 640 });
    expect(t.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['month:categorical', 'precipitation:numeric', 'temp_max:numeric', 'temp_min:numeric', 'wind:numeric']);
    expect(t.columns[0].values.slice(0, 2)).toEqual(['Jan', 'Jan']);
    expect(t.columns[1].values[1]).toBe(10.9);
  });

  it('movies: MPAA rating with missing labels, nominal genre / creative type / source, release year', () => {
    const t = movies();
    expect(t.nRows).toBe(3201);
    expect(missingCount(t, 'MPAA Rating')).toBe(605);
    expect(classCounts(t)).toEqual({ G: 79, 'NC-17': 8, 'Not Rated': 94, Open: 2, PG: 354, 'PG-13': 865, R: 1194 });
    expect(t.columns.filter((c) => c.kind === 'categorical').map((c) => c.name)).toEqual(['Major Genre', 'Creative Type', 'Source']);
    expect(missingCount(t, 'Major Genre')).toBe(275);
    expect(missingCount(t, 'Release Year')).toBe(0);
    expect(t.columns.find((c) => c.name === 'Release Year')!.values[0]).toBe(1998);
  });

  it('each set writes to CSV and reads back equal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-ds-'));
    for (const [name, t, target] of [['iris', iris(), 'species'], ['penguins', penguins(), 'Species'], ['cars', cars(), 'Origin']] as const) {
      writeCsv(join(dir, `${name}.csv`), t);
      expect(readCsv(join(dir, `${name}.csv`), { target })).toEqual(t);
    }
  });

  it('an unknown target or package is an ArgumentError', () => {
    expect(() => iris({ target: 'color' })).toThrow(/target must be one of the columns "sepal_length", "sepal_width", "petal_length", "petal_width", "species", got "color"/);
    expect(() => packageDir('whittle-no-such-package')).toThrow(ArgumentError);
  });
});
