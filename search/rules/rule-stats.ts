// Description length of a RIPPER rule set for one class (Cohen 1995; the bookkeeping follows Weka's RuleStats): theory
// bits for each rule's conditions plus exception bits for its false positives and negatives. All weights are 1.

/** One condition on coded data: `x[f] <= v`, `x[f] >= v` or `x[f] == v` (a category index). */
export interface Antd {
  f: number;
  op: '<=' | '>=' | '==';
  v: number;
}

export interface RRule {
  cls: number;
  antds: Antd[];
}

export function holds(x: Float64Array[], a: Antd, i: number): boolean {
  const v = x[a.f][i];
  return a.op === '<=' ? v <= a.v : a.op === '>=' ? v >= a.v : v === a.v;
}

export function covers(x: Float64Array[], r: RRule, i: number): boolean {
  for (const a of r.antds) if (!holds(x, a, i)) return false;
  return true;
}

/** [covered, uncovered, true positives, true negatives, false positives, false negatives] */
export type Stat = [number, number, number, number, number, number];

const log2 = Math.log2;
const THEORY_WEIGHT = 0.5;
const EPS = 1e-6;

/** Bits to name which k of t items are exceptions when each is one with probability p. */
export function subsetDL(t: number, k: number, p: number): number {
  let rt = p > 0 ? -k * log2(p) : 0;
  rt -= (t - k) * log2(1 - p);
  return rt;
}

/** Exception bits of a rule set covering `cover` rows (fp wrong) and leaving `uncover` rows (fn wrong). */
export function dataDL(expFPOverErr: number, cover: number, uncover: number, fp: number, fn: number): number {
  const totalBits = log2(cover + uncover + 1);
  let coverBits: number;
  let uncoverBits: number;
  if (cover - uncover > EPS) {
    const expErr = expFPOverErr * (fp + fn);
    coverBits = subsetDL(cover, fp, expErr / cover);
    uncoverBits = uncover > EPS ? subsetDL(uncover, fn, fn / uncover) : 0;
  } else {
    const expErr = (1 - expFPOverErr) * (fp + fn);
    coverBits = cover > EPS ? subsetDL(cover, fp, fp / cover) : 0;
    uncoverBits = subsetDL(uncover, fn, expErr / uncover);
  }
  return totalBits + coverBits + uncoverBits;
}

/**
 * Which rows of a fixed set each rule covers, worked out once per distinct rule (by its conditions): the description
 * length bookkeeping recounts the same rules over the same rows many times (every variant of every rule in the
 * optimization passes recounts the rules after it), some 1.8 billion condition tests on 20,000 rows of 220 classes.
 */
export class CoverCache {
  private readonly masks = new Map<string, Uint8Array>();
  /** Length of a mask: one past the largest row number asked about. */
  private readonly n: number;

  constructor(
    private readonly x: Float64Array[],
    /** The rows any count will ask about; masks are indexed by row number, 0 outside these. */
    private readonly rows: Int32Array,
  ) {
    let n = 0;
    for (const i of rows) if (i >= n) n = i + 1;
    this.n = n;
  }

  get(rule: RRule): Uint8Array {
    const key = rule.antds.map((a) => `${a.f}${a.op}${a.v}`).join(',');
    let mask = this.masks.get(key);
    if (!mask) {
      mask = new Uint8Array(this.n);
      for (const i of this.rows) mask[i] = covers(this.x, rule, i) ? 1 : 0;
      this.masks.set(key, mask);
    }
    return mask;
  }
}

/** Per-rule statistics of an ordered rule set for class `cls` over `data`, each rule seeing what earlier ones left. */
export class RuleStats {
  rules: RRule[] = [];
  stats: Stat[] = [];
  /** uncovered[j]: the rows of `data` no rule 0..j covers (only filled where needed). */
  uncovered: Int32Array[] = [];

  constructor(
    private readonly x: Float64Array[],
    private readonly y: Int32Array,
    private readonly data: Int32Array,
    private readonly totalConds: number,
    /** Coverage of the rules over `data` (or rows of it); share one between the RuleStats of the same rows. */
    private readonly cache = new CoverCache(x, data),
  ) {}

  computeSimpleStats(rule: RRule, rows: Int32Array): { stat: Stat; rest: Int32Array } {
    const cover = this.cache.get(rule);
    const rest = new Int32Array(rows.length);
    let left = 0;
    let tp = 0;
    let fn = 0;
    for (const i of rows) {
      const pos = this.y[i] === rule.cls;
      if (cover[i]) {
        if (pos) tp++;
      } else {
        rest[left++] = i;
        if (pos) fn++;
      }
    }
    const covered = rows.length - left;
    return { stat: [covered, left, tp, left - fn, covered - tp, fn], rest: rest.slice(0, left) };
  }

  /** Rows that reach rule `index`. */
  reaching(index: number): Int32Array {
    return index === 0 ? this.data : this.uncovered[index - 1];
  }

  addAndUpdate(rule: RRule): void {
    const { stat, rest } = this.computeSimpleStats(rule, this.reaching(this.rules.length));
    this.rules.push(rule);
    this.stats.push(stat);
    this.uncovered.push(rest);
  }

  removeLast(): void {
    this.rules.pop();
    this.stats.pop();
    this.uncovered.pop();
  }

