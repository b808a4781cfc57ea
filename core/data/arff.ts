// Weka ARFF: `@relation`, `@attribute name type` lines, then `@data` rows (dense, or sparse `{index value, ...}`).
// Read into the same Table as CSV; nominal attributes keep their declared value order as their categories.
import { FormatError } from '../errors.js';
import { type Column, type Table, categoricalColumn, decodeUtf8, numericColumn, withTarget } from './csv.js';
import { readFileOf } from '../node-builtins.js';

export interface ArffOptions {
  /** Name of the attribute to hold apart as `target` (Weka's convention is the last one). */
  target?: string;
  fileName?: string;
}

export interface ArffTable extends Table {
  relation: string;
}

type AttrType = { kind: 'numeric' } | { kind: 'nominal'; values: string[] } | { kind: 'string' };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Splits on `sep` outside '…' and "…" (backslash escapes inside), trimming unquoted parts; `quoted[i]` tells which were quoted. */
function splitFields(s: string, sep: string, fail: (why: string) => never): { fields: string[]; quoted: boolean[] } {
  const fields: string[] = [];
  const quoted: boolean[] = [];
  let i = 0;
  for (;;) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    const q = s[i];
    if (q === "'" || q === '"') {
      let value = '';
      i++;
      while (i < s.length && s[i] !== q) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        value += s[i++];
      }
      if (i >= s.length) fail(`quoted value ${q}${value.slice(0, 20)} is never closed`);
      i++;
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (i < s.length && s[i] !== sep) fail(`a closing quote must be followed by ${JSON.stringify(sep)}, got ${JSON.stringify(s[i])}`);
      fields.push(value);
      quoted.push(true);
    } else {
      const end = s.indexOf(sep, i);
      fields.push(s.slice(i, end < 0 ? s.length : end).trim());
      quoted.push(false);
      i = end < 0 ? s.length : end;
    }
    if (i >= s.length) return { fields, quoted };
    i++; // the separator
  }
}

/** Strips a % comment that starts outside quotes. */
function stripComment(line: string): string {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === "'" || c === '"') q = c;
    else if (c === '%') return line.slice(0, i);
  }
  return line;
}

/** Reads a leading name (quoted or a bare word) and returns it with the rest of the line. */
function takeName(s: string, fail: (why: string) => never): [string, string] {
  s = s.trim();
  const q = s[0];
  if (q === "'" || q === '"') {
    let i = 1;
    let name = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') i++;
      name += s[i++];
    }
    if (i >= s.length) fail(`quoted name ${s.slice(0, 20)} is never closed`);
    return [name, s.slice(i + 1).trim()];
  }
  const m = /^([^\s{]+)\s*(.*)$/.exec(s); // `@attribute class{a,b}` has no space before the values
  if (!m) fail('expected a name');
  return [m[1]!, m[2]!];
}

