// Column-wise preprocessing fitted on training rows only: impute numeric columns (mean, median, most frequent, or
// from the nearest training rows) and categorical ones (most frequent), standardize numeric columns, one-hot encode
// categorical ones. A category unseen in training becomes an all-zero one-hot block, like sklearn's
// handle_unknown='ignore'. A column with more levels than maxCategories keeps its most frequent levels and puts
// the rest (and unseen ones) in one shared column; one whose values never repeat (a name, an id) gets no columns.
// A column of dates ('2012-01-31', '2012-01-31T08:15', '2012/01/31 08:15') becomes numbers: year, month, day,
// weekday (and hour). An infinite number (a CSV's 'inf', '1e400') is read as a gap, in training and in new rows: one
// would make the column's mean and standard deviation infinite and every standardized value NaN.
import { type DatePart, dateParts, parseDate, readDateColumn } from '../../core/data/dates.js';
import { ArgumentError, FormatError } from '../../core/errors.js';
import { type Frame, type Table, categoricalValues, columnNames, findColumn, frameRows, isTable, numericValues, shownRows, toNumber, valuesAre } from './frame.js';
import { checkEvery } from './deadline.js';
import { JsonFields, describeJSON } from './json-fields.js';
import { type Matrix, matrix } from './matrix.js';

export interface PreprocessConfig {
  /**
   * How a missing number is filled: the column's mean, median or most frequent value over the training rows, or
   * 'knn': the mean of the column over the `neighbors` training rows nearest on the values the row does have (as
   * sklearn's KNNImputer: nan-euclidean distance over the columns both rows have, numbers divided by their
   * training standard deviation, a categorical mismatch counting 1). Training rows tied with the k-th nearest are
   * all averaged, so the fill does not depend on row order; a row sharing no present column with any training row
   * that has the value gets the median.
   */
  numericImpute: 'mean' | 'median' | 'most-frequent' | 'knn';
  scale: 'standard' | 'none';
  /** Neighbours numericImpute 'knn' averages (default 5, as KNNImputer). */
  neighbors?: number;
  /**
   * The most training rows numericImpute 'knn' keeps to draw from (default 10,000): past that, every step-th row
   * (a systematic sample, the same on every run). Filling one row reads every donor, so on 160k training rows with
   * 30% of a column missing the fills alone took minutes a fold; the saved pipeline keeps only the sample too.
   */
  maxDonors?: number;
  /**
   * The most one-hot columns one categorical column may take (default 64, at least 2). A column with more levels in
   * the training rows keeps the (maxCategories - 1) most frequent levels seen at least twice (ties by name), and
   * every other level shares one last column, as do levels first seen at prediction (sklearn's min_frequency /
   * max_categories with handle_unknown='infrequent_if_exist'). A column with more levels than that and none seen
   * twice is an identifier (a name, a ticket number): it gets no columns at all, since none of its values can
   * recur in new rows. Without the cap such a column would add a column per training row, memory and fit time
   * quadratic in the rows. Under the cap, a column of at least `identifierLevels` (20) values none of which repeats
   * is taken for an identifier too: a level seen on one row can only be memorized, and 20 draws from a column with
   * as many as 64 levels all differ less than 5% of the time.
   */
  maxCategories?: number;
  /**
   * Read a column whose every present value is an ISO 8601 date ('2012-01-31', with an optional time
   * 'T08:15[:00]' and zone, taken as written) as dates (default true): it becomes the numeric columns
   * `<name>.year`, `.month` (1-12), `.day` (1-31), `.weekday` (0 = Sunday) and, when any value has a time, `.hour`,
   * standardized like any number. A missing or unreadable date is filled with the training rows' median date.
   * Without this a date column is a category per day, which says nothing about a day not in the training rows.
   */
  parseDates?: boolean;
}

export const defaultPreprocess: PreprocessConfig = { numericImpute: 'median', scale: 'standard' };
const defaultMaxDonors = 10_000;

/** maxCategories when the config leaves it out. */
export const defaultMaxCategories = 64;

/** Under the maxCategories cap, this many distinct values with none repeated make a column an identifier. */
export const identifierLevels = 20;

export type FittedColumn =
  | { name: string; kind: 'numeric'; fill: number; mean: number; std: number }
  | {
      name: string;
      kind: 'categorical';
      fill: string | null;
      /** The levels with a column of their own, sorted. */
      categories: string[];
      /** When true, one more column after them holds every other level (rare in training, or unseen). */
      other?: boolean;
      /** How many distinct levels the training rows had (only where it differs from categories.length). */
      levels?: number;
    }
  | {
      name: string;
      kind: 'date';
      /** The median training date (ISO, as written), for missing or unreadable dates. */
      fill: string;
      parts: DatePart[];
      /** Per part, what standardization subtracts and divides by (0 and 1 without scaling). */
      mean: number[];
      std: number[];
    };

