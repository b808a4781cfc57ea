// Tables from JSON: an array of flat records, `[{"a": 1, "b": "x"}, ...]`, the form most tools export and the
// vega-datasets ship. Columns are the records' keys in first-seen order; a key a record lacks is missing there.
import { ArgumentError, FormatError, fmtValue } from '../errors.js';
import { type Column, type Table, categoricalColumn, isNumberText, numericColumn, parseNumber } from './csv.js';
import { readFileOf } from '../node-builtins.js';

/**
 * Parses JSON text into an array of records (objects); anything else is a FormatError naming the file and, for a
 * bad element, the record.
 */
export function parseJsonRecords(text: string, fileName?: string): Record<string, unknown>[] {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`json: file must be valid JSON, got ${(e as Error).message}`, fileName);
  }
  if (!Array.isArray(rows)) throw new FormatError(`json: file must hold an array of records, got ${rows === null ? 'null' : typeof rows}`, fileName);
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new FormatError(`json: every element must be a record (an object), got ${Array.isArray(r) ? 'an array' : r === null ? 'null' : typeof r}`, fileName, `record ${i}`);
  });
  return rows as Record<string, unknown>[];
}

/**
 * A record value read as missing: null, undefined, NaN, or text that is empty or only white space (as the CSV reader
 * reads a blank cell; `Number(' ')` is 0, so a blank had become a zero where a number was expected).
 */
export const isMissing = (v: unknown): boolean =>
  v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && v.trim() === '');

/**
 * Plain records to a Table: columns are the keys in first-seen order; a column whose present values are all
 * numbers, or numbers written as strings ("12.5", as many APIs and spreadsheets export them; read as the CSV reader
 * reads a number), is numeric, any other categorical (numbers and booleans there become strings; a column of only
 * booleans is marked `booleans`); null, undefined, NaN, '' and an absent key are missing (a record's own keys only: a
 * record without "constructor" lacks it, it does not inherit Object's). `exclude` leaves columns out (ids, free
 * text); `categorical` reads the named columns as categories even when every value is a number (codes, years, zip
 * codes written as strings).
 */
export function recordsToTable(records: readonly Record<string, unknown>[], opts: { exclude?: readonly string[]; categorical?: readonly string[] } = {}): Table {
  // a number, null or an array has no keys: a list of them had become a table of rows without columns
  const bad = records.findIndex((r) => typeof r !== 'object' || r === null || Array.isArray(r));
  if (bad >= 0) throw new ArgumentError(`recordsToTable: records[${bad}] must be an object of column names to values, got ${fmtValue(records[bad])}`);
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!opts.exclude?.includes(k)) names.add(k);
  const columns = [...names].map((name): Column => {
    const values = records.map((r) => (Object.hasOwn(r, name) ? r[name] : undefined));
    if (!opts.categorical?.includes(name) && values.every((v) => isMissing(v) || typeof v === 'number' || (typeof v === 'string' && isNumberText(v)))) {
      return numericColumn(name, values.map((v) => (isMissing(v) ? NaN : typeof v === 'string' ? parseNumber(v.trim()) : (v as number))));
    }
    const column = categoricalColumn(name, values.map((v) => (isMissing(v) ? null : String(v))));
    const booleans = values.some((v) => typeof v === 'boolean') && values.every((v) => isMissing(v) || typeof v === 'boolean');
    return booleans ? { ...column, booleans: true } : column;
  });
  return { columns, nRows: records.length };
}

/**
 * Parses JSON text into a Table (parseJsonRecords, then recordsToTable). A value that is an object or an array is a
 * FormatError naming the record and the key.
 */
export function parseJsonTable(text: string, fileName?: string, opts: { categorical?: readonly string[] } = {}): Table {
  const records = parseJsonRecords(text, fileName);
  if (records.length === 0) throw new FormatError('json: file must hold at least one record, got an empty array', fileName);
  records.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'object' && v !== null) throw new FormatError(`json: values must be numbers, strings, booleans or null, got ${Array.isArray(v) ? 'an array' : 'an object'} for ${JSON.stringify(k)}`, fileName, `record ${i}`);
    }
  });
  return recordsToTable(records, opts);
}

/** parseJsonTable on a file; errors name the file. `categorical`: as recordsToTable's. */
export function readJsonTable(path: string, opts: { categorical?: readonly string[] } = {}): Table {
  return parseJsonTable(new TextDecoder().decode(readFileOf(path, 'readJsonTable')), path, opts);
}
