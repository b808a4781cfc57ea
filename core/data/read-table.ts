// One entry for a table file, whatever its format: the extension picks the reader (CSV/TSV, ARFF, JSON records).
import { extname } from 'node:path';
import { type Table, readCsv, withTarget } from './csv.js';
import { readArff } from './arff.js';
import { readJsonTable } from './json.js';

/** The extensions readTable knows, lower case. */
export const TABLE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.arff', '.json'] as const;

/**
 * Reads a table file: `.arff` with the ARFF reader, `.json` as an array of records (recordsToTable), anything else
 * as delimited text (the CSV reader sniffs ',', ';' or tab). With `target` that column is held apart as
 * `table.target` (an unknown name is an ArgumentError listing the columns). Errors name the file and the place.
 */
export function readTable(path: string, opts: { target?: string } = {}): Table {
  const ext = extname(path).toLowerCase();
  if (ext === '.arff') return readArff(path, opts);
  if (ext === '.json') {
    const table = readJsonTable(path);
    return withTarget(table.columns, opts.target, path);
  }
  return readCsv(path, opts);
}
