// The rule engine: an ordered rule list (first match wins) or an unordered rule set (the matching rule with the highest
// Laplace accuracy wins), a default rule last. Rows come as objects or as a table; a missing value fails every condition.
import { type DatePart, type ParsedDate, parseDate } from '../../core/data/dates.js';
import { numberAsCategory } from '../../core/data/csv.js';
import { ArgumentError } from '../../core/errors.js';
import { valuesAre } from '../automl/frame.js';
import { type Condition, type Value, conditionHolds, formatCategory, formatCondition, formatNumber } from './condition.js';
import type { Column, Encoded, FeatureInfo, RowObject, Table } from './data.js';

export interface Rule {
  conditions: Condition[];
  class: string;
  /** Training rows of each class (in `classes` order) the rule covers; for an ordered list, those reaching it. */
  counts: number[];
}

export interface DefaultRule {
  class: string;
  counts: number[];
}

export type RuleMode = 'ordered' | 'unordered';

export interface RuleModelSpec {
  mode: RuleMode;
  target: string;
  classes: string[];
  features: FeatureInfo[];
  rules: Rule[];
  defaultRule: DefaultRule;
  /** Which learner made it ('ripper', 'tree', ...); informational. */
  algorithm?: string;
}

export interface ConditionTrace {
  condition: Condition;
  /** The row's value for the condition's feature (null = missing). */
  value: Value;
  holds: boolean;
  /** `petal_length = 1.4 satisfies petal_length <= 2.45`. */
  text: string;
}

export interface Explanation {
  /** Index into `rules` of the rule that fired, or null when the default fired. */
  rule: number | null;
  class: string;
  /** The fired rule's conditions with the row's values (empty for the default). */
  conditions: ConditionTrace[];
  /** Every rule whose conditions all hold (for an ordered list only the first one counts). */
  matching: number[];
  text: string;
}

/** Rows to classify: plain objects (feature name to value) or a table holding every feature as a column. */
export type Rows = Table | readonly RowObject[];

export class RuleModel {
  readonly mode: RuleMode;
  readonly target: string;
  readonly classes: string[];
  readonly features: FeatureInfo[];
  readonly rules: Rule[];
  readonly defaultRule: DefaultRule;
  readonly algorithm: string;
  private readonly featureIndex: Map<string, number>;

  constructor(spec: RuleModelSpec) {
    this.mode = spec.mode;
    this.target = spec.target;
    this.classes = spec.classes;
    this.features = spec.features;
    this.rules = spec.rules;
    this.defaultRule = spec.defaultRule;
    this.algorithm = spec.algorithm ?? 'rules';
    this.featureIndex = new Map(spec.features.map((f, i) => [f.name, i]));
    for (const r of [...this.rules, this.defaultRule]) {
      if (!this.classes.includes(r.class)) throw new ArgumentError(`RuleModel: a rule's class must be one of the classes, got ${JSON.stringify(r.class)}`);
      if (r.counts.length !== this.classes.length) throw new ArgumentError(`RuleModel: counts must have one entry per class (${this.classes.length}), got ${r.counts.length}`);
    }
    for (const r of this.rules) {
      for (const c of r.conditions) {
        if (!this.featureIndex.has(c.feature)) throw new ArgumentError(`RuleModel: conditions must name a feature of the model, got ${JSON.stringify(c.feature)}`);
      }
    }
  }

  /**
   * The columns the rules read, one entry per feature some condition tests: its column's name, or for a date part
   * the date column's and the part's own (either serves). A table may lack every other feature.
   */
  readColumns(): string[][] {
    const used = this.usedFeatures();
    return this.features.filter((f) => used.has(f.name)).map((f) => (f.date ? [f.date.column, f.name] : [f.name]));
  }

  /** The features some rule's condition tests. */
  private usedFeatures(): Set<string> {
    return new Set(this.rules.flatMap((r) => r.conditions.map((c) => c.feature)));
  }

  /** Total number of conditions over all rules (the default has none). */
  get nConditions(): number {
    return this.rules.reduce((s, r) => s + r.conditions.length, 0);
  }