export type { DatePart };

/** The one-hot columns a fitted categorical column takes. */
const oneHotWidth = (c: Extract<FittedColumn, { kind: 'categorical' }>): number => c.categories.length + (c.other ? 1 : 0);

/**
 * The training rows numericImpute 'knn' draws from, column by column in the fitted columns' order: numbers as they
 * are, categories as their index among the column's categories; null where missing.
 */
export interface ImputeDonors {
  /** Per column, what a difference is divided by in the distance: the numbers' standard deviation, 1 for categories. */
  spread: number[];
  values: (number | null)[][];
}

/**
 * Cells of one column that a fitted Preprocessor cannot read as given (Preprocessor.unreadableCells): `what` they are
 * ('not a number'), their rows (0-based, in order) and how one shows in a message.
 */
export interface UnreadableCells {
  column: string;
  what: 'not a number' | 'not finite' | 'not a date (2012-01-31)' | 'not seen in training';
  /** True where transform() reads them as missing and fills them; false for an unseen category (read as none). */
  missing: boolean;
  rows: number[];
  show: (row: number) => string;
}

export class Preprocessor {
  readonly config: PreprocessConfig;
  columns: FittedColumn[] = [];
  // numericImpute 'knn': the training rows column by column (NaN where missing, categories as their index) and
  // what each column's differences are divided by; toJSON writes them as ImputeDonors
  private donorColumns?: Float64Array[];
  private donorSpread?: number[];
  // per fitted column index, the note on its infinite training values read as gaps (not saved: it is about the
  // training rows, as the other notes are)
  private nonFinite = new Map<number, string>();
  // per fitted column index, why a text column may be meant as numbers or dates (not saved either)
  private misread = new Map<number, string>();

  constructor(config: Partial<PreprocessConfig> = {}) {
    this.config = { ...defaultPreprocess, ...config };
    const k = this.config.neighbors;
    if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new ArgumentError(`Preprocessor: neighbors must be a positive integer, got ${k}`);
    const most = this.config.maxDonors;
    if (most !== undefined && !(Number.isInteger(most) && most >= 1)) throw new ArgumentError(`Preprocessor: maxDonors must be a positive integer, got ${most}`);
    const m = this.config.maxCategories;
    if (m !== undefined && !(Number.isInteger(m) && m >= 2)) throw new ArgumentError(`Preprocessor: maxCategories must be an integer >= 2, got ${m}`);
  }

  /** A date column's parts for every row of `frame`, missing or unreadable dates filled. */
  private dateParts(frame: Frame, c: Extract<FittedColumn, { kind: 'date' }>): Float64Array[] {
    const values = categoricalValues('Pipeline.predict', frame, c.name);
    const fill = parseDate(c.fill)!;
    const out = c.parts.map(() => new Float64Array(values.length));
    values.forEach((v, r) => {
      const d = (v === null ? undefined : parseDate(v)) ?? fill;
      c.parts.forEach((part, i) => (out[i][r] = d[part]));
    });
    return out;
  }

  /**
   * Fits on the feature columns of a table (its target, if held apart, is ignored). `rowNumbers` names each row as
   * the notes should (row i is rowNumbers[i]): AutoML fits on the rows with a target, and a note's 'row 5' must be the
   * file's row 5, not the fifth labelled one.
   */
  fit(table: Table, rowNumbers?: ArrayLike<number>): this {
    this.fitFilled(table, false, rowNumbers);
    return this;
  }

  /** fit(table) then transform(table), filling the training rows' gaps once (for 'knn' the costly part). */
  fitTransform(table: Table): Matrix {
    const { filled, dates } = this.fitFilled(table, true);
    return this.toMatrix(table, filled, dates);
  }

