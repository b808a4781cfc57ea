// Growing and pruning one RIPPER rule (Cohen 1995; Weka JRip): conditions `x <= t`, `x >= t` (t between sorted
// distinct values) and `x == v`, added greedily by FOIL gain; then the best-scoring final sequence of conditions is cut.
import { type Condition, niceThreshold, simplifyConditions } from './condition.js';
import type { Encoded } from './data.js';
import { type Antd, type RRule, covers, holds } from './rule-stats.js';

/** Identifies a column by kind, categories and values (two 32-bit FNV-1a hashes over the float64 bytes). */
function contentKey(kind: string, categories: readonly string[], values: Float64Array): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < words.length; i++) {
    h1 = Math.imul(h1 ^ words[i], 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ words[i] ^ (i * 0x9e3779b9), 0x85ebca6b) >>> 0;
  }
  return `${kind}|${h1}|${h2}|${JSON.stringify(categories)}`;
}

/** What every rule of one fit shares: the coded data, each numeric feature's value levels, tie-breaking ranks. */
export class RuleGrower {
  readonly x: Float64Array[];
  readonly y: Int32Array;
  private readonly numeric: boolean[];
  /** Per numeric feature: its distinct values, ascending. */
  private readonly levels: Float64Array[];
  /** Per numeric feature: each row's index into `levels` (-1 where the value is missing). */
  private readonly level: Int32Array[];
  /** Distinct conditions any rule could use (the theory bits of the description length depend on it). */
  readonly totalConds: number;
  /** Ties in gain go to the feature whose values sort first, so neither column order nor a copied column matters. */
  private readonly rank: number[];

  constructor(
    private readonly data: Encoded,
    private readonly minNo: number,
    private readonly laplacePrune: boolean,
  ) {
    this.x = data.x;
    this.y = data.y;
    this.numeric = data.features.map((f) => f.kind === 'numeric');
    this.levels = [];
    this.level = data.x.map((col, f) => {
      const at = new Int32Array(this.numeric[f] ? data.n : 0).fill(-1);
      const values: number[] = [];
      if (this.numeric[f]) {
        const rows = Int32Array.from({ length: data.n }, (_, i) => i).filter((i) => !Number.isNaN(col[i]));
        rows.sort((a, b) => col[a] - col[b]);
        for (const i of rows) {
          if (values.length === 0 || col[i] !== values[values.length - 1]) values.push(col[i]);
          at[i] = values.length - 1;
        }
      }
      this.levels.push(Float64Array.from(values));
      return at;
    });
    // the number of distinct conditions a rule could use (Weka's numAllConditions: a category each, two tests per
    // distinct number); a column that copies another adds none
    const keys = data.features.map((f, j) => contentKey(f.kind, f.categories, data.x[j]));
    const sortedKeys = [...new Set(keys)].sort();
    this.rank = keys.map((k) => sortedKeys.indexOf(k));
    let total = 0;
    const seen = new Set<string>();
    data.features.forEach((f, j) => {
      if (seen.has(keys[j])) return;
      seen.add(keys[j]);
      total += f.kind === 'numeric' ? 2 * this.levels[j].length : f.categories.length;
    });
    this.totalConds = Math.max(total, 1);
  }

  toConditions(r: RRule): Condition[] {
    const conds = r.antds.map((a): Condition => {
      const f = this.data.features[a.f];
      return a.op === '==' ? { feature: f.name, op: '==', value: f.categories[a.v] } : { feature: f.name, op: a.op, value: a.v };
    });
    return simplifyConditions(conds);
  }

  private filter(rows: Int32Array, a: Antd): Int32Array {
    return rows.filter((i) => holds(this.x, a, i));
  }

  /** FOIL gain of a condition covering `p` positives of `c` rows, from a rule whose smoothed accuracy is defAcRt. */
  private static gain(p: number, c: number, defAcRt: number): number {
    return p * (Math.log2((p + 1) / (c + 1)) - Math.log2(defAcRt));
  }