  /**
   * Index of the rule that fires on each row, -1 for the default: rule by rule over the rows still open, condition by
   * condition (a rule list of 2,000 rules on 200,000 rows had been a rule-by-rule scan per row, 15 s). Same answers
   * as explain() gives row by row.
   */
  firing(rows: Rows): Int32Array {
    const read = this.reader(rows);
    const n = read.n;
    const cols = this.features.map(() => new Array<Value>(n));
    for (let i = 0; i < n; i++) {
      const values = read.row(i);
      for (let j = 0; j < values.length; j++) cols[j][i] = values[j];
    }
    const out = new Int32Array(n).fill(-1);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    // the rows of `from` every condition of rule k holds for (a view of a scratch array, valid until the next call)
    const scratch = new Int32Array(n);
    const matching = (k: number, from: Int32Array): Int32Array => {
      const conds = this.rules[k].conditions;
      if (conds.length === 0) return from;
      let src = from;
      let m = from.length;
      for (const c of conds) {
        const col = cols[this.featureIndex.get(c.feature) as number];
        let kept = 0;
        for (let q = 0; q < m; q++) {
          const i = src[q];
          if (conditionHolds(c, col[i])) scratch[kept++] = i;
        }
        src = scratch;
        m = kept;
        if (m === 0) break;
      }
      return scratch.subarray(0, m);
    };
    if (this.mode === 'ordered') {
      // the first rule that matches a row takes it; `open` (compacted in place) holds the rows not yet taken
      const open = all;
      let left = n;
      for (let k = 0; k < this.rules.length && left > 0; k++) {
        const hit = matching(k, open.subarray(0, left));
        if (hit.length === 0) continue;
        for (const i of hit) out[i] = k;
        let kept = 0;
        for (let q = 0; q < left; q++) if (out[open[q]] < 0) open[kept++] = open[q];
        left = kept;
      }
      return out;
    }
    // the most trusted matching rule, the first of equals
    const trust = new Float64Array(n).fill(-Infinity);
    for (let k = 0; k < this.rules.length; k++) {
      const conf = laplaceAccuracy(this.rules[k], this.classes);
      for (const i of matching(k, all)) {
        if (conf > trust[i]) {
          trust[i] = conf;
          out[i] = k;
        }
      }
    }
    return out;
  }

  predict(rows: Rows): string[] {
    return Array.from(this.firing(rows), (k) => (k < 0 ? this.defaultRule.class : this.rules[k].class));
  }

  /** Class probabilities from the firing rule's training class counts, Laplace-smoothed so no class gets 0; rows sum to 1. */
  predictProba(rows: Rows): number[][] {
    return Array.from(this.firing(rows), (k) => laplaceProba(k < 0 ? this.defaultRule.counts : this.rules[k].counts));
  }

  /** Which rule fired and why: each condition with the row's value, or that no rule matched and the default fired. */
  explain(row: RowObject): Explanation;
  explain(table: Table, index: number): Explanation;
  explain(row: RowObject | Table, index = 0): Explanation {
    const read = isTable(row) ? this.reader(row) : this.reader([row as RowObject]);
    if (index < 0 || index >= read.n) throw new ArgumentError(`explain: row index must be in [0, ${read.n}), got ${index}`);
    const values = read.row(index);
    const matching: number[] = [];
    this.rules.forEach((r, k) => {
      if (this.matches(r, values)) matching.push(k);
    });
    const k = this.fire(values);
    if (k < 0) {
      const text = `no rule matched; default rule: ${formatCategory(this.defaultRule.class)} (${coverText(this.defaultRule, this.classes)})`;
      return { rule: null, class: this.defaultRule.class, conditions: [], matching, text };
    }
    const rule = this.rules[k];
    const conditions = rule.conditions.map((c) => {
      const value = values[this.featureIndex.get(c.feature) as number];
      const shown = value === null ? 'missing' : typeof value === 'number' ? String(value) : formatCategory(value);
      return { condition: c, value, holds: conditionHolds(c, value), text: `${c.feature} = ${shown} satisfies ${formatCondition(c)}` };
    });
    const why = this.mode === 'unordered' && matching.length > 1 ? `, highest Laplace accuracy of ${matching.length} matching rules` : '';
    const text = `rule ${k + 1} fired${why}: ${conditions.map((c) => c.text).join('; ')} => ${formatCategory(rule.class)} (${coverText(rule, this.classes)})`;
    return { rule: k, class: rule.class, conditions, matching, text };
  }