  /**
   * Fits; returns the training rows' numeric columns filled when `wantFilled` (else possibly nothing), and the date
   * columns' parts where standardization read them (by column index), so fitTransform does not parse them again.
   */
  private fitFilled(table: Table, wantFilled: boolean, rowNumbers?: ArrayLike<number>): { filled: Float64Array[]; dates: Float64Array[][] } {
    this.donorColumns = undefined;
    this.donorSpread = undefined;
    this.nonFinite = new Map();
    this.misread = new Map();
    this.columns = table.columns.map((c, j): FittedColumn => {
      if (c.kind === 'numeric') {
        const infinite = infiniteRows(c.values);
        if (infinite.length > 0) this.nonFinite.set(j, `${c.name}: ${readAsMissing(infinite, 'not finite', (r) => String(c.values[r]), rowNumbers)}`);
        const present = presentValues(c.values);
        // no value at all (a trailing comma on every line makes such a column): no columns, as scikit-learn's
        // SimpleImputer drops it, and new rows need not have it; as a number it had been a constant the search
        // imputed in four ways and predict demanded
        if (present.length === 0) return { name: c.name, kind: 'categorical', fill: null, categories: [], levels: 0 };
        let fill = 0;
        if (present.length > 0) {
          // the median by selection, not a sort: a sort of every column was most of a fit's time on 200,000 rows
          if (this.config.numericImpute === 'most-frequent') fill = mostFrequentNumber(present.sort());
          else if (this.config.numericImpute === 'mean') {
            fill = present.sort().reduce((a, b) => a + b, 0) / present.length;
            // the sum of values past about 1e304 overflows where their mean does not
            if (!Number.isFinite(fill)) fill = scaledMeanStd(present).mean;
          } else {
            const m = present.length >> 1;
            fill = present.length % 2 ? kthSmallest(present, m) : midpoint(kthSmallest(present, m - 1), kthSmallest(present, m));
          }
        }
        return { name: c.name, kind: 'numeric', fill, mean: 0, std: 1 };
      }
      if (this.config.parseDates !== false) {
        const read = readDateColumn(c.values);
        if (read) {
          const { parts, present, dates } = read;
          const order = dates.map((d, i) => ({ at: d.order, i })).sort((a, b) => a.at - b.at || a.i - b.i);
          return { name: c.name, kind: 'date', fill: present[order[(order.length - 1) >> 1].i], parts, mean: parts.map(() => 0), std: parts.map(() => 1) };
        }
      }
      const counts = new Map<string, number>();
      for (const v of c.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      let fill: string | null = null;
      for (const [v, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (fill === null || n > counts.get(fill)!) fill = v;
      if (counts.size === 0) return { name: c.name, kind: 'categorical', fill: null, categories: [], levels: 0 };
      const hint = misreadHint([...counts.keys()]) ?? strayWords(c.values, this.config.parseDates !== false, rowNumbers);
      if (hint) this.misread.set(j, `${c.name}: read as text, though ${hint}`);
      const max = this.config.maxCategories ?? defaultMaxCategories;
      const identifier = counts.size >= identifierLevels && [...counts.values()].every((n) => n === 1);
      if (counts.size <= max && !identifier) return { name: c.name, kind: 'categorical', fill, categories: [...counts.keys()].sort() };
      const kept = [...counts]
        .filter(([, n]) => n >= 2)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, max - 1)
        .map(([v]) => v)
        .sort();
      // an identifier: nothing kept, so a shared column would be constant; a gap is then no information either
      if (kept.length === 0) return { name: c.name, kind: 'categorical', fill: null, categories: [], levels: counts.size };
      return { name: c.name, kind: 'categorical', fill, categories: kept, other: true, levels: counts.size };
    });
    let raw: Float64Array[] | undefined;
    if (this.config.numericImpute === 'knn') {
      const columns = (raw = this.rawColumns(table));
      // copies (a numeric column of a Table comes back as the caller's own array), of every step-th row past maxDonors
      const step = Math.ceil(table.nRows / (this.config.maxDonors ?? defaultMaxDonors));
      this.donorColumns = columns.map((v) => (step <= 1 ? Float64Array.from(v) : Float64Array.from({ length: Math.ceil(v.length / step) }, (_, i) => v[i * step])));
      this.donorSpread = this.columns.map((c, j) => (c.kind === 'numeric' ? presentStd(columns[j]) : 1));
    }
    const standardize = this.config.scale === 'standard' && table.nRows > 0;
    const filled = wantFilled || standardize ? this.filledNumbers(table, raw) : [];
    const dates: Float64Array[][] = [];
    if (standardize) {
      this.columns.forEach((c, j) => {
        if (c.kind === 'date') {
          (dates[j] = this.dateParts(table, c)).forEach((v, i) => {
            const { mean, std } = meanStd(v);
            c.mean[i] = mean;
            c.std[i] = std;
          });
        }
        if (c.kind !== 'numeric') return;
        ({ mean: c.mean, std: c.std } = meanStd(filled[j]));
      });
    }
    return { filled, dates };
  }

  get featureNames(): string[] {
    return this.columns.flatMap((c) => {
      if (c.kind === 'numeric') return [c.name];
      if (c.kind === 'date') return c.parts.map((p) => `${c.name}.${p}`);
      return [...c.categories.map((v) => `${c.name}=${v}`), ...(c.other ? [`${c.name}=(other)`] : [])];
    });
  }

  /**
   * Values of `frame` this preprocessor cannot read and so treats as missing (filled as in training): text in a
   * column fitted as numbers ('unknown', '12 kg'), an infinite number ('inf', '1e400'), or in a date column text that
   * is no ISO date. One line per such column, with the first few values and their rows (0-based), for a caller to
   * show: a typo otherwise passes as a gap. Also, in a categorical column with no shared column for rare levels, a
   * value not seen in training ('purple'), read as none of its categories (all its one-hot columns 0): a typo there
   * passed without a word. Pipeline.predict refuses the first kind by default (unreadableCells says which is which).
   */
  unreadable(frame: Frame): string[] {
    return this.unreadableCells(frame).map((u) => {
      const column = `column ${JSON.stringify(u.column)}`;
      if (u.what === 'not seen in training') return `${column}: ${u.rows.length} value${u.rows.length > 1 ? 's were' : ' was'} not seen in training, read as none of its categories: ${shownRows(u.rows, u.show)}`;
      return `${column}: ${readAsMissing(u.rows, u.what, u.show)}`;
    });
  }

  /**
   * What unreadable() describes, as data: per column and kind, the rows (0-based) and how a value shows. `missing`
   * is true for the cells transform() reads as gaps and fills (text in a number column, an infinite number, a
   * non-date in a date column), false for an unseen category, which is read (as none of its categories, like
   * sklearn's OneHotEncoder(handle_unknown='ignore')) rather than filled. Columns `frame` lacks are skipped.
   */
  unreadableCells(frame: Frame): UnreadableCells[] {
    const present = new Set(columnNames(frame));
    return this.columns.flatMap((c): UnreadableCells[] => {
      if (!present.has(c.name)) return [];
      const column = c.name;
      if (c.kind === 'numeric' && isTable(frame)) {
        // a column of numbers can hold nothing but infinities this cannot read: no text to parse, nor to build
        const col = findColumn(frame, c.name)!;
        if (col.kind === 'numeric') {
          const v = col.values;
          const infinite = infiniteRows(v);
          return infinite.length === 0 ? [] : [{ column, what: 'not finite', missing: true, rows: infinite, show: (r) => String(v[r]) }];
        }
      }
      const values = categoricalValues('Pipeline.predict', frame, c.name, c.kind === 'categorical' ? c.categories : undefined);
      if (c.kind === 'categorical') {
        if (c.other || c.categories.length === 0) return [];
        const known = new Set(c.categories);
        const unseen = values.flatMap((v, r) => (v !== null && !known.has(v) ? [r] : []));
        return unseen.length === 0 ? [] : [{ column, what: 'not seen in training', missing: false, rows: unseen, show: (r) => JSON.stringify(values[r]) }];
      }
      const quoted = (r: number) => JSON.stringify(values[r]);
      if (c.kind === 'date') {
        const bad = values.flatMap((v, r) => (v !== null && parseDate(v) === undefined ? [r] : []));
        return bad.length === 0 ? [] : [{ column, what: 'not a date (2012-01-31)', missing: true, rows: bad, show: quoted }];
      }
      const numbers = values.map((v) => (v === null ? 0 : toNumber(v)));
      const text = values.flatMap((v, r) => (v !== null && Number.isNaN(numbers[r]) ? [r] : []));
      const infinite = infiniteRows(Float64Array.from(numbers));
      return [
        ...(text.length > 0 ? [{ column, what: 'not a number' as const, missing: true, rows: text, show: quoted }] : []),
        ...(infinite.length > 0 ? [{ column, what: 'not finite' as const, missing: true, rows: infinite, show: (r: number) => String(numbers[r]) }] : []),
      ];
    });
  }

  /**
   * One line per column a user should know was read other than as given: a date column ('when: read as dates:
   * year, month, day, weekday'), or a categorical one the maxCategories cap changed ('Title: 3,177 distinct values,
   * none repeated: no columns (an identifier)', 'notes: no values: no columns', 'Director: 551 levels: the 63 most frequent kept, the other 488
   * share one column'), or a numeric one with infinite values read as gaps ('x: 1 value is not finite, read as
   * missing: Infinity (row 5)'; rows count from 0 in the table fitted).
   */
  get notes(): string[] {
    return this.columns.flatMap((c, j) => [...this.columnNotes(c, j), ...(this.misread.has(j) ? [this.misread.get(j)!] : [])]);
  }

  private columnNotes(c: FittedColumn, j: number): string[] {
    if (this.nonFinite.has(j)) return [this.nonFinite.get(j)!];
    if (c.kind === 'date') return [`${c.name}: read as dates: ${c.parts.join(', ')}`];
    if (c.kind !== 'categorical' || c.levels === undefined) return [];
    if (c.levels === 0) return [`${c.name === '' ? '(no name)' : c.name}: no values: no columns`];
    const levels = c.levels.toLocaleString('en-US');
    if (!c.other) return [`${c.name}: ${levels} distinct values, none repeated: no columns (an identifier)`];
    return [`${c.name}: ${levels} levels: the ${c.categories.length} most frequent kept, the other ${(c.levels - c.categories.length).toLocaleString('en-US')} share one column`];
  }

  transform(frame: Frame): Matrix {
    return this.toMatrix(frame, this.filledNumbers(frame));
  }

  private toMatrix(frame: Frame, filled: Float64Array[], dates: Float64Array[][] = []): Matrix {
    const n = frameRows(frame);
    const width = this.columns.reduce((w, c) => w + (c.kind === 'numeric' ? 1 : c.kind === 'date' ? c.parts.length : oneHotWidth(c)), 0);
    const out = matrix(n, width);
    let at = 0;
    this.columns.forEach((c, j) => {
      if (c.kind === 'numeric') {
        const v = filled[j];
        for (let r = 0; r < n; r++) {
          let z = (v[r] - c.mean) / c.std;
          // a difference of two values past about 9e307 overflows; the quotients do not
          if (z - z !== 0) z = v[r] / c.std - c.mean / c.std;
          out.data[r * width + at] = z;
        }
        at += 1;
      } else if (c.kind === 'date') {
        (dates[j] ?? this.dateParts(frame, c)).forEach((v, i) => {
          for (let r = 0; r < n; r++) out.data[r * width + at + i] = (v[r] - c.mean[i]) / c.std[i];
        });
        at += c.parts.length;
      } else if (oneHotWidth(c) > 0) {
        // a column without one-hot columns (an identifier, or never present in training) is not read, so new rows
        // need not have it
        const v = categoricalValues('Pipeline.predict', frame, c.name, c.categories);
        const index = new Map(c.categories.map((cat, i) => [cat, i]));
        const other = c.other ? c.categories.length : undefined;
        for (let r = 0; r < n; r++) {
          const value = v[r] ?? c.fill;
          const code = value === null ? undefined : (index.get(value) ?? other);
          if (code !== undefined) out.data[r * width + at + code] = 1;
        }
        at += oneHotWidth(c);
      }
    });
    return out;
  }

  /** Every column as numbers, NaN where missing: numeric values as they are, categories as their fitted index (unknown ones missing). */
  private rawColumns(frame: Frame): Float64Array[] {
    return this.columns.map((c) => {
      if (c.kind === 'numeric') return finiteOrNaN(numericValues('Pipeline.predict', frame, c.name));
      // dates (filled on their own) and columns without one-hot columns play no part in the knn distances
      if (c.kind === 'date' || oneHotWidth(c) === 0) return new Float64Array(frameRows(frame)).fill(NaN);
      const index = new Map(c.categories.map((cat, i) => [cat, i]));
      const other = c.other ? c.categories.length : NaN;
      return Float64Array.from(categoricalValues('Pipeline.predict', frame, c.name, c.categories), (v) => (v === null ? NaN : (index.get(v) ?? other)));
    });
  }

  /**
   * Numeric columns with their missing values filled (by the fitted constant, or by the nearest donors); empty
   * arrays for categorical ones. `raw`: the frame's rawColumns, when the caller has them already.
   */
  private filledNumbers(frame: Frame, raw?: Float64Array[]): Float64Array[] {
    const donors = this.donorColumns;
    const spread = this.donorSpread;
    if (!donors || !spread) {
      return this.columns.map((c) => {
        if (c.kind !== 'numeric') return new Float64Array(0);
        const fill = c.fill;
        return numericValues('Pipeline.predict', frame, c.name).map((v) => (Number.isFinite(v) ? v : fill));
      });
    }
    raw ??= this.rawColumns(frame);
    const inverse = spread.map((s) => 1 / s);
    const numeric = this.columns.map((c) => c.kind === 'numeric');
    const k = this.config.neighbors ?? 5;
    const d = this.columns.length;
    const nDonors = donors.length > 0 ? donors[0].length : 0;
    const sum = new Float64Array(nDonors);
    const shared = new Int32Array(nDonors);
    const dist = new Float64Array(nDonors);
    const pickDist = new Float64Array(nDonors);
    const pickValue = new Float64Array(nDonors);
    const n = frameRows(frame);
    const out = this.columns.map((c, j) => (numeric[j] ? Float64Array.from(raw[j]) : new Float64Array(0)));
    // a fill reads every donor's every column: a fit in AutoML stops here at its time limit like a learner's
    const spend = checkEvery('k-nearest-neighbour imputation', 1 << 20);
    for (let r = 0; r < n; r++) {
      let anyMissing = false;
      for (let j = 0; j < d; j++) if (numeric[j] && Number.isNaN(raw[j][r])) anyMissing = true;
      if (!anyMissing) continue;
      spend(nDonors * d);
      // nan-euclidean: squared differences over the columns both rows have, scaled up by d / (columns both have);
      // column by column over all donors, so the inner loop is one typed array
      sum.fill(0);
      shared.fill(0);
      for (let j = 0; j < d; j++) {
        const a = raw[j][r];
        if (Number.isNaN(a)) continue;
        const col = donors[j];
        if (numeric[j]) {
          const inv = inverse[j];
          for (let i = 0; i < nDonors; i++) {
            const b = col[i];
            if (b === b) {
              shared[i]++;
              let t = (a - b) * inv;
              // the difference of two values past about 9e307 overflows; the scaled values do not
              if (t - t !== 0) t = a * inv - b * inv;
              sum[i] += t ** 2;
            }
          }
        } else {
          for (let i = 0; i < nDonors; i++) {
            const b = col[i];
            if (b === b) {
              shared[i]++;
              if (a !== b) sum[i] += 1;
            }
          }
        }
      }
      for (let i = 0; i < nDonors; i++) dist[i] = shared[i] === 0 ? Infinity : Math.sqrt((sum[i] * d) / shared[i]);
      for (let j = 0; j < d; j++) {
        if (!numeric[j] || !Number.isNaN(raw[j][r])) continue;
        const col = donors[j];
        let m = 0;
        for (let i = 0; i < nDonors; i++) {
          if (dist[i] === Infinity || Number.isNaN(col[i])) continue;
          pickDist[m] = dist[i];
          pickValue[m++] = col[i];
        }
        if (m === 0) {
          out[j][r] = (this.columns[j] as { fill: number }).fill;
          continue;
        }
        // the k-th smallest distance, then every donor at most that far (ties all in)
        const kth = m <= k ? Infinity : kthSmallest(pickDist.slice(0, m), k - 1);
        let total = 0;
        let count = 0;
        for (let i = 0; i < m; i++) {
          if (pickDist[i] <= kth) {
            total += pickValue[i];
            count++;
          }
        }
        out[j][r] = total / count;
      }
    }
    return out;
  }

  toJSON(): PreprocessorJSON {
    if (!this.donorColumns || !this.donorSpread) return { config: this.config, columns: this.columns };
    const values = this.donorColumns.map((v) => Array.from(v, (x) => (Number.isNaN(x) ? null : x)));
    return { config: this.config, columns: this.columns, donors: { spread: this.donorSpread, values } };
  }

  /**
   * Rebuilds a fitted preprocessor from toJSON()'s form, checking every field it reads: a malformed file is a
   * FormatError naming the field (`fields` says which document and where in it: a pipeline passes its own), where
   * it had been a TypeError or a NaN in every prediction.
   */
  static fromJSON(json: PreprocessorJSON, fields = new JsonFields('Preprocessor.fromJSON')): Preprocessor {
    const o = fields.object(json);
    if (!Array.isArray(o.columns)) throw new FormatError(`${fields.op}: ${fields.path ? `${fields.path}.` : ''}columns must be an array, got ${describeJSON(o.columns)}`);
    const config = o.config === undefined ? {} : fields.at('config').object(o.config);
    if (config.numericImpute !== undefined) fields.at('config').at('numericImpute').oneOf(config.numericImpute, ['mean', 'median', 'most-frequent', 'knn']);
    if (config.scale !== undefined) fields.at('config').at('scale').oneOf(config.scale, ['standard', 'none']);
    let p: Preprocessor;
    try {
      p = new Preprocessor(config as Partial<PreprocessConfig>);
    } catch (err) {
      if (err instanceof ArgumentError) fields.at('config').failWith(err.message);
      throw err;
    }
    p.columns = o.columns.map((c, i) => checkColumn(fields.at('columns').at(i), c));
    if (p.config.numericImpute === 'knn') {
      const donors = o.donors as ImputeDonors | undefined;
      const v = donors?.values;
      if (!Array.isArray(v) || v.length !== p.columns.length || !Array.isArray(donors?.spread)) {
        throw new FormatError(`${fields.op}: ${fields.path ? `${fields.path}: ` : ''}numericImpute 'knn' needs donors with one value array per column (${p.columns.length}), got ${Array.isArray(v) ? v.length : 'none'}`);
      }
      fields.at('donors').at('spread').numbers(donors!.spread, p.columns.length, true);
      const rows = Array.isArray(v[0]) ? v[0].length : 0;
      v.forEach((col, j) => {
        const at = fields.at('donors').at('values').at(j);
        at.array(col, rows);
        for (const x of col) if (x !== null && !(typeof x === 'number' && Number.isFinite(x))) at.fail('finite numbers or null', x);
      });
      p.donorColumns = v.map((col) => Float64Array.from(col, (x) => x ?? NaN));
      p.donorSpread = donors!.spread;
    }
    return p;
  }
}

/** A fitted column read back from JSON, its fields checked (statistics finite, standard deviations positive). */
function checkColumn(fields: JsonFields, json: unknown): FittedColumn {
  const c = fields.object(json);
  fields.at('name').string(c.name);
  const kind = fields.at('kind').oneOf(c.kind, ['numeric', 'categorical', 'date']);
  if (kind === 'numeric') {
    fields.at('fill').number(c.fill);
    fields.at('mean').number(c.mean);
    fields.at('std').number(c.std, true);
  } else if (kind === 'categorical') {
    if (c.fill !== null) fields.at('fill').string(c.fill);
    fields.at('categories').strings(c.categories);
    if (c.other !== undefined && typeof c.other !== 'boolean') fields.at('other').fail('true or false', c.other);
    if (c.levels !== undefined && !(Number.isInteger(c.levels) && (c.levels as number) >= 0)) fields.at('levels').fail('a count', c.levels);
  } else {
    if (parseDate(fields.at('fill').string(c.fill)) === undefined) fields.at('fill').fail('a date (2012-01-31)', c.fill);
    const parts = fields.at('parts').array(c.parts);
    parts.forEach((part, i) => fields.at('parts').at(i).oneOf(part, dateParts));
    fields.at('mean').numbers(c.mean, parts.length);
    fields.at('std').numbers(c.std, parts.length, true);
  }
  return c as FittedColumn;
}

export interface PreprocessorJSON {
  config: PreprocessConfig;
  columns: FittedColumn[];
  donors?: ImputeDonors;
}

/** The value of rank `rank` (0-based) of `a`, by quickselect; reorders `a`. */
function kthSmallest(a: Float64Array, rank: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return a[rank];
  }
  return a[rank];
}

/** The values that are finite (not missing, not infinite), in their order. */
function presentValues(v: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) out[n++] = v[i];
  return n === v.length ? out : out.slice(0, n);
}

