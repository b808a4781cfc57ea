// Rules files: JSON written atomically, read back through a whitelist. A hostile file (wrong types, unknown operators
// or features, __proto__/constructor/prototype keys, deep nesting) is a FormatError naming the file and the JSON path;
// parsing goes into null-prototype objects and the model is rebuilt from checked values, so no prototype is ever touched.
import { type DatePart, dateParts } from '../../core/data/dates.js';
import { FormatError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { nodeBuiltin } from '../../core/node-builtins.js';
import { type Condition, NOMINAL_OPS, NUMERIC_OPS } from './condition.js';
import type { FeatureInfo } from './data.js';
import { type Rule, RuleModel } from './model.js';
import { describeJSON } from '../automl/json-fields.js';

const MAX_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 16;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Writes a model as JSON, atomically: a crash leaves the old file, never half a new one. */
export function saveRules(model: RuleModel, path: string): void {
  writeFileAtomic(path, JSON.stringify(model.toJSON(), null, 2) + '\n');
}

export function loadRules(path: string): RuleModel {
  const fs = nodeBuiltin('fs', 'loadRules', "pass the file's text to parseRules");
  const size = fs.statSync(path).size;
  if (size > MAX_BYTES) throw new FormatError(`a rules file must be at most ${MAX_BYTES} bytes, got ${size}`, path);
  const bytes = fs.readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError('a rules file must be UTF-8 text, got invalid bytes', path);
  }
  return parseRules(text, path);
}

/** Parses and checks the text of a rules file; `file` names it in errors. */
export function parseRules(text: string, file = '<rules>'): RuleModel {
  checkDepth(text, file);
  let json: unknown;
  try {
    json = JSON.parse(text, nullPrototype);
  } catch (err) {
    throw new FormatError(`rules must be valid JSON, got ${(err as Error).message}`, file);
  }
  return rulesFromJSON(json, file);
}

/** Rebuilds every object without a prototype, defining keys rather than assigning them. */
function nullPrototype(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(value)) Object.defineProperty(out, k, { value: (value as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Rejects nesting deeper than MAX_DEPTH before JSON.parse sees the text (a deep file must not blow the stack),
 * naming the JSON path where it goes too deep. Malformed text is left for JSON.parse to report.
 */
function checkDepth(text: string, file: string): void {
  const stack: { array: boolean; key: string | number }[] = [];
  let inString = false;
  let start = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) {
        inString = false;
        const top = stack[stack.length - 1];
        if (top && !top.array && expectKey) top.key = safeKey(text.slice(start, i + 1));
      }
      continue;
    }
    if (c === 34) {
      inString = true;
      start = i;
    } else if (c === 123 || c === 91) {
      if (stack.length >= MAX_DEPTH) throw new FormatError(`rules may nest at most ${MAX_DEPTH} levels, got deeper at byte ${i}`, file, pathOf(stack));
      stack.push({ array: c === 91, key: c === 91 ? 0 : '' });
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      stack.pop();
      expectKey = false;
    } else if (c === 58) expectKey = false;
    else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.array) top.key = (top.key as number) + 1;
      else expectKey = true;
    }
  }
}

function safeKey(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return '?';
  }
}

function pathOf(stack: { array: boolean; key: string | number }[]): string {
  return '$' + stack.map((s) => (s.array ? `[${s.key}]` : /^[A-Za-z_$][\w$]*$/.test(s.key as string) ? `.${s.key}` : `[${JSON.stringify(s.key)}]`)).join('');
}

