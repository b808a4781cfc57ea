// Journal: one JSON line per finished trial, after a header line that identifies the study. Each
// line is appended with a single write followed by fsync, so a crash can at worst leave a partial
// LAST line; reading detects that line (it lacks its newline), warns, and cuts it off before new
// lines are appended. Any other malformed line is a FormatError naming the file and line.

import { ArgumentError, FormatError } from '../core/errors.js';
import { nodeBuiltin } from '../core/node-builtins.js';
import type { Direction } from './pareto.js';
import type { Report, TrialRecord, TrialState } from './strategies/types.js';

/** What a journal's refusal in a browser advises: a study keeps its trials in memory without one. */
const NO_JOURNAL = 'leave out journal (the study keeps its trials in memory)';

export interface JournalHeader {
  readonly seed: number;
  readonly directions: readonly Direction[];
  /** The space's toString(): a resumed study must search the same space. */
  readonly space: string;
  readonly strategy: string;
  /**
   * What a trial measures beyond its config, when the caller says (NAS: the data's fingerprint, the objectives, the
   * epochs): a resumed study must measure the same. A journal written without one resumes as before.
   */
  readonly task?: string;
}

export interface JournalContents<C> {
  readonly header: JournalHeader | null;
  /** Finished trials in the order they were written. */
  readonly trials: TrialRecord<C>[];
  /** Byte length of the well-formed prefix; shorter than the file when the last line was cut. */
  readonly validBytes: number;
  readonly truncated: boolean;
}

const STATES: readonly TrialState[] = ['complete', 'pruned', 'failed'];

/** Reads a journal; a truncated last line is reported through `onWarning` and left out. */
export function readJournal<C>(file: string, onWarning: (message: string) => void = () => {}): JournalContents<C> {
  const text = nodeBuiltin('fs', 'readJournal', NO_JOURNAL).readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? ''; // '' when the file ends with a newline
  const truncated = last.length > 0;
  if (truncated) onWarning(`journal ${file}: ignoring truncated last line ${lines.length + 1} (${last.length} bytes, a write cut short)`);
  let header: JournalHeader | null = null;
  const trials: TrialRecord<C>[] = [];
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    if (line.trim() === '') throw new FormatError('journal lines must not be empty', file, where);
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new FormatError(`journal line must be JSON, got ${(e as Error).message}`, file, where);
    }
    if (typeof obj !== 'object' || obj === null) throw new FormatError(`journal line must be an object, got ${line.slice(0, 40)}`, file, where);
    if (i === 0) {
      if (obj.type !== 'study') throw new FormatError(`first journal line must be the study header, got type ${JSON.stringify(obj.type)}`, file, where);
      header = parseHeader(obj, file, where);
    } else {
      if (obj.type !== 'trial') throw new FormatError(`journal line must be a trial, got type ${JSON.stringify(obj.type)}`, file, where);
      trials.push(parseTrial<C>(obj, file, where));
    }
  });
  const validBytes = Buffer.byteLength(text, 'utf8') - Buffer.byteLength(last, 'utf8');
  return { header, trials, validBytes, truncated };
}

/** An open journal: append finished trials one line at a time. */
export class Journal {
  private constructor(
    readonly file: string,
    private fd: number | null,
  ) {}

  /**
   * Opens `file` for a study with `header`. An existing journal must carry the same header (same
   * seed, directions, space, strategy); its trials are returned so the study can resume.
   */
  static open<C>(file: string, header: JournalHeader, onWarning?: (message: string) => void): { journal: Journal; trials: TrialRecord<C>[] } {
    const fs = nodeBuiltin('fs', 'Journal.open', NO_JOURNAL);
    let trials: TrialRecord<C>[] = [];
    if (fs.existsSync(file) && fs.statSync(file).size > 0) {
      const read = readJournal<C>(file, onWarning);
      if (read.header) {
        const mismatch = headerMismatch(read.header, header);
        if (mismatch) throw new ArgumentError(`Journal.open: ${file} belongs to another study, ${mismatch}`);
      }
      if (read.truncated) fs.truncateSync(file, read.validBytes);
      trials = read.trials;
      const fd = fs.openSync(file, 'a');
      const journal = new Journal(file, fd);
      if (!read.header) journal.writeLine({ type: 'study', ...header });
      return { journal, trials };
    }
    const journal = new Journal(file, fs.openSync(file, 'a'));
    journal.writeLine({ type: 'study', ...header });
    return { journal, trials };
  }