  /** One line per rule: `IF petal_length <= 2.45 THEN setosa (covers 50, 100% correct)`, the default last. */
  toString(): string {
    const lines = this.rules.map((r) => `IF ${r.conditions.map(formatCondition).join(' AND ') || 'true'} THEN ${formatCategory(r.class)} (${coverText(r, this.classes)})`);
    const word = this.mode === 'ordered' ? 'ELSE' : 'DEFAULT';
    lines.push(`${word} ${formatCategory(this.defaultRule.class)} (${coverText(this.defaultRule, this.classes)})`);
    return lines.join('\n');
  }

  toJSON(): RulesJSON {
    return {
      format: 'whittle-rules',
      version: 1,
      algorithm: this.algorithm,
      mode: this.mode,
      target: this.target,
      classes: this.classes.slice(),
      features: this.features.map((f) =>
        f.kind === 'numeric' ? { name: f.name, kind: 'numeric', ...(f.date ? { date: { ...f.date } } : {}) } : { name: f.name, kind: 'categorical', categories: f.categories.slice() },
      ),
      rules: this.rules.map((r) => ({ if: r.conditions.map((c) => ({ ...c })), then: r.class, counts: r.counts.slice() })),
      default: { then: this.defaultRule.class, counts: this.defaultRule.counts.slice() },
    };
  }

  private matches(r: Rule, values: Value[]): boolean {
    for (const c of r.conditions) if (!conditionHolds(c, values[this.featureIndex.get(c.feature) as number])) return false;
    return true;
  }

  private fire(values: Value[]): number {
    if (this.mode === 'ordered') {
      for (let k = 0; k < this.rules.length; k++) if (this.matches(this.rules[k], values)) return k;
      return -1;
    }
    let best = -1;
    let bestConf = -Infinity;
    for (let k = 0; k < this.rules.length; k++) {
      const r = this.rules[k];
      if (!this.matches(r, values)) continue;
      const conf = laplaceAccuracy(r, this.classes);
      if (conf > bestConf) {
        bestConf = conf;
        best = k;
      }
    }
    return best;
  }

