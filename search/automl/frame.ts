// What a pipeline reads: a whittle Table (core/data/csv.ts) or plain records `{ column: value }` as a user has
// new rows. Both are read through one accessor, by column name, so column order never matters.
import { ArgumentError } from '../../core/errors.js';
import { type Column, type Table, numberAsCategory } from '../../core/data/csv.js';
import { isMissing, recordsToTable } from '../../core/data/json.js';

export type { Column, Table };
export type RawRow = Record<string, unknown>;
export type Frame = Table | readonly RawRow[];

export function isTable(f: Frame): f is Table {
  return !Array.isArray(f);
}

export function frameRows(f: Frame): number {
  return isTable(f) ? f.nRows : f.length;
}

/** Column `name` of a table, a feature or the target held apart. */
export function findColumn(t: Table, name: string): Column | undefined {
  return t.columns.find((c) => c.name === name) ?? (t.target?.name === name ? t.target : undefined);
}

export function columnNames(f: Frame): string[] {
  if (isTable(f)) return [...f.columns.map((c) => c.name), ...(f.target ? [f.target.name] : [])];
  const names = new Set<string>();
  for (const r of f) for (const k of Object.keys(r)) names.add(k);
  return [...names];
}

function missingColumn(op: string, f: Frame, name: string): never {
  throw new ArgumentError(`${op}: input must have column ${JSON.stringify(name)}, got columns ${columnNames(f).map((c) => JSON.stringify(c)).join(', ')}`);
}

/** Column `name` as numbers; NaN for missing. A categorical column's values are parsed as numbers. */
export function numericValues(op: string, f: Frame, name: string): Float64Array {
  if (isTable(f)) {
    const c = findColumn(f, name) ?? missingColumn(op, f, name);
    if (c.kind === 'numeric') return c.values;
    return Float64Array.from(c.values, toNumber);
  }
  if (f.length > 0 && !f.some((r) => name in r)) missingColumn(op, f, name);
  return Float64Array.from(f, (r) => toNumber(r[name]));
}

/** Column `name` as strings; null for missing. */
export function categoricalValues(op: string, f: Frame, name: string, known?: readonly string[]): (string | null)[] {
  const text = numberAsCategory(known);
  if (isTable(f)) {
    const c = findColumn(f, name) ?? missingColumn(op, f, name);
    if (c.kind === 'categorical') return c.values;
    return Array.from(c.values, (v) => (Number.isNaN(v) ? null : text(v)));
  }
  if (f.length > 0 && !f.some((r) => name in r)) missingColumn(op, f, name);
  // a NaN cell is a gap, as in a Table, not the text "NaN" (a pipeline had refused the records it was fitted on)
  return f.map((r) => {
    const v = r[name];
    return isMissing(v) ? null : typeof v === 'number' ? text(v) : String(v);
  });
}


/** A cell as a number: NaN for missing (isMissing: a blank is not 0) and for what does not read as one. */
export function toNumber(v: unknown): number {
  if (isMissing(v)) return NaN;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) || Math.abs(n) === Infinity ? n : NaN;
}

/** Plain records to a Table (core/data/json.ts recordsToTable), with `target` held apart when given. */
export function tableFromRecords(records: readonly RawRow[], target?: string): Table {
  const table = recordsToTable(records);
  if (target === undefined) return table;
  const { columns } = table;
  const at = columns.findIndex((c) => c.name === target);
  if (at < 0) throw new ArgumentError(`tableFromRecords: target must be one of the columns ${columns.map((c) => JSON.stringify(c.name)).join(', ')}, got ${JSON.stringify(target)}`);
  return { columns: columns.filter((_, i) => i !== at), nRows: records.length, target: columns[at] };
}

/** Rows `idx` of a table (features and target). */
export function subsetTable(t: Table, idx: ArrayLike<number>): Table {
  // plain loops: Float64Array.from({ length }, fn) took 200 ms for a fold of 200,000 rows x 21 columns
  const take = (c: Column): Column => {
    if (c.kind === 'numeric') {
      const values = new Float64Array(idx.length);
      for (let i = 0; i < idx.length; i++) values[i] = c.values[idx[i]];
      return { ...c, values };
    }
    const values = new Array<string | null>(idx.length);
    for (let i = 0; i < idx.length; i++) values[i] = c.values[idx[i]];
    return { ...c, values };
  };
  return { columns: t.columns.map(take), nRows: idx.length, ...(t.target ? { target: take(t.target) } : {}) };
}

/**
 * The first three of `rows` as the messages about a table's values show them, `"abc" (row 4)`, and ', ...' when
 * there are more; row r is named rowNumbers[r] when given (rows of a subset named as the file's).
 */
export function shownRows(rows: readonly number[], show: (row: number) => string, rowNumbers?: ArrayLike<number>): string {
  return `${rows.slice(0, 3).map((r) => `${show(r)} (row ${rowNumbers?.[r] ?? r})`).join(', ')}${rows.length > 3 ? ', ...' : ''}`;
}

/** '2 values are not a number: "abc" (row 1), "x" (row 4)': how many of `rows` are `what`, and the first few. */
export function valuesAre(rows: readonly number[], what: string, show: (row: number) => string, rowNumbers?: ArrayLike<number>): string {
  return `${rows.length} value${rows.length > 1 ? 's are' : ' is'} ${what}: ${shownRows(rows, show, rowNumbers)}`;
}