/**
 * Why a text column's distinct values may be meant as numbers or dates the reader does not take, or undefined: every
 * value a number with ',' between thousands ('1,000', '12,345.5'; the CSV reader takes '1000' and, with ';' between
 * fields, '0,5'), or a date written day or month first ('01/31/2012', '31.01.2012'; dates are read as 2012-01-31).
 * A user had a column of amounts left out as an identifier, and one of such dates one-hot encoded, without a word.
 */
function misreadHint(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  const thousands = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;
  if (values.every((v) => thousands.test(v.trim()) || /^[+-]?\d{1,3}(\.\d+)?$/.test(v.trim())) && values.some((v) => thousands.test(v.trim()))) {
    return `its values look like numbers with ',' between thousands (${JSON.stringify(values.find((v) => thousands.test(v.trim())))}): without the commas they are read as numbers`;
  }
  const dayOrMonthFirst = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?$/;
  if (values.every((v) => dayOrMonthFirst.test(v.trim()))) return `its values look like dates written day or month first (${JSON.stringify(values[0])}): written year first (2012-01-31) they are read as dates`;
  return undefined;
}

/**
 * Why the text values of a column (a target) may be meant as numbers: misreadHint on its distinct values, or a few
 * words among numbers (strayWords), as a clause: 'its values look like numbers with ',' between thousands ...'.
 */
