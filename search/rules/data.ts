// Tables in, integer-coded features out: what the rule learners work on. A table is the shape every reader returns
// (core/data/csv.ts); the target may sit in `table.target` or among the columns. Missing numeric = NaN, categorical = null.
import { ArgumentError } from '../../core/errors.js';
import { type Column, type Table, numberAsCategory } from '../../core/data/csv.js';
import { recordsToTable } from '../../core/data/json.js';
import { type DatePart, readDateColumn } from '../../core/data/dates.js';
import type { Random } from '../../core/random.js';

export type { Column, Table };

/** One feature as a rule sees it: categorical values are compared by name, numeric ones by threshold. */
export interface FeatureInfo {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Category names (empty for a numeric feature). */
  categories: string[];
  /** A numeric feature read from a date column: `date.month` is the month of each row's `date` (see expandDates). */
  date?: DateSource;
}

export interface DateSource {
  column: string;
  part: DatePart;
}

/**
 * The table with each column of ISO dates (every present value a date such as '2012-01-31', optionally with a
 * time) replaced by numeric columns `<name>.year`, `.month` (1-12), `.day`, `.weekday` (0 = Sunday) and, when any
 * value has a time, `.hour`, so a rule can say `date.month <= 3` where a category per day says nothing about a new
 * day; a missing date is missing in every part. `sources` maps each new column to its date column and part. The
 * target is left alone, as is a date column whose new names would repeat a column's.
 */
export function expandDates(table: Table, target: string): { table: Table; sources: Map<string, DateSource> } {
  const sources = new Map<string, DateSource>();
  const names = new Set([...table.columns, ...(table.target ? [table.target] : [])].map((c) => c.name));
  const expand = (c: Column): Column[] => {
    if (c.kind !== 'categorical' || c.name === target) return [c];
    const read = readDateColumn(c.values);
    if (!read || read.parts.some((part) => names.has(`${c.name}.${part}`))) return [c];
    const parsed = new Map(read.present.map((v, i) => [v, read.dates[i]]));
    return read.parts.map((part) => {
      const name = `${c.name}.${part}`;
      sources.set(name, { column: c.name, part });
      return { name, kind: 'numeric', values: Float64Array.from(c.values, (v) => (v === null ? NaN : parsed.get(v)![part])) } as Column;
    });
  };
  const columns = table.columns.flatMap(expand);
  if (sources.size === 0) return { table, sources };
  return { table: { ...table, columns }, sources };
}

/** A table coded for learning: `x[f][i]` is row i of feature f (a category index for categorical, NaN = missing). */
export interface Encoded {
  features: FeatureInfo[];
  x: Float64Array[];
  /** Class index per row, into `classes`. */
  y: Int32Array;
  classes: string[];
  target: string;
  n: number;
}

/** A row given as an object: feature name to value; null, undefined and NaN are missing. */
export type RowObject = Readonly<Record<string, number | string | boolean | null | undefined>>;

const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** The target column and the feature columns of a table. */
export function splitTarget(table: Table, target: string, op: string): { target: Column; features: Column[] } {
  if (table.target && table.target.name === target) return { target: table.target, features: table.columns };
  const at = table.columns.findIndex((c) => c.name === target);
  if (at < 0) {
    const names = [...table.columns, ...(table.target ? [table.target] : [])].map((c) => JSON.stringify(c.name)).join(', ');
    throw new ArgumentError(`${op}: target must be one of the columns ${names}, got ${JSON.stringify(target)}`);
  }
  const features = table.columns.filter((_, i) => i !== at);
  if (table.target) features.push(table.target);
  return { target: table.columns[at], features };
}

/** The label of each row as a string (null when missing); a numeric target becomes class names like "3". */
export function labelsOf(column: Column): (string | null)[] {
  if (column.kind === 'categorical') return column.values.slice();
  return Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/**
 * Codes a table for learning. Rows whose target is missing are dropped; `features` picks and orders the inputs.
 * `like` codes held-out rows exactly as a training set was coded (its features, categories and classes; a label it
 * has never seen gets class -1).
 */
export function encodeTable(table: Table, target: string, opts: { features?: readonly string[]; op?: string; like?: Encoded } = {}): Encoded {
  if (opts.like) return encodeLike(table, opts.like, opts.op ?? 'encodeTable');
  const op = opts.op ?? 'encodeTable';
  const split = splitTarget(table, target, op);
  let cols = split.features;
  if (opts.features) {
    cols = opts.features.map((name) => {
      const c = split.features.find((col) => col.name === name);
      if (!c) throw new ArgumentError(`${op}: features must name columns of the table, got ${JSON.stringify(name)}`);
      return c;
    });
  }
  for (const c of cols) {
    if (FORBIDDEN_NAMES.has(c.name)) throw new ArgumentError(`${op}: a feature may not be named ${JSON.stringify(c.name)}`);
  }
  const labels = labelsOf(split.target);
  const keep: number[] = [];
  for (let i = 0; i < table.nRows; i++) if (labels[i] !== null) keep.push(i);
  if (keep.length === 0) throw new ArgumentError(`${op}: need at least one row with a target value, got 0 of ${table.nRows}`);
  const classes = classList(split.target, labels);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(keep, (i) => classIndex.get(labels[i] as string) as number);
  const features: FeatureInfo[] = [];
  const x: Float64Array[] = [];
  for (const c of cols) {
    const out = new Float64Array(keep.length);
    if (c.kind === 'numeric') {
      refuseInfinite(op, c, keep);
      keep.forEach((r, i) => (out[i] = c.values[r]));
      features.push({ name: c.name, kind: 'numeric', categories: [] });
    } else {
      const categories = c.categories ?? [...new Set(c.values.filter((v): v is string => v !== null))].sort();
      const index = new Map(categories.map((v, i) => [v, i]));
      keep.forEach((r, i) => {
        const v = c.values[r];
        out[i] = v === null ? NaN : (index.get(v) ?? NaN);
      });
      features.push({ name: c.name, kind: 'categorical', categories: categories.slice() });
    }
    x.push(out);
  }
  return { features, x, y, classes, target, n: keep.length };
}

/**
 * Refuses an infinity in a numeric feature (the CSV reader reads 'inf'), naming the column and its row among `rows`
 * (default all): it would become a threshold JSON cannot hold (saved as null, refused on load) or a cut no finite
 * number passes (`x >= Infinity`), as scikit-learn's trees refuse one.
 */
export function refuseInfinite(op: string, c: Column, rows?: readonly number[]): void {
  if (c.kind !== 'numeric') return;
  const n = rows ? rows.length : c.values.length;
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k] : k;
    const v = c.values[r];
    if (v === Infinity || v === -Infinity) throw new ArgumentError(`${op}: feature ${JSON.stringify(c.name)} must hold finite numbers or gaps, got ${v} at row ${r}; replace it (or leave the cell empty)`);
  }
}

