// One entry for a table file, whatever its format: the extension picks the reader (CSV/TSV, ARFF, JSON records).
import { FormatError } from '../errors.js';
import { type Table, readCsv, withTarget } from './csv.js';
import { readArff } from './arff.js';
import { readJsonTable } from './json.js';
import { nodeBuiltin } from '../node-builtins.js';
const nodeFs = () => nodeBuiltin('fs', 'readTable');
const nodePath = () => nodeBuiltin('path', 'readTable');

/** The extensions readTable knows, lower case. */
export const TABLE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.arff', '.json'] as const;

/**
 * Reads a table file: `.arff` with the ARFF reader, `.json` as an array of records (recordsToTable), anything else
 * as delimited text (the CSV reader sniffs ',', ';' or tab). With `target` that column is held apart as
 * `table.target` (an unknown name is an ArgumentError listing the columns); `categoricalIfPresent` reads those
 * columns, where the file has them, as categories even when every value is a number (CsvOptions). Errors name the
 * file and the place.
 */
export function readTable(path: string, opts: { target?: string; categoricalIfPresent?: readonly string[] } = {}): Table {
  const ext = nodePath().extname(path).toLowerCase();
  return readWhole(path, () => {
    // ARFF declares its columns' types
    if (ext === '.arff') return readArff(path, { target: opts.target });
    if (ext === '.json') {
      const table = readJsonTable(path, { categorical: opts.categoricalIfPresent });
      return withTarget(table.columns, opts.target, path);
    }
    return readCsv(path, opts);
  });
}

/**
 * Runs `read`, which decodes the file at `path` into one string, turning the engine's refusal of a string past its
 * longest (2^29 - 24 characters in V8, about 512 MiB) into a FormatError naming the file and its size: what the user
 * can act on, where it had been reported as an internal error.
 */
export function readWhole<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    const tooLong = (err as { code?: string })?.code === 'ERR_STRING_TOO_LONG' || (err instanceof RangeError && err.message === 'Invalid string length');
    if (!tooLong) throw err;
    const mib = (nodeFs().statSync(path).size / 2 ** 20).toFixed(0);
    throw new FormatError(`a table file is read whole as one string, and JavaScript makes none longer than about 512 MiB; this one is ${mib} MiB: split it or take a sample of its rows`, path);
  }
}
