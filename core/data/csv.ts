// Tabular data in and out of CSV. A table is columns, each numeric (Float64Array, NaN = missing) or categorical
// (strings, null = missing, with its sorted category list); an optional target column is held apart from the features.
import { ArgumentError, FormatError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { readFileOf } from '../node-builtins.js';

export interface NumericColumn {
  name: string;
  kind: 'numeric';
  /** NaN marks a missing value. */
  values: Float64Array;
}
export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  /** null marks a missing value. */
  values: (string | null)[];
  /** The distinct non-missing values, sorted by code unit: a value's index here is its code. */
  categories: string[];
  /**
   * Set by recordsToTable (JSON records) where every present value was a boolean, read as 'true' and 'false': the
   * text alone cannot tell a JSON true from a CSV's "true", and an AutoML pipeline returns such classes as booleans.
   */
  booleans?: true;
}
export type Column = NumericColumn | CategoricalColumn;

/**
 * What every tabular reader returns (CSV, ARFF, the bundled datasets).
 * `columns` are the features in file order; with a `target` option that column is taken out of `columns` into `target`.
 */
export interface Table {
  columns: Column[];
  nRows: number;
  target?: Column;
}

export interface CsvOptions {
  /** ',', ';' or '\t'; default: sniffed from the first line (the one of the three that occurs most, ',' on a tie). */
  delimiter?: ',' | ';' | '\t';
  /** The first line names the columns (default true); without it columns are named c1, c2, ... */
  header?: boolean;
  /** Name of the column to hold apart as `target`. */
  target?: string;
  /**
   * Tokens read as missing, in any column (default DEFAULT_MISSING: pandas' markers and '?'); compared after
   * trimming spaces.
   */
  missing?: string[];
  /** Columns to read as categorical even when every value is a number (class ids, zip codes). */
  categorical?: string[];
  /**
   * Columns read as categorical where the file has them, names it lacks passed over: a saved model's categorical
   * columns when reading rows for it to predict (codes 01, 02, 03 in training read as the numbers 1, 2, 3 in a file
   * that happens to hold no other value, and matched no category).
   */
  categoricalIfPresent?: readonly string[];
  /** Columns that must be numeric: a value that is not a number is a FormatError instead of a categorical column. */
  numeric?: string[];
  /**
   * The decimal mark: '.', or ',' as in spreadsheets saved in much of Europe ('3,5'; as R's read.csv2). Default:
   * ',' is read too when the delimiter is ';' (a ';' file is what such spreadsheets write), else only '.'.
   */
  decimal?: '.' | ',';
}

/**
 * What reads as missing by default: pandas.read_csv's default na_values (pandas 2.x, "na_values" in its
 * read_csv docs), so a file that pandas reads with gaps reads here with the same gaps, plus '?' (ARFF's and UCI's
 * marker). A marker missing from this list turns a numeric column with one gap into a categorical one.
 */
export const DEFAULT_MISSING = ['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null', '?'];
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$/i;
const COMMA_NUMBER = /^[+-]?(\d+,?\d*|,\d+)([eE][+-]?\d+)?$/;

/** Whether `s` (trimmed) is a number as the CSV reader reads one with '.' decimals: 12, -3.5, .5, 1e3, inf. */
export function isNumberText(s: string): boolean {
  return NUMBER.test(s.trim());
}

