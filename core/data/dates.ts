// ISO 8601 dates in a table: which columns are dates and the numbers a date becomes (year, month, day, weekday,
// hour). AutoML's preprocessing and rule induction both read a date column this way, so a rule or a pipeline sees
// '2012-01-31' as January, a Tuesday, not as a category of its own.

/** The numbers a date column becomes, in this order. */
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour';

export const dateParts: readonly DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];

/**
 * '2012-01-31', with an optional time 'T08:15[:00[.000]]' (or a space) and zone; also year first with slashes,
 * '2012/01/31 08:15' (as many logs and exports write it: the flights in vega-datasets), never day or month first,
 * which would be ambiguous.
 */
export const isoDate = /^(\d{4})([-/])(\d{2})\2(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface ParsedDate {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  hour: number;
  /** Whether the value had a time of day. */
  time: boolean;
  /** Milliseconds for ordering (the time as written, no zone conversion). */
  order: number;
}

/** An ISO 8601 date's parts as written (no zone conversion), or undefined when it is not one or not a real day. */
export function parseDate(v: string): ParsedDate | undefined {
  const m = isoDate.exec(v);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const hour = m[5] === undefined ? 0 : Number(m[5]);
  const minute = m[6] === undefined ? 0 : Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  const at = new Date(Date.UTC(year, month - 1, day));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return undefined;
  return { year, month, day, weekday: at.getUTCDay(), hour, time: m[5] !== undefined, order: at.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 };
}

/**
 * The parts a column becomes when every present value is an ISO date (year, month, day, weekday, and hour when any
 * value has a time), with the parsed values; undefined for a column with no values or any value not a date.
 */
export function readDateColumn(values: readonly (string | null)[]): { parts: DatePart[]; present: string[]; dates: ParsedDate[] } | undefined {
  const present = values.filter((v): v is string => v !== null);
  // the regex first: it fails on the first value of a column of words, before any date arithmetic
  if (present.length === 0 || !present.every((v) => isoDate.test(v))) return undefined;
  const dates: ParsedDate[] = [];
  for (const v of present) {
    const d = parseDate(v);
    if (d === undefined) return undefined;
    dates.push(d);
  }
  const withHour = dates.some((d) => d.time);
  return { parts: dateParts.filter((p) => withHour || p !== 'hour'), present, dates };
}