export function numbersAsTextHint(values: readonly (string | null)[]): string | undefined {
  return misreadHint([...new Set(values.filter((v): v is string => v !== null))]) ?? strayWords(values, false);
}

/**
 * When nearly every value of a text column is a number and a few are words ('high', 'unknown'): those words made the
 * column text, each number its own category. Says which, with rows (counted as `rowNumbers` names them). At least 80%
 * numbers: a column of codes that are mostly numbers is more often a typo than a category. Likewise, where `dates`
 * are read, a column of ISO dates but a few (2012-02-30, 'unknown').
 */
function strayWords(values: readonly (string | null)[], dates: boolean, rowNumbers?: ArrayLike<number>): string | undefined {
  return strays(values, (v) => Number.isFinite(toNumber(v)), 'numbers', rowNumbers) ?? (dates ? strays(values, (v) => parseDate(v) !== undefined, 'dates (2012-01-31)', rowNumbers) : undefined);
}

/**
 * '1,460 of its 1,461 values are dates (2012-01-31) and this one is not: "2012-02-30" (row 59); with it blank or
 * fixed the column is read as dates', when at most a fifth of the present values fail `is`. One bad date had turned
 * a date column into an identifier with no word of why.
 */
function strays(values: readonly (string | null)[], is: (v: string) => boolean, what: string, rowNumbers?: ArrayLike<number>): string | undefined {
  const bad: number[] = [];
  let present = 0;
  values.forEach((v, r) => {
    if (v === null) return;
    present++;
    if (!is(v)) bad.push(r);
  });
  if (bad.length === 0 || bad.length > 0.2 * present) return undefined;
  const shown = shownRows(bad, (r) => JSON.stringify(values[r]), rowNumbers);
  const kind = what.split(' ')[0];
  return `${(present - bad.length).toLocaleString('en-US')} of its ${present.toLocaleString('en-US')} values are ${what} and ${bad.length === 1 ? 'this one is' : `these ${bad.length} are`} not: ${shown}; with ${bad.length === 1 ? 'it' : 'them'} blank or fixed the column is read as ${kind}`;
}

