// C4.5rules' condition dropping on a big table: conditions as bitsets (bit i%32 of word i/32: row i holds), so that a
// step counts 32 rows at a time with ANDs and popcounts (a rule of a 200,000-row tree had been a pass per row per
// step), each bitset written from its column's rows in value order rather than by testing every row.
import { type Condition, conditionKey } from './condition.js';
import type { Encoded } from './data.js';
import { conditionMask } from './model.js';
import { pessimisticRate } from './pessimistic.js';

/** Bitset of the rows where `mask` is 1; the bits past the last row are 0. */
export function packMask(mask: Uint8Array): Int32Array {
  const n = mask.length;
  const bits = new Int32Array((n + 31) >>> 5);
  for (let w = 0; w < bits.length; w++) {
    // a word at a time in a local: one store a word, not a read and a store a row
    const base = w << 5;
    const end = Math.min(32, n - base);
    let x = 0;
    for (let b = 0; b < end; b++) x |= mask[base + b] << b;
    bits[w] = x;
  }
  return bits;
}

/** The rows of `col` that hold a value (not NaN), in value order (ties by row). */
function sortedRows(col: Float64Array): Int32Array {
  const rows = Int32Array.from(col.keys()).filter((i) => !Number.isNaN(col[i]));
  return rows.sort((a, b) => col[a] - col[b] || a - b);
}