  append<C>(trial: TrialRecord<C>): void {
    this.writeLine({ type: 'trial', ...trial, values: trial.values.map(encodeNum), reports: trial.reports.map(([s, v]) => [s, encodeNum(v)]) });
  }

  close(): void {
    if (this.fd !== null) nodeBuiltin('fs', 'Journal.close', NO_JOURNAL).closeSync(this.fd);
    this.fd = null;
  }

  private writeLine(obj: object): void {
    if (this.fd === null) throw new ArgumentError(`Journal.append: journal ${this.file} must be open, got a closed one`);
    const fs = nodeBuiltin('fs', 'Journal.append', NO_JOURNAL);
    const buf = Buffer.from(JSON.stringify(obj) + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    fs.fsyncSync(this.fd);
  }
}

// JSON has no NaN or Infinity; objectives may report them.
function encodeNum(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decodeNum(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  return null;
}

function headerMismatch(a: JournalHeader, b: JournalHeader): string | null {
  if (a.seed !== b.seed) return `seed ${a.seed} vs ${b.seed}`;
  if (a.directions.join() !== b.directions.join()) return `directions [${a.directions.join(',')}] vs [${b.directions.join(',')}]`;
  if (a.strategy !== b.strategy) return `strategy ${a.strategy} vs ${b.strategy}`;
  if (a.space !== b.space) return `a different space:\n${a.space}\nvs\n${b.space}`;
  // a journal from before the task was recorded has none: it resumes as it always did
  if (a.task !== undefined && b.task !== undefined && a.task !== b.task) return `what its trials measured: ${a.task}\nvs now: ${b.task}`;
  return null;
}

function parseHeader(o: Record<string, unknown>, file: string, where: string): JournalHeader {
  const ok =
    typeof o.seed === 'number' &&
    Array.isArray(o.directions) &&
    o.directions.every((d) => d === 'minimize' || d === 'maximize') &&
    typeof o.space === 'string' &&
    typeof o.strategy === 'string';
  if (!ok) throw new FormatError('study header must have seed, directions, space and strategy', file, where);
  if (o.task !== undefined && typeof o.task !== 'string') throw new FormatError('study header task must be a string', file, where);
  return { seed: o.seed as number, directions: o.directions as Direction[], space: o.space as string, strategy: o.strategy as string, ...(typeof o.task === 'string' ? { task: o.task } : {}) };
}

function parseTrial<C>(o: Record<string, unknown>, file: string, where: string): TrialRecord<C> {
  const bad = (what: string): never => {
    throw new FormatError(`trial ${what}`, file, where);
  };
  if (!Number.isInteger(o.index) || (o.index as number) < 0) bad(`index must be a non-negative integer, got ${JSON.stringify(o.index)}`);
  if (!STATES.includes(o.state as TrialState)) bad(`state must be one of ${STATES.join('|')}, got ${JSON.stringify(o.state)}`);
  if (typeof o.config !== 'object' || o.config === null) bad('config must be an object');
  if (!Array.isArray(o.values)) bad('values must be an array');
  const values = (o.values as unknown[]).map((v) => decodeNum(v) ?? bad(`values must be numbers, got ${JSON.stringify(v)}`));
  if (!Array.isArray(o.reports)) bad('reports must be an array');
  const reports = (o.reports as unknown[]).map((r): Report => {
    if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number') return bad(`reports must be [step, value] pairs, got ${JSON.stringify(r)}`);
    return [r[0], decodeNum(r[1]) ?? bad(`report values must be numbers, got ${JSON.stringify(r[1])}`)];
  });
  if (typeof o.durationMs !== 'number') bad('durationMs must be a number');
  const rec: TrialRecord<C> = {
    index: o.index as number,
    config: o.config as C,
    state: o.state as TrialState,
    values,
    reports,
    durationMs: o.durationMs as number,
    ...(typeof o.budget === 'number' ? { budget: o.budget } : {}),
    ...(typeof o.meta === 'object' && o.meta !== null ? { meta: o.meta as Record<string, number | string> } : {}),
    ...(typeof o.error === 'string' ? { error: o.error } : {}),
  };
  return rec;
}