  /** Recounts rules from `position` on, given the stats of the rules before it and the rows that reach it. */
  countFrom(position: number, reaching: Int32Array, prev: readonly Stat[]): void {
    this.stats = prev.slice(0, position).map((s) => s.slice() as Stat);
    this.uncovered = new Array<Int32Array>(position);
    if (position > 0) this.uncovered[position - 1] = reaching;
    let rows = position === 0 ? this.data : reaching;
    for (let j = position; j < this.rules.length; j++) {
      const { stat, rest } = this.computeSimpleStats(this.rules[j], rows);
      this.stats.push(stat);
      this.uncovered.push(rest);
      rows = rest;
    }
  }

  countAll(): void {
    this.countFrom(0, this.data, []);
  }

  theoryDL(index: number): number {
    const k = this.rules[index].antds.length;
    if (k === 0) return 0;
    let tdl = log2(k);
    if (k > 1) tdl += 2 * log2(tdl);
    tdl += subsetDL(this.totalConds, k, k / this.totalConds);
    return THEORY_WEIGHT * tdl;
  }

  /** DL change if rule `index` were deleted given ruleset stats `rs` (updated in place when deletion pays); NaN if it does not. */
  private potential(index: number, expFP: number, rs: number[], rule: Stat, checkErr: boolean): number {
    const pcov = rs[0] - rule[0];
    const puncov = rs[1] + rule[0];
    const pfp = rs[4] - rule[4];
    const pfn = rs[5] + rule[2];
    const dataWith = dataDL(expFP, rs[0], rs[1], rs[4], rs[5]);
    const theoryWith = this.theoryDL(index);
    const dataWithout = dataDL(expFP, pcov, puncov, pfp, pfn);
    const potential = dataWith + theoryWith - dataWithout;
    const overErr = checkErr && rule[4] / rule[0] >= 0.5 - EPS;
    if (potential >= -EPS || overErr) {
      rs[0] = pcov;
      rs[1] = puncov;
      rs[4] = pfp;
      rs[5] = pfn;
      return potential;
    }
    return NaN;
  }

  private totals(upTo: number): number[] {
    const rs = [0, 0, 0, 0, 0, 0];
    for (let j = 0; j < upTo; j++) {
      rs[0] += this.stats[j][0];
      rs[2] += this.stats[j][2];
      rs[4] += this.stats[j][4];
    }
    return rs;
  }

  minDataDLIfExists(index: number, expFP: number, checkErr: boolean): number {
    const n = this.stats.length;
    const rs = this.totals(n);
    const last = this.stats[n - 1];
    rs[1] = last[1];
    rs[3] = last[3];
    rs[5] = last[5];
    let potential = 0;
    for (let k = index + 1; k < n; k++) {
      const p = this.potential(k, expFP, rs, this.stats[k], checkErr);
      if (!Number.isNaN(p)) potential += p;
    }
    return dataDL(expFP, rs[0], rs[1], rs[4], rs[5]) - potential;
  }

  minDataDLIfDeleted(index: number, expFP: number, checkErr: boolean): number {
    const rs = this.totals(index);
    const after: Stat[] = [];
    let rows = this.reaching(index);
    for (let j = index + 1; j < this.rules.length; j++) {
      const { stat, rest } = this.computeSimpleStats(this.rules[j], rows);
      after.push(stat);
      rs[0] += stat[0];
      rs[2] += stat[2];
      rs[4] += stat[4];
      rows = rest;
    }
    if (after.length > 0) {
      const last = after[after.length - 1];
      rs[1] = last[1];
      rs[3] = last[3];
      rs[5] = last[5];
    } else if (index > 0) {
      const prev = this.stats[index - 1];
      rs[1] = prev[1];
      rs[3] = prev[3];
      rs[5] = prev[5];
    } else {
      const s = this.stats[0];
      rs[1] = s[0] + s[1];
      rs[3] = s[3] + s[4];
      rs[5] = s[2] + s[5];
    }
    let potential = 0;
    for (let k = index + 1; k < this.rules.length; k++) {
      const p = this.potential(k, expFP, rs, after[k - index - 1], checkErr);
      if (!Number.isNaN(p)) potential += p;
    }
    return dataDL(expFP, rs[0], rs[1], rs[4], rs[5]) - potential;
  }

  /** Bits the rule at `index` adds to the rule set's description length (negative: it pays for itself). */
  relativeDL(index: number, expFP: number, checkErr: boolean): number {
    return this.minDataDLIfExists(index, expFP, checkErr) + this.theoryDL(index) - this.minDataDLIfDeleted(index, expFP, checkErr);
  }

  /** Deletes, from the last rule backwards, every rule whose deletion does not increase the DL (or that errs >= 50%). */
  reduceDL(expFP: number, checkErr: boolean): void {
    const n = this.stats.length;
    if (n === 0) return;
    const rs = this.totals(n);
    const last = this.stats[n - 1];
    rs[1] = last[1];
    rs[3] = last[3];
    rs[5] = last[5];
    let changed = false;
    for (let k = n - 1; k >= 0; k--) {
      if (!Number.isNaN(this.potential(k, expFP, rs, this.stats[k], checkErr))) {
        this.rules.splice(k, 1);
        this.stats.splice(k, 1);
        changed = true;
      }
    }
    if (changed) this.countAll();
  }
}