/** The first place in `order` where `past` holds, given it holds from some place on; the length when nowhere. */
function firstWhere(order: Int32Array, past: (row: number) => boolean): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(order[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bitset of the rows at places [from, to) of `order`, and [from2, to2) too, all of which are rows of `present`: the
 * fewer of the set and the cleared rows are written.
 */
function setRun(present: Int32Array, order: Int32Array, from: number, to: number, from2 = 0, to2 = 0): Int32Array {
  const inRun = to - from + Math.max(0, to2 - from2);
  if (2 * inRun <= order.length) {
    const bits = new Int32Array(present.length);
    for (let q = from; q < to; q++) bits[order[q] >>> 5] |= 1 << (order[q] & 31);
    for (let q = from2; q < to2; q++) bits[order[q] >>> 5] |= 1 << (order[q] & 31);
    return bits;
  }
  const bits = present.slice();
  const clear = (a: number, b: number): void => {
    for (let q = a; q < b; q++) bits[order[q] >>> 5] &= ~(1 << (order[q] & 31));
  };
  if (to2 > from2) {
    // two runs: [from, to) and [from2, to2) with to <= from2; clear what lies outside both
    clear(to, from2);
    clear(to2, order.length);
    clear(0, from);
  } else {
    clear(0, from);
    clear(to, order.length);
  }
  return bits;
}

/** The number of 1 bits in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Condition bitsets by condition, the most recently used kept up to a byte budget: a tree's paths share most of their
 * conditions (4,883 paths of a 200,000-row tree hold 19,391 conditions, 3,266 distinct), and paths come in walk order,
 * so siblings find their common conditions here. The bitsets are shared: readers must not write them.
 */
export class MaskCache {
  private readonly masks = new Map<string, Int32Array>();
  private readonly otherClass = new Map<number, Int32Array>();
  private bytes = 0;
  private rowScratch?: Int32Array;
  /** By feature: the rows with a value, in value order; and the bitset of those rows. */
  private readonly byValue: Int32Array[] = [];
  private readonly presentBits: Int32Array[] = [];

  constructor(
    readonly data: Encoded,
    /** Bytes of bitsets kept; 0 keeps none. */
    private readonly budget = 64 * 2 ** 20,
  ) {}

  get(c: Condition): Int32Array {
    const key = conditionKey(c);
    const hit = this.masks.get(key);
    if (hit) {
      // most recently used last
      this.masks.delete(key);
      this.masks.set(key, hit);
      return hit;
    }
    const bits = this.compute(c);
    if (bits.byteLength > this.budget) return bits;
    this.masks.set(key, bits);
    this.bytes += bits.byteLength;
    for (const [oldest, m] of this.masks) {
      if (this.bytes <= this.budget) break;
      this.masks.delete(oldest);
      this.bytes -= m.byteLength;
    }
    return bits;
  }

  /**
   * A numeric condition holds on a run of its column's rows in value order, an `==` on one category's rows: those
   * rows' bits are set (or, when they are the most, the others' cleared) rather than every row tested.
   */
  private compute(c: Condition): Int32Array {
    const f = this.data.features.findIndex((ft) => ft.name === c.feature);
    // `in`, and == or != on a number column (which compare it with category -1), as conditionMask has them
    const byCategory = c.op === '==' || c.op === '!=';
    if (f < 0 || c.op === 'in' || (byCategory && this.data.features[f].kind !== 'categorical')) {
      return packMask(conditionMask(c, this.data.x, this.data.features, this.data.n));
    }
    const col = this.data.x[f];
    const order = (this.byValue[f] ??= sortedRows(col));
    const present = (this.presentBits[f] ??= packMask(Uint8Array.from(col, (v) => (Number.isNaN(v) ? 0 : 1))));
    let from = 0;
    let to = order.length;
    if (byCategory) {
      const code = this.data.features[f].categories.indexOf(c.value);
      from = firstWhere(order, (i) => col[i] >= code);
      to = code < 0 ? from : firstWhere(order, (i) => col[i] > code);
      if (c.op === '!=') return setRun(present, order, 0, from, to, order.length);
    } else if (c.op === '<=' || c.op === '<') {
      const t = c.value as number;
      to = firstWhere(order, c.op === '<=' ? (i) => !(col[i] <= t) : (i) => !(col[i] < t));
    } else {
      const t = c.value as number;
      from = firstWhere(order, c.op === '>=' ? (i) => col[i] >= t : (i) => col[i] > t);
    }
    return setRun(present, order, from, to);
  }

  /** Bitset of the rows not of class `cls` (kept for every class asked). */
  notOfClass(cls: number): Int32Array {
    let bits = this.otherClass.get(cls);
    if (!bits) {
      bits = packMask(Uint8Array.from(this.data.y, (c) => (c !== cls ? 1 : 0)));
      this.otherClass.set(cls, bits);
    }
    return bits;
  }

  /** The rows a whole rule covers (every row for no conditions), ascending, in a fresh array. */
  rows(conds: readonly Condition[]): Int32Array {
    const n = this.data.n;
    const out = (this.rowScratch ??= new Int32Array(n));
    const masks = conds.map((c) => this.get(c));
    let kept = 0;
    for (let w = 0; w < (n + 31) >>> 5; w++) {
      let x = w === (n - 1) >>> 5 && n & 31 ? (1 << (n & 31)) - 1 : -1;
      for (let j = 0; j < masks.length && x !== 0; j++) x &= masks[j][w];
      while (x !== 0) {
        const low = x & -x;
        out[kept++] = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
      }
    }
    return out.slice(0, kept);
  }
}

/** Rules longer than this are simplified row by row: a step's cost grows with the conditions left, a row's does not. */
const MAX_BITSET_CONDITIONS = 16;

/**
 * Drops, one at a time, the condition whose removal gives the lowest pessimistic error rate while it is no higher.
 * A step counts, 32 rows at a time, the rows that meet every remaining condition and, for each condition, those that
 * fail just it (which the rule would cover without it). The counts are those of a row-by-row count, so the same
 * conditions are dropped.
 */
export function simplifyRule(conds: readonly Condition[], cls: number, data: Encoded, cf: number, masksOf: MaskCache = new MaskCache(data, 0)): Condition[] {
  const m = conds.length;
  if (m <= 1) return conds.slice();
  const masks = conds.map((c) => masksOf.get(c));
  if (m > MAX_BITSET_CONDITIONS) return simplifyByRows(conds, masks, cls, data, cf);
  const other = masksOf.notOfClass(cls);
  const words = other.length;
  const alive = conds.map((_, j) => j);
  const dropN = new Float64Array(m);
  const dropE = new Float64Array(m);
  // suffix[q]: the rows meeting alive conditions q.. of the current word
  const suffix = new Int32Array(m + 1);
  while (alive.length > 1) {
    const k = alive.length;
    const sat = alive.map((j) => masks[j]);
    let covered = 0;
    let e = 0;
    dropN.fill(0);
    dropE.fill(0);
    suffix[k] = -1;
    for (let w = 0; w < words; w++) {
      for (let q = k - 1; q >= 0; q--) suffix[q] = suffix[q + 1] & sat[q][w];
      const wrong = other[w];
      let prefix = -1;
      for (let q = 0; q < k; q++) {
        const s = sat[q][w];
        // past the last row every condition fails, so those bits never fail just one of two or more
        const onlyThis = prefix & suffix[q + 1] & ~s;
        if (onlyThis !== 0) {
          dropN[alive[q]] += popcount(onlyThis);
          dropE[alive[q]] += popcount(onlyThis & wrong);
        }
        prefix &= s;
      }
      if (prefix !== 0) {
        covered += popcount(prefix);
        e += popcount(prefix & wrong);
      }
    }
    const best = bestDrop(covered, e, dropN, dropE, alive, cf);
    if (best < 0) break;
    alive.splice(alive.indexOf(best), 1);
  }
  return alive.map((j) => conds[j]);
}

/**
 * The condition to drop: the lowest pessimistic rate without it, the first of equals, or -1 when that rate is higher
 * than the rule's now. The rows the rule covers are covered without any one of its conditions too.
 */
function bestDrop(covered: number, e: number, dropN: Float64Array, dropE: Float64Array, alive: readonly number[], cf: number): number {
  const now = pessimisticRate(covered, e, cf);
  let best = -1;
  let bestRate = Infinity;
  for (const j of alive) {
    const r = pessimisticRate(dropN[j] + covered, dropE[j] + e, cf);
    if (r < bestRate) {
      bestRate = r;
      best = j;
    }
  }
  return bestRate <= now ? best : -1;
}

/**
 * simplifyRule for a long rule: a row keeps how many of the remaining conditions it fails and the sum of their
 * indices, which is the failing condition's index when it fails just one (the rows that count for a removal).
 */
function simplifyByRows(conds: readonly Condition[], masks: readonly Int32Array[], cls: number, data: Encoded, cf: number): Condition[] {
  const m = conds.length;
  const n = data.n;
  const holds = (j: number, i: number): number => (masks[j][i >>> 5] >>> (i & 31)) & 1;
  const fails = new Int32Array(n);
  const failSum = new Int32Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      if (holds(j, i)) continue;
      fails[i]++;
      failSum[i] += j;
    }
  }
  const alive: number[] = conds.map((_, j) => j);
  const dropN = new Float64Array(m);
  const dropE = new Float64Array(m);
  while (alive.length > 1) {
    let covered = 0;
    let e = 0;
    dropN.fill(0);
    dropE.fill(0);
    for (let i = 0; i < n; i++) {
      const wrong = data.y[i] !== cls ? 1 : 0;
      if (fails[i] === 0) {
        covered++;
        e += wrong;
      } else if (fails[i] === 1) {
        dropN[failSum[i]]++;
        dropE[failSum[i]] += wrong;
      }
    }
    const best = bestDrop(covered, e, dropN, dropE, alive, cf);
    if (best < 0) break;
    alive.splice(alive.indexOf(best), 1);
    for (let i = 0; i < n; i++) {
      if (holds(best, i)) continue;
      fails[i]--;
      failSum[i] -= best;
    }
  }
  return alive.map((j) => conds[j]);
}