/** The rows of `v` holding +-Infinity. */
function infiniteRows(v: Float64Array): number[] {
  const rows: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] === Infinity || v[i] === -Infinity) rows.push(i);
  return rows;
}

/** `v` with +-Infinity as NaN (a gap); `v` itself when it holds none. */
function finiteOrNaN(v: Float64Array): Float64Array {
  for (let i = 0; i < v.length; i++) if (v[i] === Infinity || v[i] === -Infinity) return v.map((x) => (Number.isFinite(x) ? x : NaN));
  return v;
}

/** '2 values are not finite, read as missing: Infinity (row 2), -Infinity (row 4)': what notes and unreadable say. */
function readAsMissing(rows: number[], what: string, show: (row: number) => string, rowNumbers?: ArrayLike<number>): string {
  return valuesAre(rows, `${what}, read as missing`, show, rowNumbers);
}

/** (a + b) / 2, without the overflow of a + b for values past about 9e307. */
function midpoint(a: number, b: number): number {
  const m = (a + b) / 2;
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

/**
 * Mean and population standard deviation of the non-NaN values that no finite input overflows: the values divided
 * by the largest |value| before summing, the deviations by the largest |deviation| before squaring. The fallback
 * of meanStd and presentStd, whose plain sums (bit for bit what they always were) overflow past about 1e154.
 */
function scaledMeanStd(v: Float64Array): { mean: number; std: number } {
  let n = 0;
  let big = 0;
  for (const x of v) {
    if (x !== x) continue;
    n++;
    big = Math.max(big, Math.abs(x));
  }
  if (n === 0 || big === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (const x of v) if (x === x) sum += x / big;
  const scaledMean = sum / n;
  let dev = 0;
  for (const x of v) if (x === x) dev = Math.max(dev, Math.abs(x / big - scaledMean));
  let ss = 0;
  if (dev > 0) for (const x of v) if (x === x) ss += ((x / big - scaledMean) / dev) ** 2;
  // at most twice the largest value: past Number.MAX_VALUE only for values of both signs near it
  return { mean: scaledMean * big, std: Math.min(Math.sqrt(ss / n) * dev * big, Number.MAX_VALUE) };
}

/** Mean and population standard deviation (1 when it is all but zero: a constant column stays as it is, centred). */
function meanStd(v: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  let mean = sum / v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
  let variance = ss / v.length;
  if (!Number.isFinite(variance)) {
    // values past about 1e154: the plain sums above overflow
    const scaled = scaledMeanStd(v);
    mean = scaled.mean;
    return { mean, std: scaled.std > 1e-12 ? scaled.std : 1 };
  }
  return { mean, std: variance > 1e-24 ? Math.sqrt(variance) : 1 };
}

/** Population standard deviation of the non-NaN values (1 when there are fewer than two or they are all equal). */
function presentStd(v: Float64Array): number {
  let n = 0;
  let mean = 0;
  for (const x of v) if (!Number.isNaN(x)) mean += (x - mean) / ++n;
  let ss = 0;
  for (const x of v) if (!Number.isNaN(x)) ss += (x - mean) ** 2;
  let std = n > 0 ? Math.sqrt(ss / n) : 0;
  // values past about 1e154: the plain sums above overflow
  if (!Number.isFinite(std)) std = scaledMeanStd(v).std;
  return std > 1e-12 ? std : 1;
}

/** The most frequent value of a sorted array (the smallest on ties). */
function mostFrequentNumber(sorted: Float64Array): number {
  let best = sorted[0];
  let bestRun = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestRun) {
      bestRun = j - i;
      best = sorted[i];
    }
    i = j;
  }
  return best;
}