/** Parses ARFF text into a Table plus its relation name. FormatError names `fileName` and the line. */
export function parseArff(text: string, opts: ArffOptions = {}): ArffTable {
  const file = opts.fileName;
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  const names: string[] = [];
  const types: AttrType[] = [];
  let relation: string | undefined;
  let dataAt = -1;
  for (let k = 0; k < lines.length && dataAt < 0; k++) {
    const fail = (why: string): never => {
      throw new FormatError(`arff: ${why}`, file, `line ${k + 1}`);
    };
    const line = stripComment(lines[k]!).trim();
    if (!line) continue;
    const m = /^@(\w+)\s*(.*)$/.exec(line);
    if (!m) fail(`expected @relation, @attribute or @data, got ${JSON.stringify(line.slice(0, 40))}`);
    const keyword = m![1]!.toLowerCase();
    if (keyword === 'relation') {
      if (relation !== undefined) fail('@relation must appear once, got a second one');
      relation = takeName(m![2]!, fail)[0];
    } else if (keyword === 'attribute') {
      if (relation === undefined) fail('@relation must come before the first @attribute');
      const [name, typeText] = takeName(m![2]!, fail);
      if (names.includes(name)) fail(`attribute names must be unique, got ${JSON.stringify(name)} twice`);
      const lower = typeText.toLowerCase();
      let type: AttrType;
      if (lower === 'numeric' || lower === 'real' || lower === 'integer') type = { kind: 'numeric' };
      else if (lower === 'string' || lower.startsWith('date')) type = { kind: 'string' };
      else if (lower === 'relational') fail(`attribute ${JSON.stringify(name)} is relational, which whittle does not read`);
      else if (typeText.startsWith('{') && typeText.endsWith('}')) {
        const values = splitFields(typeText.slice(1, -1), ',', fail).fields;
        if (new Set(values).size !== values.length) fail(`nominal values of ${JSON.stringify(name)} must be unique, got {${values.join(',')}}`);
        type = { kind: 'nominal', values };
      } else fail(`attribute ${JSON.stringify(name)} type must be numeric, real, integer, string, date or {values}, got ${JSON.stringify(typeText)}`);
      names.push(name);
      types.push(type!);
    } else if (keyword === 'data') {
      if (names.length === 0) fail('@data must follow at least one @attribute');
      dataAt = k + 1;
    } else fail(`unknown declaration @${m![1]}`);
  }
  if (dataAt < 0) throw new FormatError('arff: file must have a @data section, got none', file, `line ${lines.length}`);

  const raw: (string | null)[][] = names.map(() => []);
  for (let k = dataAt; k < lines.length; k++) {
    const fail = (why: string): never => {
      throw new FormatError(`arff: ${why}`, file, `line ${k + 1}`);
    };
    const line = stripComment(lines[k]!).trim();
    if (!line) continue;
    let row: (string | null)[];
    if (line.startsWith('{')) {
      // sparse: omitted values are 0 (numeric) or the first declared value (nominal), as in Weka
      if (!line.endsWith('}')) fail('sparse row must end with }');
      row = types.map((t) => (t.kind === 'numeric' ? '0' : t.kind === 'nominal' ? t.values[0]! : ''));
      const inner = line.slice(1, -1).trim();
      for (const pair of inner ? splitFields(inner, ',', fail).fields : []) {
        const sp = /^(\d+)\s+(.*)$/.exec(pair);
        if (!sp) fail(`sparse entry must be "index value", got ${JSON.stringify(pair)}`);
        const index = Number(sp![1]);
        if (index >= names.length) fail(`sparse index must be below ${names.length}, got ${index}`);
        const value = splitFields(sp![2]!, ',', fail);
        row[index] = value.fields[0] === '?' && !value.quoted[0] ? null : value.fields[0]!;
      }
    } else {
      const { fields, quoted } = splitFields(line, ',', fail);
      if (fields.length !== names.length) fail(`expected ${names.length} fields, got ${fields.length}`);
      row = fields.map((f, i) => (f === '?' && !quoted[i] ? null : f));
    }
    row.forEach((v, i) => {
      const t = types[i]!;
      if (v !== null && t.kind === 'numeric' && !NUMBER.test(v)) fail(`attribute ${JSON.stringify(names[i])} must be numeric, got ${JSON.stringify(v)}`);
      if (v !== null && t.kind === 'nominal' && !t.values.includes(v)) fail(`attribute ${JSON.stringify(names[i])} must be one of {${t.values.join(',')}}, got ${JSON.stringify(v)}`);
      raw[i]!.push(v);
    });
  }
  const columns = names.map((name, i): Column => {
    const t = types[i]!;
    if (t.kind === 'numeric') return numericColumn(name, raw[i]!.map((v) => (v === null ? NaN : Number(v))));
    return categoricalColumn(name, raw[i]!, t.kind === 'nominal' ? t.values : undefined);
  });
  return { ...withTarget(columns, opts.target, file ?? 'parseArff'), relation: relation! };
}

/** Reads an ARFF file (UTF-8) into a Table. */
export function readArff(path: string, opts: Omit<ArffOptions, 'fileName'> = {}): ArffTable {
  const buf = readFileOf(path, 'readArff');
  return parseArff(decodeUtf8(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path), { ...opts, fileName: path });
}