/** The number isNumberText accepts ('inf' and 'infinity' with their sign). */
export function parseNumber(s: string): number {
  const lower = s.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

/**
 * A number in a column fitted as categories, as the category it stands for: String(v) when that is one of `known`,
 * else the one known category that reads as the same number ('01' for 1, '2.00' for 2). A file of new rows whose
 * codes are all numbers is read as a numeric column (01, 02, 03 as 1, 2, 3), and String(1) had matched no category:
 * the row's prediction then hung on whether another row of the file held a code that is not a number. Two known
 * categories of one number ('1' and '01') leave String(v).
 */
export function numberAsCategory(known: readonly string[] | undefined): (v: number) => string {
  if (!known || known.length === 0) return String;
  const exact = new Set(known);
  const byNumber = new Map<number, string | null>();
  for (const c of known) {
    if (!isNumberText(c)) continue;
    const n = parseNumber(c.trim());
    byNumber.set(n, byNumber.has(n) ? null : c);
  }
  return (v) => {
    const s = String(v);
    return exact.has(s) ? s : (byNumber.get(v) ?? s);
  };
}

/** A numeric column; null and undefined become NaN. */
export function numericColumn(name: string, values: ArrayLike<number | null | undefined>): NumericColumn {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? NaN;
  return { name, kind: 'numeric', values: out };
}

/** A categorical column with its sorted category list; pass `categories` to keep a declared order (ARFF). */
export function categoricalColumn(name: string, values: (string | null)[], categories?: string[]): CategoricalColumn {
  const cats = categories ?? [...new Set(values.filter((v): v is string => v !== null))].sort();
  return { name, kind: 'categorical', values, categories: cats };
}

/** Codes of a categorical column: index into `categories`, -1 for missing. */
export function categoryCodes(column: CategoricalColumn): Int32Array {
  const index = new Map(column.categories.map((c, i) => [c, i]));
  return Int32Array.from(column.values, (v) => (v === null ? -1 : (index.get(v) ?? -1)));
}

/** Moves column `target` out of the features; an unknown name is an ArgumentError listing the columns. */
export function withTarget(columns: Column[], target: string | undefined, source = 'table'): Table {
  const nRows = columns.length ? columns[0]!.values.length : 0;
  if (target === undefined) return { columns, nRows };
  const at = columns.findIndex((c) => c.name === target);
  if (at < 0) throw new ArgumentError(`${source}: target must be one of the columns ${columns.map((c) => JSON.stringify(c.name)).join(', ')}, got ${JSON.stringify(target)}`);
  return { columns: columns.filter((_, i) => i !== at), nRows, target: columns[at] };
}

/** Which delimiter the first line uses: the most frequent of , ; tab outside quotes. */
export function sniffDelimiter(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length && i < 1 << 16; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c in counts) counts[c as keyof typeof counts]++;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}

function countLineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || (c === 13 && s.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/**
 * Splits CSV text into records (RFC 4180: quoted fields may hold delimiters, "" and line breaks; CRLF, LF or CR ends a
 * record). Unquoted fields are trimmed of spaces; empty lines are skipped. `lines[i]` is the line record i starts on.
 */
export function parseCsvRows(text: string, delimiter: string, fileName?: string): { rows: string[][]; lines: number[] } {
  const D = delimiter.charCodeAt(0);
  const n = text.length;
  const rows: string[][] = [];
  const lines: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      continue;
    }
    const rowLine = line;
    const row: string[] = [];
    for (;;) {
      let j = i;
      while (text.charCodeAt(j) === 32) j++;
      if (text.charCodeAt(j) === 34) {
        const quoteLine = line;
        let value = '';
        i = j + 1;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new FormatError(`csv: quoted field starting on line ${quoteLine} is never closed`, fileName, `line ${quoteLine}`);
          value += text.slice(i, q);
          if (text.charCodeAt(q + 1) === 34) {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        line += countLineBreaks(value);
        while (text.charCodeAt(i) === 32) i++;
        c = text.charCodeAt(i);
        if (i < n && c !== D && c !== 10 && c !== 13) {
          throw new FormatError(`csv: a closing quote must be followed by a delimiter or a line end, got ${JSON.stringify(text[i])}`, fileName, `line ${line}`);
        }
        row.push(value);
      } else {
        while (i < n && (c = text.charCodeAt(i)) !== D && c !== 10 && c !== 13) i++;
        row.push(text.slice(j, i).trimEnd());
      }
      if (i >= n) break;
      c = text.charCodeAt(i);
      if (c === D) {
        i++;
        if (i >= n) {
          row.push('');
          break;
        }
        continue;
      }
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    rows.push(row);
    lines.push(rowLine);
  }
  return { rows, lines };
}

/** Parses CSV text into a Table (see `Table`). FormatError names `fileName` and the line. */
export function parseCsv(text: string, opts: CsvOptions & { fileName?: string } = {}): Table {
  const file = opts.fileName;
  const delimiter = opts.delimiter ?? sniffDelimiter(text);
  const { rows, lines } = parseCsvRows(text, delimiter, file);
  if (rows.length === 0) throw new FormatError('csv: file is empty, expected a header row', file, 'line 1');
  const header = opts.header ?? true;
  const width = rows[0]!.length;
  const names = header ? rows[0]! : Array.from({ length: width }, (_, k) => `c${k + 1}`);
  const firstColumn = new Map<string, number>();
  names.forEach((name, k) => {
    const seen = firstColumn.get(name);
    if (seen !== undefined) throw new FormatError(`csv: header names must be unique, got ${JSON.stringify(name)} in columns ${seen + 1} and ${k + 1}`, file, `line ${lines[0]}`);
    firstColumn.set(name, k);
  });
  for (const forced of [...(opts.categorical ?? []), ...(opts.numeric ?? [])]) {
    if (!firstColumn.has(forced)) throw new ArgumentError(`parseCsv: option column must be one of ${names.map((s) => JSON.stringify(s)).join(', ')}, got ${JSON.stringify(forced)}`);
  }
  const body = header ? 1 : 0;
  for (let r = body; r < rows.length; r++) {
    if (rows[r]!.length !== width) throw new FormatError(`csv: expected ${width} fields, got ${rows[r]!.length}`, file, `line ${lines[r]}`);
  }
  const missing = new Set(opts.missing ?? DEFAULT_MISSING);
  const comma = (opts.decimal ?? (delimiter === ';' ? ',' : '.')) === ',';
  const isNumber = (s: string) => isNumberText(s) || (comma && COMMA_NUMBER.test(s));
  const nRows = rows.length - body;
  const columns = names.map((name, k): Column => {
    const raw: (string | null)[] = new Array(nRows);
    let numeric = !(opts.categorical ?? []).includes(name) && !(opts.categoricalIfPresent ?? []).includes(name);
    const mustBeNumeric = (opts.numeric ?? []).includes(name);
    for (let r = 0; r < nRows; r++) {
      const v = rows[r + body]![k]!;
      const s = missing.has(v.trim()) ? null : v;
      raw[r] = s;
      if (numeric && s !== null && !isNumber(s.trim())) {
        if (mustBeNumeric) throw new FormatError(`csv: column ${JSON.stringify(name)} must be numeric, got ${JSON.stringify(s)}`, file, `line ${lines[r + body]}`);
        numeric = false;
      }
    }
    return numeric ? numericColumn(name, raw.map((s) => (s === null ? NaN : parseNumber(comma ? s.trim().replace(',', '.') : s.trim())))) : categoricalColumn(name, raw);
  });
  return withTarget(columns, opts.target, file ?? 'parseCsv');
}

/** Offset of the first byte that is not valid UTF-8 (overlong forms and surrogates included), or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      if ((b[i + k]! & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b[i + k]! & 0x3f);
    }
    if (cp < [0, 0x80, 0x800, 0x10000][n]! || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Decodes UTF-8 strictly: a byte that is not UTF-8 is a FormatError with its line and byte offset, not a silent U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, fileName: string): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 10) line++;
    throw new FormatError(`file must be UTF-8 text, got an invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')}`, fileName, `line ${line}, byte ${bad}`);
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** Reads a CSV file (UTF-8) into a Table. */
export function readCsv(path: string, opts: CsvOptions = {}): Table {
  const buf = readFileOf(path, 'readCsv');
  return parseCsv(decodeUtf8(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path), { ...opts, fileName: path });
}

/** A CSV field: quoted (inner quotes doubled) when it holds the delimiter, a quote, a line break or edge spaces. */
export function quoteField(s: string, delimiter = ','): string {
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r') || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * CSV text of a table: a header, then one line per row (LF). The target, if any, is the last column; missing is empty.
 * A categorical value that reads as a number or a missing token comes back as that unless the column is forced categorical.
 */
export function formatCsv(table: Table, opts: { delimiter?: ',' | ';' | '\t' } = {}): string {
  const d = opts.delimiter ?? ',';
  const cols = table.target ? [...table.columns, table.target] : table.columns;
  const out = [cols.map((c) => quoteField(c.name, d)).join(d)];
  for (let r = 0; r < table.nRows; r++) {
    out.push(
      cols
        .map((c) => {
          const v = c.values[r];
          if (c.kind === 'numeric') return Number.isNaN(v) ? '' : Object.is(v, -0) ? '-0' : String(v);
          return v === null || v === undefined ? '' : quoteField(v as string, d);
        })
        .join(d),
    );
    // a blank line is skipped on reading, so a one-column row with a missing value is written as ""
    if (out[out.length - 1] === '') out[out.length - 1] = '""';
  }
  return out.join('\n') + '\n';
}

/** Writes a table as CSV, atomically. */
export function writeCsv(path: string, table: Table, opts: { delimiter?: ',' | ';' | '\t' } = {}): void {
  writeFileAtomic(path, formatCsv(table, opts));
}

export interface FeatureMatrix {
  dtype: 'float32';
  /** [nRows, nFeatures] */
  shape: [number, number];
  data: Float32Array;
  featureNames: string[];
}

/**
 * The features as a row-major float32 matrix (fits a Tensor). Numeric columns as they are (missing stays NaN);
 * categorical ones one-hot (default: a column `name=value` per category, all 0 when missing), as codes (NaN when
 * missing), or dropped.
 */
export function featureMatrix(table: Table, opts: { categorical?: 'onehot' | 'codes' | 'drop' } = {}): FeatureMatrix {
  const mode = opts.categorical ?? 'onehot';
  const featureNames: string[] = [];
  const fills: ((row: Float32Array, r: number, at: number) => void)[] = [];
  const widths: number[] = [];
  for (const c of table.columns) {
    if (c.kind === 'numeric') {
      featureNames.push(c.name);
      widths.push(1);
      fills.push((out, r, at) => (out[at] = c.values[r]!));
    } else if (mode !== 'drop') {
      const codes = categoryCodes(c);
      if (mode === 'codes') {
        featureNames.push(c.name);
        widths.push(1);
        fills.push((out, r, at) => (out[at] = codes[r]! < 0 ? NaN : codes[r]!));
      } else {
        featureNames.push(...c.categories.map((v) => `${c.name}=${v}`));
        widths.push(c.categories.length);
        fills.push((out, r, at) => {
          if (codes[r]! >= 0) out[at + codes[r]!] = 1;
        });
      }
    }
  }
  const d = featureNames.length;
  const data = new Float32Array(table.nRows * d);
  for (let r = 0; r < table.nRows; r++) {
    let at = r * d;
    fills.forEach((fill, k) => {
      fill(data, r, at);
      at += widths[k]!;
    });
  }
  return { dtype: 'float32', shape: [table.nRows, d], data, featureNames };
}

/** The target as class codes (-1 = missing) with its classes, or as float32 values (NaN = missing). */
export function targetArray(table: Table): { kind: 'categorical'; codes: Int32Array; classes: string[] } | { kind: 'numeric'; values: Float32Array } {
  const t = table.target;
  if (!t) throw new ArgumentError('targetArray: table must have a target column, got none (pass { target } when reading)');
  return t.kind === 'categorical' ? { kind: 'categorical', codes: categoryCodes(t), classes: t.categories } : { kind: 'numeric', values: Float32Array.from(t.values) };
}