/** Checks a parsed rules object against the format and builds the model. */
export function rulesFromJSON(json: unknown, file = '<rules>'): RuleModel {
  const fail = (path: string, msg: string): never => {
    throw new FormatError(msg, file, path);
  };
  // an absent field reads 'none' (it had read 'undefined undefined')
  const describe = describeJSON;
  const obj = (v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, Json> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, `must be an object, got ${describe(v)}`);
    const keys = Object.keys(v);
    for (const k of keys) {
      if (FORBIDDEN.has(k)) fail(`${path}.${k}`, `key ${JSON.stringify(k)} is not allowed`);
      if (!required.includes(k) && !optional.includes(k)) fail(`${path}.${k}`, `unknown key, expected one of ${[...required, ...optional].join(', ')}`);
    }
    for (const k of required) if (!keys.includes(k)) fail(path, `must have key ${JSON.stringify(k)}, got none`);
    return v as Record<string, Json>;
  };
  const arr = (v: unknown, path: string, max = 1_000_000): Json[] => {
    if (!Array.isArray(v)) return fail(path, `must be an array, got ${describe(v)}`);
    if (v.length > max) fail(path, `must have at most ${max} items, got ${v.length}`);
    return v;
  };
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, `must be a string, got ${describe(v)}`));
  const num = (v: unknown, path: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, `must be a finite number, got ${describe(v)}`));
  const uniqueStrings = (v: unknown, path: string): string[] => {
    const out = arr(v, path).map((s, i) => str(s, `${path}[${i}]`));
    const seen = new Set<string>();
    out.forEach((s, i) => {
      if (seen.has(s)) fail(`${path}[${i}]`, `must not repeat a value, got ${JSON.stringify(s)} twice`);
      seen.add(s);
    });
    return out;
  };

  const root = obj(json, '$', ['format', 'version', 'mode', 'target', 'classes', 'features', 'rules', 'default'], ['algorithm']);
  if (root.format !== 'whittle-rules') fail('$.format', `must be "whittle-rules", got ${describe(root.format)}`);
  if (root.version !== 1) fail('$.version', `must be 1, got ${describe(root.version)}`);
  const mode = root.mode === 'ordered' || root.mode === 'unordered' ? root.mode : fail('$.mode', `must be "ordered" or "unordered", got ${describe(root.mode)}`);
  const algorithm = root.algorithm === undefined ? 'rules' : str(root.algorithm, '$.algorithm');
  const target = str(root.target, '$.target');
  const classes = uniqueStrings(root.classes, '$.classes');
  if (classes.length === 0) fail('$.classes', 'must name at least one class, got none');

  const features: FeatureInfo[] = arr(root.features, '$.features').map((f, i) => {
    const path = `$.features[${i}]`;
    const kind = obj(f, path, ['name', 'kind'], ['categories', 'date']).kind;
    const o = f as Record<string, Json>;
    const name = str(o.name, `${path}.name`);
    if (FORBIDDEN.has(name)) fail(`${path}.name`, `feature name ${JSON.stringify(name)} is not allowed`);
    if (kind === 'numeric') {
      if (o.categories !== undefined) fail(`${path}.categories`, 'a numeric feature has no categories');
      if (o.date === undefined) return { name, kind: 'numeric', categories: [] };
      const d = obj(o.date, `${path}.date`, ['column', 'part']);
      const column = str(d.column, `${path}.date.column`);
      if (FORBIDDEN.has(column)) fail(`${path}.date.column`, `column name ${JSON.stringify(column)} is not allowed`);
      const part = str(d.part, `${path}.date.part`);
      if (!(dateParts as readonly string[]).includes(part)) fail(`${path}.date.part`, `must be one of ${dateParts.join(', ')}, got ${JSON.stringify(part)}`);
      return { name, kind: 'numeric', categories: [], date: { column, part: part as DatePart } };
    }
    if (o.date !== undefined) fail(`${path}.date`, 'a categorical feature is not read from a date');
    if (kind !== 'categorical') fail(`${path}.kind`, `must be "numeric" or "categorical", got ${describe(kind)}`);
    return { name, kind: 'categorical', categories: uniqueStrings(o.categories, `${path}.categories`) };
  });
  const byName = new Map<string, FeatureInfo>();
  features.forEach((f, i) => {
    if (byName.has(f.name)) fail(`$.features[${i}].name`, `must not repeat a feature, got ${JSON.stringify(f.name)} twice`);
    byName.set(f.name, f);
  });

  const counts = (v: unknown, path: string): number[] => {
    const out = arr(v, path).map((c, i) => num(c, `${path}[${i}]`));
    if (out.length !== classes.length) fail(path, `must have one count per class (${classes.length}), got ${out.length}`);
    out.forEach((c, i) => c < 0 && fail(`${path}[${i}]`, `must be >= 0, got ${c}`));
    return out;
  };
  const className = (v: unknown, path: string): string => {
    const c = str(v, path);
    return classes.includes(c) ? c : fail(path, `must be one of the classes, got ${JSON.stringify(c)}`);
  };
  const condition = (v: unknown, path: string): Condition => {
    const o = obj(v, path, ['feature', 'op'], ['value', 'values']);
    const name = str(o.feature, `${path}.feature`);
    const f = byName.get(name) ?? fail(`${path}.feature`, `must name a feature of the model, got ${JSON.stringify(name)}`);
    const op = str(o.op, `${path}.op`);
    if (!(NUMERIC_OPS as readonly string[]).includes(op) && !NOMINAL_OPS.includes(op)) fail(`${path}.op`, `must be one of ${[...NUMERIC_OPS, ...NOMINAL_OPS].join(' ')}, got ${JSON.stringify(op)}`);
    const numericOp = (NUMERIC_OPS as readonly string[]).includes(op);
    if (numericOp !== (f.kind === 'numeric')) fail(`${path}.op`, `${JSON.stringify(op)} does not apply to ${f.kind} feature ${JSON.stringify(name)}`);
    const known = (s: string, p: string): string => (f.categories.includes(s) ? s : fail(p, `must be a category of ${JSON.stringify(name)}, got ${JSON.stringify(s)}`));
    if (op === 'in') {
      if (o.value !== undefined) fail(`${path}.value`, 'an "in" condition takes values, not value');
      const values = uniqueStrings(o.values, `${path}.values`).map((s, i) => known(s, `${path}.values[${i}]`));
      if (values.length === 0) fail(`${path}.values`, 'must hold at least one category, got none');
      return { feature: name, op: 'in', values };
    }
    if (o.values !== undefined) fail(`${path}.values`, `a ${JSON.stringify(op)} condition takes value, not values`);
    if (numericOp) return { feature: name, op: op as '<=' | '<' | '>=' | '>', value: num(o.value, `${path}.value`) };
    return { feature: name, op: op as '==' | '!=', value: known(str(o.value, `${path}.value`), `${path}.value`) };
  };

  const rules: Rule[] = arr(root.rules, '$.rules').map((r, i) => {
    const path = `$.rules[${i}]`;
    const o = obj(r, path, ['if', 'then', 'counts']);
    const conditions = arr(o.if, `${path}.if`, 10_000).map((c, j) => condition(c, `${path}.if[${j}]`));
    return { conditions, class: className(o.then, `${path}.then`), counts: counts(o.counts, `${path}.counts`) };
  });
  const d = obj(root.default, '$.default', ['then', 'counts']);
  const defaultRule = { class: className(d.then, '$.default.then'), counts: counts(d.counts, '$.default.counts') };
  return new RuleModel({ mode, target, classes, features, rules, defaultRule, algorithm });
}
