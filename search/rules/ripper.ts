// RIPPER (Cohen 1995, as Weka's JRip does it): classes from least to most frequent, the most frequent becomes the
// default. Per class IREP*: grow a rule on 2/3 of the rows by FOIL gain, prune it on the other 1/3 by (p-n)/(p+n), stop
// on description length (64 bits over the best) or a rule erring >= 50%; then k optimization passes that try a
// replacement and a revision of each rule and keep the variant with the smallest description length.
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import type { Condition } from './condition.js';
import { type Encoded, type Table, encodeTable } from './data.js';
import { type RuleModel, finalizeRules } from './model.js';
import { RuleGrower } from './ripper-grow.js';
import { CoverCache, type RRule, RuleStats, type Stat, covers, dataDL } from './rule-stats.js';

export interface RipperOptions {
  seed?: number;
  /** Optimization passes (k in RIPPERk); default 2. */
  optimizations?: number;
  /** A condition must keep at least this many positive rows; default 2. */
  minNo?: number;
  /** Stop on (and delete) rules whose error rate is >= 50%; default true. */
  checkErr?: boolean;
  /** Pruning worth: 'p-n' is Cohen's (p-n)/(p+n); 'laplace' is Weka JRip's (p+1)/(p+n+2). Default 'p-n'. */
  pruneMetric?: 'p-n' | 'laplace';
  /** Feature columns to use (default: every column but the target). */
  features?: readonly string[];
  /** Called after each class's rules are learned: classes done, classes to learn (all but the default). */
  onProgress?: (done: number, total: number) => void;
}

const MAX_DL_SURPLUS = 64;

/** Learns an ordered RIPPER rule list for `target` from a table. */
export function ripper(table: Table, target: string, opts: RipperOptions = {}): RuleModel {
  return ripperEncoded(encodeTable(table, target, { features: opts.features, op: 'ripper' }), opts);
}

export function ripperEncoded(data: Encoded, opts: RipperOptions = {}): RuleModel {
  const optimizations = opts.optimizations ?? 2;
  if (!Number.isInteger(optimizations) || optimizations < 0) throw new ArgumentError(`ripper: optimizations must be an integer >= 0, got ${optimizations}`);
  const metric = opts.pruneMetric ?? 'p-n';
  if (metric !== 'p-n' && metric !== 'laplace') throw new ArgumentError(`ripper: pruneMetric must be 'p-n' or 'laplace', got ${JSON.stringify(metric)}`);
  const grower = new RuleGrower(data, opts.minNo ?? 2, metric === 'laplace');
  const k = data.classes.length;
  const learner = new Ripper(k, grower, new Random(opts.seed ?? 0), opts.checkErr ?? true, optimizations);
  const classCounts = new Array<number>(k).fill(0);
  for (const c of data.y) classCounts[c]++;
  // least frequent first; ties by class index so the order is stable
  const order = [...classCounts.keys()].filter((c) => classCounts[c] > 0).sort((a, b) => classCounts[a] - classCounts[b] || a - b);
  let rows: Int32Array = Int32Array.from({ length: data.n }, (_, i) => i);
  const learned: { conditions: Condition[]; class: string }[] = [];
  for (let j = 0; j < order.length - 1; j++) {
    const cls = order[j];
    let all = 0;
    for (let m = j; m < order.length; m++) all += classCounts[order[m]];
    const expFP = classCounts[cls] / all;
    let pos = 0;
    for (const i of rows) if (data.y[i] === cls) pos++;
    if (pos === 0) continue;
    const defDL = dataDL(expFP, 0, rows.length, 0, pos);
    const { rules, rest } = learner.rulesetForOneClass(expFP, rows, cls, defDL);
    for (const r of rules) learned.push({ conditions: grower.toConditions(r), class: data.classes[cls] });
    rows = rest;
    opts.onProgress?.(j + 1, order.length - 1);
  }
  const defaultClass = data.classes[order[order.length - 1]];
  return finalizeRules(data, learned, defaultClass, 'ordered', 'ripper');
}

/** IREP* and the optimization passes for one class at a time, over a shared RuleGrower. */
class Ripper {
  private readonly x: Float64Array[];
  private readonly y: Int32Array;
  /** Rows of each class met so far by split(). */
  private readonly seen: Int32Array;

  constructor(
    classes: number,
    private readonly g: RuleGrower,
    private readonly rng: Random,
    private readonly checkErr: boolean,
    private readonly optimizations: number,
  ) {
    this.x = g.x;
    this.y = g.y;
    this.seen = new Int32Array(classes);
  }

  /** Stratified 2/3 grow, 1/3 prune split of `rows`, reshuffled on every call. */
  private split(rows: Int32Array): [Int32Array, Int32Array] {
    const shuffled = this.rng.shuffle(rows.slice());
    const seen = this.seen.fill(0);
    const grow = new Int32Array(rows.length);
    const prune = new Int32Array(rows.length);
    let g = 0;
    let p = 0;
    for (const i of shuffled) {
      if (seen[this.y[i]]++ % 3 === 2) prune[p++] = i;
      else grow[g++] = i;
    }
    return [grow.slice(0, g), prune.slice(0, p)];
  }