  /**
   * The best `x <= t` or `x >= t` on feature f for `rows`: the rows are counted by the feature's value levels (a
   * histogram over the levels, or a sort of the rows' levels when the rows are far fewer than the levels), then every
   * cut between two levels present is scored by FOIL gain; the first best cut wins. (Not private: tests hold it to a
   * plain sort-and-scan.)
   */
  bestNumeric(f: number, rows: Int32Array, cls: number, defAcRt: number): { antd: Antd; gain: number; p: number; c: number } | null {
    const level = this.level[f];
    const values = this.levels[f];
    const nl = values.length;
    const y = this.y;
    // the levels present, in order, with their rows and positives
    const size = Math.min(nl, rows.length);
    const gl = new Int32Array(size);
    const gc = new Int32Array(size);
    const gp = new Int32Array(size);
    let groups = 0;
    if (nl <= 4 * rows.length) {
      const cover = new Int32Array(nl);
      const pos = new Int32Array(nl);
      for (const i of rows) {
        const v = level[i];
        if (v < 0) continue;
        cover[v]++;
        if (y[i] === cls) pos[v]++;
      }
      for (let v = 0; v < nl; v++) {
        if (cover[v] === 0) continue;
        gl[groups] = v;
        gc[groups] = cover[v];
        gp[groups] = pos[v];
        groups++;
      }
    } else {
      const keys = new Int32Array(rows.length);
      let k = 0;
      for (const i of rows) if (level[i] >= 0) keys[k++] = 2 * level[i] + (y[i] === cls ? 1 : 0);
      const sorted = keys.subarray(0, k).sort();
      for (let q = 0; q < k; q++) {
        const v = sorted[q] >> 1;
        if (groups === 0 || gl[groups - 1] !== v) {
          gl[groups] = v;
          groups++;
        }
        gc[groups - 1]++;
        gp[groups - 1] += sorted[q] & 1;
      }
    }
    let m = 0;
    let totalPos = 0;
    for (let g = 0; g < groups; g++) {
      m += gc[g];
      totalPos += gp[g];
    }
    let best: { le: boolean; at: number; gain: number; p: number; c: number } | null = null;
    let c1 = 0;
    let p1 = 0;
    // a cut after every level but the last
    for (let g = 0; g + 1 < groups; g++) {
      c1 += gc[g];
      p1 += gp[g];
      const g1 = RuleGrower.gain(p1, c1, defAcRt);
      const g2 = RuleGrower.gain(totalPos - p1, m - c1, defAcRt);
      const le = g1 > g2;
      const gain = le ? g1 : g2;
      if (gain > (best?.gain ?? 0)) best = { le, at: g, gain, p: le ? p1 : totalPos - p1, c: le ? c1 : m - c1 };
    }
    if (!best) return null;
    const a = values[gl[best.at]];
    const b = values[gl[best.at + 1]];
    const t = niceThreshold(a, b);
    const antd: Antd = best.le ? { f, op: '<=', v: t } : { f, op: '>=', v: t > a ? t : b };
    return { antd, gain: best.gain, p: best.p, c: best.c };
  }

  private bestNominal(f: number, rows: Int32Array, cls: number, defAcRt: number): { antd: Antd; gain: number; p: number; c: number } | null {
    const nv = this.data.features[f].categories.length;
    const cover = new Float64Array(nv);
    const pos = new Float64Array(nv);
    for (const i of rows) {
      const v = this.x[f][i];
      if (Number.isNaN(v)) continue;
      cover[v]++;
      if (this.y[i] === cls) pos[v]++;
    }
    let best: { antd: Antd; gain: number; p: number; c: number } | null = null;
    for (let v = 0; v < nv; v++) {
      if (cover[v] === 0) continue;
      const g = RuleGrower.gain(pos[v], cover[v], defAcRt);
      if (g > (best?.gain ?? 0)) best = { antd: { f, op: '==', v }, gain: g, p: pos[v], c: cover[v] };
    }
    return best;
  }

  /** Adds conditions greedily by FOIL gain until the rule covers no negatives of `rows` or nothing helps. */
  grow(rule: RRule, rows: Int32Array): void {
    let data: Int32Array = rows.filter((i) => covers(this.x, rule, i));
    if (data.length === 0) return;
    let p = 0;
    for (const i of data) if (this.y[i] === rule.cls) p++;
    let defAcRt = (p + 1) / (data.length + 1);
    const used = new Uint8Array(this.x.length);
    let unused = this.x.length;
    for (const a of rule.antds) {
      if (!this.numeric[a.f] && !used[a.f]) {
        used[a.f] = 1;
        unused--;
      }
    }
    while (data.length > 0 && unused > 0 && defAcRt < 1) {
      let best: { antd: Antd; gain: number; p: number; c: number } | null = null;
      for (let f = 0; f < this.x.length; f++) {
        if (used[f]) continue;
        const cand = this.numeric[f] ? this.bestNumeric(f, data, rule.cls, defAcRt) : this.bestNominal(f, data, rule.cls, defAcRt);
        if (cand && (!best || cand.gain > best.gain || (cand.gain === best.gain && this.rank[f] < this.rank[best.antd.f]))) best = cand;
      }
      if (!best || best.p < this.minNo) break;
      if (!this.numeric[best.antd.f]) {
        used[best.antd.f] = 1;
        unused--;
      }
      rule.antds.push(best.antd);
      data = this.filter(data, best.antd);
      defAcRt = (best.p + 1) / (best.c + 1);
    }
  }

  /**
   * Deletes a final sequence of conditions: keeps the prefix with the best worth on `rows`, the shortest on a tie.
   * Worth is (p-n)/(p+n) of the rule alone (Weka's (p+1)/(p+n+2) with laplacePrune) or, with `useWhole` as in the
   * optimization passes, the accuracy (p + true negatives) / total. At least one condition stays.
   */
  prune(rule: RRule, rows: Int32Array, useWhole: boolean): void {
    const size = rule.antds.length;
    if (rows.length === 0 || size === 0) return;
    let data = rows;
    let tn = 0;
    let bestIndex = 0;
    let bestWorth = -Infinity;
    for (let x = 0; x < size; x++) {
      const a = rule.antds[x];
      const kept: number[] = [];
      let p = 0;
      for (const i of data) {
        if (holds(this.x, a, i)) {
          kept.push(i);
          if (this.y[i] === rule.cls) p++;
        } else if (this.y[i] !== rule.cls) tn++;
      }
      const c = kept.length;
      const worth = useWhole ? (p + tn) / rows.length : this.laplacePrune ? (p + 1) / (c + 2) : c > 0 ? (2 * p - c) / c : -1;
      if (worth > bestWorth + 1e-12) {
        bestWorth = worth;
        bestIndex = x;
      }
      data = Int32Array.from(kept);
    }
    rule.antds.length = bestIndex + 1;
  }
}