  /**
   * Values of `rows` the rules cannot read as their training did, one line per column for a caller to show (as
   * Pipeline.unreadable): text in a numeric column or a non-date in a date column, read as missing (no condition on
   * it holds), and a category not seen in training (no '==' condition holds for it). Rows count from 0. `predict`
   * read 'abc' in a number column as a gap without a word.
   */
  unreadable(rows: Rows): string[] {
    const n = isTable(rows) ? rows.nRows : rows.length;
    const all = isTable(rows) ? [...rows.columns, ...(rows.target ? [rows.target] : [])] : undefined;
    const raw = (name: string): ((i: number) => unknown) | undefined => {
      if (all) {
        const c = all.find((col) => col.name === name);
        return c ? (i) => (c.values as ArrayLike<unknown>)[i] : undefined;
      }
      const recs = rows as RowObject[];
      return recs.some((r) => Object.hasOwn(r, name)) ? (i) => recs[i][name] : undefined;
    };
    const present = (v: unknown) => v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v)) && !(typeof v === 'string' && v.trim() === '');
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const f of this.features) {
      const column = f.date?.column ?? f.name;
      if (seen.has(column)) continue;
      const get = raw(column);
      if (!get) continue;
      seen.add(column);
      const bad: number[] = [];
      let what: string;
      if (f.date && column === f.date.column) {
        what = 'not a date (2012-01-31), read as missing';
        for (let i = 0; i < n; i++) if (present(get(i)) && (typeof get(i) !== 'string' || parseDate(get(i) as string) === undefined)) bad.push(i);
      } else if (f.kind === 'numeric') {
        what = 'not a number, read as missing';
        for (let i = 0; i < n; i++) if (present(get(i)) && coerce(f, get(i)) === null) bad.push(i);
      } else {
        what = 'not seen in training';
        const known = new Set(f.categories);
        for (let i = 0; i < n; i++) {
          const v = coerce(f, get(i));
          if (v !== null && !known.has(v as string)) bad.push(i);
        }
      }
      if (bad.length === 0) continue;
      lines.push(`column ${JSON.stringify(column)}: ${valuesAre(bad, what, (i) => JSON.stringify(get(i)))}`);
    }
    return lines;
  }

  private reader(rows: Rows): { n: number; row: (i: number) => Value[] } {
    const feats = this.features;
    // a feature read from a date column takes its part of the row's date; a row or table without the date column
    // may give the part itself (a column named `date.month`)
    if (!isTable(rows)) {
      return {
        n: rows.length,
        row: (i) =>
          feats.map((f) => {
            const r = rows[i];
            if (f.date && Object.hasOwn(r, f.date.column)) return datePart(r[f.date.column], f.date.part);
            return coerce(f, Object.hasOwn(r, f.name) ? r[f.name] : undefined);
          }),
      };
    }
    const all = [...rows.columns, ...(rows.target ? [rows.target] : [])];
    // each date column parsed once, however many of its parts the rules read
    const parsed = new Map<string, (ParsedDate | undefined)[]>();
    // a feature no rule reads may be absent from the table (as a record may lack it): its values are never looked at
    const read = this.usedFeatures();
    const cols = feats.map((f): { c?: Column; date?: { dates: (ParsedDate | undefined)[]; part: DatePart } } => {
      const source = f.date ? all.find((col) => col.name === f.date!.column) : undefined;
      if (source) {
        if (!parsed.has(source.name)) parsed.set(source.name, Array.from(source.values as ArrayLike<unknown>, (v) => (typeof v === 'string' ? parseDate(v) : undefined)));
        return { c: source, date: { dates: parsed.get(source.name)!, part: f.date!.part } };
      }
      const c = all.find((col) => col.name === f.name);
      if (!c && read.has(f.name)) throw new ArgumentError(`RuleModel.predict: table must have a column for every feature the rules read, got none named ${JSON.stringify(f.name)}${f.date ? ` or ${JSON.stringify(f.date.column)}` : ''}`);
      return { c };
    });
    return {
      n: rows.nRows,
      row: (i) =>
        feats.map((f, j) => {
          const d = cols[j].date;
          const c = cols[j].c;
          return d ? (d.dates[i]?.[d.part] ?? null) : c ? coerce(f, c.values[i]) : null;
        }),
    };
  }
}

/** The JSON form of a rule model (what saveRules writes). */
export interface RulesJSON {
  format: 'whittle-rules';
  version: 1;
  algorithm: string;
  mode: RuleMode;
  target: string;
  classes: string[];
  features: ({ name: string; kind: 'numeric'; date?: { column: string; part: DatePart } } | { name: string; kind: 'categorical'; categories: string[] })[];
  rules: { if: Condition[]; then: string; counts: number[] }[];
  default: { then: string; counts: number[] };
}

function isTable(rows: unknown): rows is Table {
  return typeof rows === 'object' && rows !== null && !Array.isArray(rows) && Array.isArray((rows as Table).columns) && typeof (rows as Table).nRows === 'number';
}

/** A raw value as a feature's conditions read it: numbers for numeric features, category names for categorical ones. */
/**
 * Per categorical feature, how a number in its column reads as a category (numberAsCategory: 1 as '01' where the
 * rules were fitted on '01'), built once per feature.
 */
const numberTexts = new WeakMap<FeatureInfo, (v: number) => string>();
function numberText(f: FeatureInfo): (v: number) => string {
  let t = numberTexts.get(f);
  if (!t) numberTexts.set(f, (t = numberAsCategory(f.categories)));
  return t;
}