function encodeLike(table: Table, like: Encoded, op: string): Encoded {
  const split = splitTarget(table, like.target, op);
  const labels = labelsOf(split.target);
  const keep: number[] = [];
  for (let i = 0; i < table.nRows; i++) if (labels[i] !== null) keep.push(i);
  const classIndex = new Map(like.classes.map((c, i) => [c, i]));
  const y = Int32Array.from(keep, (i) => classIndex.get(labels[i] as string) ?? -1);
  const x = like.features.map((f) => {
    const c = split.features.find((col) => col.name === f.name);
    if (!c) throw new ArgumentError(`${op}: table must have every training feature, got none named ${JSON.stringify(f.name)}`);
    if (f.kind === 'numeric') {
      if (c.kind !== 'numeric') throw new ArgumentError(`${op}: feature ${JSON.stringify(f.name)} must be numeric as in training, got categorical`);
      return Float64Array.from(keep, (r) => c.values[r]);
    }
    const index = new Map(f.categories.map((v, i) => [v, i]));
    const text = numberAsCategory(f.categories);
    const raw = c.kind === 'numeric' ? Array.from(c.values, (v) => (Number.isNaN(v) ? null : text(v))) : c.values;
    return Float64Array.from(keep, (r) => (raw[r] === null ? NaN : (index.get(raw[r] as string) ?? NaN)));
  });
  return { features: like.features, x, y, classes: like.classes, target: like.target, n: keep.length };
}

function classList(column: Column, labels: (string | null)[]): string[] {
  if (column.kind === 'categorical' && column.categories) return column.categories.slice();
  const seen = [...new Set(labels.filter((v): v is string => v !== null))];
  return column.kind === 'numeric' ? seen.sort((a, b) => Number(a) - Number(b)) : seen.sort();
}

/** The rows `idx` of a table, in that order (target included). */
export function takeTableRows(table: Table, idx: ArrayLike<number>): Table {
  const take = (c: Column): Column =>
    c.kind === 'numeric'
      ? { name: c.name, kind: 'numeric', values: Float64Array.from(idx as ArrayLike<number>, (i) => c.values[i]) }
      : { name: c.name, kind: 'categorical', values: Array.from(idx as ArrayLike<number>, (i) => c.values[i]), categories: c.categories };
  const out: Table = { columns: table.columns.map(take), nRows: idx.length };
  if (table.target) out.target = take(table.target);
  return out;
}

/**
 * A table from plain records (a JSON data set): core/data/json.ts recordsToTable, the reading every other JSON input
 * gets (a column is numeric when every present value is a number or a number written as a string, else
 * categorical; '' is missing). `exclude` drops columns (ids, free text); `categorical` keeps numeric codes as
 * categories.
 */
export function tableFromRecords(records: readonly RowObject[], opts: { exclude?: readonly string[]; categorical?: readonly string[] } = {}): Table {
  return recordsToTable(records, opts);
}

/** Row i of a table as an object (feature name to value; missing becomes null). */
export function rowObject(table: Table, i: number): Record<string, number | string | null> {
  const out: Record<string, number | string | null> = Object.create(null);
  for (const c of [...table.columns, ...(table.target ? [table.target] : [])]) {
    const v = c.values[i];
    out[c.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
  }
  return out;
}

/**
 * Stratified k-fold: each class is shuffled and dealt round-robin into the folds, continuing the deal across classes
 * so fold sizes differ by at most one. Returns the fold of each row.
 */
export function stratifiedFolds(y: ArrayLike<number>, k: number, rng: Random): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new ArgumentError(`stratifiedFolds: folds must be an integer >= 2, got ${k}`);
  if (k > y.length) throw new ArgumentError(`stratifiedFolds: folds must be <= number of rows ${y.length}, got ${k}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = byClass.get(y[i]) ?? [];
    list.push(i);
    byClass.set(y[i], list);
  }
  const fold = new Int32Array(y.length);
  let deal = 0;
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(byClass.get(key) as number[]);
    for (const r of rows) fold[r] = deal++ % k;
  }
  return fold;
}