  private growAndPrune(rows: Int32Array, cls: number): RRule | null {
    const [growRows, pruneRows] = this.split(rows);
    const rule: RRule = { cls, antds: [] };
    this.g.grow(rule, growRows);
    if (rule.antds.length === 0) return null;
    this.g.prune(rule, pruneRows, false);
    return rule;
  }

  private checkStop(rst: Stat, minDL: number, dl: number): boolean {
    if (dl > minDL + MAX_DL_SURPLUS) return true;
    if (!(rst[2] > 0)) return true;
    return this.checkErr && rst[4] / rst[0] >= 0.5;
  }

  rulesetForOneClass(expFP: number, data: Int32Array, cls: number, defDL: number): { rules: RRule[]; rest: Int32Array } {
    let ruleset: RRule[] = [];
    const cache = new CoverCache(this.x, data);
    let rstats = new RuleStats(this.x, this.y, data, this.g.totalConds, cache);
    let dl = defDL;
    let minDL = defDL;
    let newData = data;
    let stop = false;
    let hasPositive = true;
    while (!stop && hasPositive) {
      const rule = this.growAndPrune(newData, cls);
      if (!rule) break;
      rstats.addAndUpdate(rule);
      const last = rstats.rules.length - 1;
      dl += rstats.relativeDL(last, expFP, this.checkErr);
      if (dl < minDL) minDL = dl;
      const rst = rstats.stats[last];
      stop = this.checkStop(rst, minDL, dl);
      if (!stop) {
        ruleset.push(rule);
        newData = rstats.uncovered[last];
        hasPositive = rst[5] > 0;
      } else rstats.removeLast();
    }
    if (this.optimizations === 0) {
      rstats.reduceDL(expFP, this.checkErr);
      ruleset = rstats.rules.slice();
    }
    for (let z = 0; z < this.optimizations; z++) {
      const result = this.optimize(expFP, data, cls, defDL, ruleset, cache);
      ruleset = result.rules.slice();
      rstats = result;
    }
    const rest = ruleset.length > 0 ? rstats.uncovered[rstats.uncovered.length - 1] : data;
    return { rules: ruleset, rest };
  }

  /** One optimization pass: for each rule, keep it, a replacement grown from scratch, or a revision grown from it. */
  private optimize(expFP: number, data: Int32Array, cls: number, defDL: number, ruleset: RRule[], cache: CoverCache): RuleStats {
    const final = new RuleStats(this.x, this.y, data, this.g.totalConds, cache);
    let position = 0;
    let stop = false;
    let hasPositive = true;
    let dl = defDL;
    let minDL = defDL;
    let newData = data;
    while (!stop && hasPositive) {
      const isResidual = position >= ruleset.length;
      let finalRule: RRule;
      if (isResidual) {
        const rule = this.growAndPrune(newData, cls);
        if (!rule) break;
        finalRule = rule;
      } else {
        const oldRule = ruleset[position];
        if (!newData.some((i) => covers(this.x, oldRule, i))) {
          final.addAndUpdate(oldRule);
          newData = final.uncovered[position];
          position++;
          continue;
        }
        const [growData, pruneAll] = this.split(newData);
        // prune rows covered by later rules are the later rules' business
        const later = ruleset.slice(position + 1);
        const pruneData = pruneAll.filter((i) => !later.some((r) => covers(this.x, r, i)));
        const replace: RRule = { cls, antds: [] };
        this.g.grow(replace, growData);
        this.g.prune(replace, pruneData, true);
        const revision: RRule = { cls, antds: oldRule.antds.slice() };
        this.g.grow(revision, growData);
        this.g.prune(revision, pruneData, true);
        const prev = final.stats.slice(0, position);
        const dlOf = (variant: RRule): number => {
          if (variant.antds.length === 0) return Infinity;
          const rules = ruleset.slice();
          rules[position] = variant;
          const st = new RuleStats(this.x, this.y, data, this.g.totalConds, cache);
          st.rules = rules;
          st.countFrom(position, newData, prev);
          return st.relativeDL(position, expFP, this.checkErr);
        };
        const oldDL = dlOf(oldRule);
        const repDL = dlOf(replace);
        const revDL = dlOf(revision);
        finalRule = oldDL <= revDL && oldDL <= repDL ? oldRule : revDL <= repDL ? revision : replace;
      }
      final.addAndUpdate(finalRule);
      const rst = final.stats[position];
      if (isResidual) {
        dl += final.relativeDL(position, expFP, this.checkErr);
        if (dl < minDL) minDL = dl;
        stop = this.checkStop(rst, minDL, dl);
        if (!stop) ruleset.push(finalRule);
        else {
          final.removeLast();
          position--;
        }
      } else ruleset[position] = finalRule;
      hasPositive = rst[5] > 0;
      position++;
      if (!stop) newData = final.uncovered[position - 1];
    }
    for (let k = final.rules.length; k < ruleset.length; k++) final.addAndUpdate(ruleset[k]);
    final.reduceDL(expFP, this.checkErr);
    return final;
  }
}