function coerce(f: FeatureInfo, v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (f.kind === 'numeric') {
    if (typeof v === 'number') return Number.isNaN(v) ? null : v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return null;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? null : numberText(f)(v);
  if (typeof v === 'boolean') return String(v);
  return null;
}

/** A date's part ('2012-01-31' -> month 1), null when the value is missing or not an ISO date. */
function datePart(v: unknown, part: DatePart): Value {
  return typeof v === 'string' ? (parseDate(v)?.[part] ?? null) : null;
}

function total(counts: readonly number[]): number {
  return counts.reduce((s, c) => s + c, 0);
}

/** (correct + 1) / (covered + classes): the accuracy a rule is trusted with in an unordered set. */
export function laplaceAccuracy(r: { class: string; counts: readonly number[] }, classes: readonly string[]): number {
  return (r.counts[classes.indexOf(r.class)] + 1) / (total(r.counts) + classes.length);
}

function laplaceProba(counts: readonly number[]): number[] {
  const t = total(counts) + counts.length;
  return counts.map((c) => (c + 1) / t);
}

function coverText(r: { class: string; counts: readonly number[] }, classes: readonly string[]): string {
  const n = total(r.counts);
  if (n === 0) return 'covers 0';
  const ok = r.counts[classes.indexOf(r.class)];
  let pct = Number(((100 * ok) / n).toFixed(1));
  if (pct === 100 && ok < n) pct = 99.9;
  return `covers ${formatNumber(n)}, ${pct}% correct`;
}

/** A condition compiled against coded features: true when row i of x satisfies it. */
export function compileCondition(c: Condition, features: readonly FeatureInfo[]): (x: Float64Array[], i: number) => boolean {
  const f = features.findIndex((ft) => ft.name === c.feature);
  if (f < 0) throw new ArgumentError(`compileCondition: feature must be one of the data's, got ${JSON.stringify(c.feature)}`);
  const cats = features[f].categories;
  switch (c.op) {
    case '<=':
      return (x, i) => x[f][i] <= c.value;
    case '<':
      return (x, i) => x[f][i] < c.value;
    case '>=':
      return (x, i) => x[f][i] >= c.value;
    case '>':
      return (x, i) => x[f][i] > c.value;
    case '==': {
      const code = cats.indexOf(c.value);
      return (x, i) => x[f][i] === code;
    }
    case '!=': {
      const code = cats.indexOf(c.value);
      return (x, i) => !Number.isNaN(x[f][i]) && x[f][i] !== code;
    }
    case 'in': {
      const codes = new Set(c.values.map((v) => cats.indexOf(v)));
      return (x, i) => codes.has(x[f][i]);
    }
  }
}

/**
 * The rows of coded data a condition holds for (1) or not (0): compileCondition's answers for every row at once, one
 * tight loop per column instead of a call per row and condition (C4.5rules' simplification reads a deep tree's paths
 * against every training row many times over).
 */
export function conditionMask(c: Condition, x: readonly Float64Array[], features: readonly FeatureInfo[], n: number): Uint8Array {
  const f = features.findIndex((ft) => ft.name === c.feature);
  if (f < 0) throw new ArgumentError(`conditionMask: feature must be one of the data's, got ${JSON.stringify(c.feature)}`);
  const col = x[f];
  const out = new Uint8Array(n);
  switch (c.op) {
    case '<=': {
      const t = c.value;
      for (let i = 0; i < n; i++) out[i] = col[i] <= t ? 1 : 0;
      break;
    }
    case '<': {
      const t = c.value;
      for (let i = 0; i < n; i++) out[i] = col[i] < t ? 1 : 0;
      break;
    }
    case '>=': {
      const t = c.value;
      for (let i = 0; i < n; i++) out[i] = col[i] >= t ? 1 : 0;
      break;
    }
    case '>': {
      const t = c.value;
      for (let i = 0; i < n; i++) out[i] = col[i] > t ? 1 : 0;
      break;
    }
    case '==': {
      const code = features[f].categories.indexOf(c.value);
      for (let i = 0; i < n; i++) out[i] = col[i] === code ? 1 : 0;
      break;
    }
    case '!=': {
      // a missing value (NaN) is neither equal nor unequal to a category
      const code = features[f].categories.indexOf(c.value);
      for (let i = 0; i < n; i++) out[i] = col[i] === col[i] && col[i] !== code ? 1 : 0;
      break;
    }
    case 'in': {
      const codes = new Set(c.values.map((v) => features[f].categories.indexOf(v)));
      for (let i = 0; i < n; i++) out[i] = codes.has(col[i]) ? 1 : 0;
      break;
    }
  }
  return out;
}

/**
 * The rows of coded data a whole rule covers: its conditions' masks and-ed (every row for no conditions), in a fresh
 * array. `maskOf` gives a condition's mask (default: conditionMask; a cache may give shared ones, read only here).
 */
export function ruleMask(
  conds: readonly Condition[],
  x: readonly Float64Array[],
  features: readonly FeatureInfo[],
  n: number,
  maskOf: (c: Condition) => Uint8Array = (c) => conditionMask(c, x, features, n),
): Uint8Array {
  const out = new Uint8Array(n).fill(1);
  for (const c of conds) {
    const m = maskOf(c);
    for (let i = 0; i < n; i++) out[i] &= m[i];
  }
  return out;
}

/** Row predicate for a whole rule on coded data. */
export function compileRule(conds: readonly Condition[], features: readonly FeatureInfo[]): (x: Float64Array[], i: number) => boolean {
  const tests = conds.map((c) => compileCondition(c, features));
  return (x, i) => {
    for (const t of tests) if (!t(x, i)) return false;
    return true;
  };
}

/**
 * Builds a model from learned rules: counts each rule's training coverage (for an ordered list only the rows that reach
 * it), drops every rule that covers no training row, and counts the rows left to the default. A learner that has the
 * rows each rule covers (ascending) passes them as `covers`, which saves testing every rule on every row again.
 */
export function finalizeRules(
  data: Encoded,
  learned: readonly { conditions: Condition[]; class: string }[],
  defaultClass: string,
  mode: RuleMode,
  algorithm: string,
  covers?: readonly Int32Array[],
): RuleModel {
  if (covers && covers.length !== learned.length) throw new ArgumentError(`finalizeRules: covers must have one entry per rule (${learned.length}), got ${covers.length}`);
  const k = data.classes.length;
  const counts = learned.map(() => new Array<number>(k).fill(0));
  const defaultCounts = new Array<number>(k).fill(0);
  // rule by rule over the rows: an ordered list counts a row for the first rule that covers it only
  const hit = new Uint8Array(data.n);
  const count = (j: number, i: number): void => {
    if (mode === 'ordered' && hit[i]) return;
    counts[j][data.y[i]]++;
    hit[i] = 1;
  };
  learned.forEach((r, j) => {
    if (covers) {
      for (const i of covers[j]) count(j, i);
      return;
    }
    const cover = ruleMask(r.conditions, data.x, data.features, data.n);
    for (let i = 0; i < data.n; i++) if (cover[i]) count(j, i);
  });
  for (let i = 0; i < data.n; i++) if (!hit[i]) defaultCounts[data.y[i]]++;
  const rules: Rule[] = [];
  learned.forEach((r, j) => {
    if (total(counts[j]) > 0) rules.push({ conditions: r.conditions, class: r.class, counts: counts[j] });
  });
  return new RuleModel({
    mode,
    target: data.target,
    classes: data.classes.slice(),
    features: data.features.map((f) => ({ name: f.name, kind: f.kind, categories: f.categories.slice() })),
    rules,
    defaultRule: { class: defaultClass, counts: defaultCounts },
    algorithm,
  });
}

/** The same rules as an unordered set: every rule's counts recomputed over all training rows it covers. */
export function toUnordered(model: RuleModel, data: Encoded): RuleModel {
  return finalizeRules(data, model.rules, model.defaultRule.class, 'unordered', model.algorithm);
}
