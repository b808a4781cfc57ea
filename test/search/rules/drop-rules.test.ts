import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropRules } from '../../../search/rules/drop-rules.js';

describe('dropRules', () => {
  /** The list-scanning version it replaced: every try rescans every row against the whole list. */
  function reference(order: number[], ruleClass: number[], cover: Uint8Array[], y: number[], k: number): { order: number[]; def: number } {
    const majority = (counts: number[]) => counts.reduce((b, c, i) => (c > counts[b] ? i : b), 0);
    const total = new Array<number>(k).fill(0);
    for (const c of y) total[c]++;
    const errorsOf = (list: number[]) => {
      const left = new Array<number>(k).fill(0);
      let errors = 0;
      y.forEach((c, i) => {
        const j = list.find((r) => cover[r][i]);
        if (j === undefined) left[c]++;
        else if (ruleClass[j] !== c) errors++;
      });
      const def = majority(left.some((c) => c > 0) ? left : total);
      return { errors: errors + left.reduce((s, c, cls) => s + (cls === def ? 0 : c), 0), def };
    };
    let best = errorsOf(order);
    for (let changed = true; changed; ) {
      changed = false;
      for (let p = order.length - 1; p >= 0; p--) {
        const without = order.filter((_, q) => q !== p);
        const r = errorsOf(without);
        if (r.errors <= best.errors) {
          order = without;
          best = r;
          changed = true;
        }
      }
    }
    return { order, def: best.def };
  }

  it('drops the same rules and picks the same default as the list-scanning version (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (k, nRules, n, seed) => {
        let s = seed;
        const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
        const y = Array.from({ length: n }, () => Math.floor(rnd() * k));
        const ruleClass = Array.from({ length: nRules }, () => Math.floor(rnd() * k));
        const density = rnd();
        const cover = ruleClass.map((c) => Uint8Array.from(y, (yc) => (rnd() < (yc === c ? density + 0.3 : density) ? 1 : 0)));
        const order = ruleClass.map((_, j) => j).sort(() => 0).reverse();
        const want = reference(order.slice(), ruleClass, cover, y, k);
        const got = order.slice();
        const rows = cover.map((c) => Int32Array.from(c.keys()).filter((i) => c[i]));
        const def = dropRules(got, ruleClass, rows, y, k);
        expect(got).toEqual(want.order);
        expect(def).toBe(want.def);
      }),
      { numRuns: 500 },
    );
  });
});
