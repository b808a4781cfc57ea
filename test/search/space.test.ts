import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ArgumentError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { space } from '../../search/space.js';

const s = space()
  .categorical('learner', ['tree', 'linear', 'knn'])
  .int('maxDepth', 1, 12, { when: { learner: ['tree'] } })
  .categorical('split', ['gini', 'entropy'], { when: { learner: ['tree'] } })
  .float('minGain', 0, 0.5, { when: { split: ['entropy'] } }) // nested: needs learner=tree too
  .logFloat('lr', 1e-4, 1)
  .int('k', 1, 31, { step: 2, when: { learner: ['knn'] } })
  .int('units', 8, 1024, { log: true })
  .categorical('bias', [true, false])
  .build();

describe('space', () => {
  it('infers the config type, conditional parameters optional', () => {
    const c = s.sample(new Random(1));
    expectTypeOf(c.learner).toEqualTypeOf<'tree' | 'linear' | 'knn'>();
    expectTypeOf(c.lr).toEqualTypeOf<number>();
    expectTypeOf(c.maxDepth).toEqualTypeOf<number | undefined>();
    expectTypeOf(c.bias).toEqualTypeOf<boolean>();
  });

  it('samples stay inside the space, conditionals only where their parents allow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const rng = new Random(seed);
        for (let i = 0; i < 20; i++) {
          const c = s.sample(rng);
          expect(s.check(c)).toBeNull();
          expect(c.maxDepth !== undefined).toBe(c.learner === 'tree');
          expect(c.split !== undefined).toBe(c.learner === 'tree');
          expect(c.minGain !== undefined).toBe(c.learner === 'tree' && c.split === 'entropy');
          expect(c.k !== undefined).toBe(c.learner === 'knn');
          if (c.k !== undefined) expect((c.k - 1) % 2).toBe(0);
          expect(Number.isInteger(c.units) && c.units >= 8 && c.units <= 1024).toBe(true);
          expect(c.lr >= 1e-4 && c.lr <= 1).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('same seed gives the same samples', () => {
    const a = Array.from({ length: 5 }, ((r) => () => s.sample(r))(new Random(3)));
    const b = Array.from({ length: 5 }, ((r) => () => s.sample(r))(new Random(3)));
    expect(a).toEqual(b);
  });

  it('samples log parameters uniformly in log space', () => {
    const rng = new Random(5);
    const lrs = Array.from({ length: 4000 }, () => s.sample(rng).lr).sort((a, b) => a - b);
    const median = lrs[2000];
    expect(median).toBeGreaterThan(10 ** -2.3);
    expect(median).toBeLessThan(10 ** -1.7);
    const units = Array.from({ length: 4000 }, () => s.sample(rng).units);
    expect(units.filter((u) => u < 91).length / 4000).toBeGreaterThan(0.4); // sqrt(8*1024) ~ 90.5
    expect(units.filter((u) => u < 91).length / 4000).toBeLessThan(0.6);
  });

  it('encode/decode round-trips and stays in [0,1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const c = s.sample(new Random(seed));
        const v = s.encode(c);
        expect(v.length).toBe(s.dim);
        v.forEach((u, i) => expect(Number.isNaN(u)).toBe((c as Record<string, unknown>)[s.params[i].name] === undefined));
        for (const u of v) if (!Number.isNaN(u)) expect(u >= 0 && u <= 1).toBe(true);
        const back = s.decode(v.map((u) => (Number.isNaN(u) ? 0.5 : u)));
        expect(back.learner).toBe(c.learner);
        expect(back.maxDepth).toBe(c.maxDepth);
        expect(back.k).toBe(c.k);
        expect(back.units).toBe(c.units);
        expect(back.lr).toBeCloseTo(c.lr, 10);
      }),
      { numRuns: 200 },
    );
  });

  it('decode of any vector is inside the space', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: s.dim, maxLength: s.dim }), (v) => {
        expect(s.check(s.decode(v))).toBeNull();
      }),
    );
  });

  it('validate names what is wrong', () => {
    const ok = { learner: 'linear', lr: 0.1, units: 16, bias: true };
    expect(() => s.validate(ok)).not.toThrow();
    expect(() => s.validate({ ...ok, maxDepth: 3 })).toThrow(/'maxDepth' is set but inactive/);
    expect(() => s.validate({ ...ok, learner: 'tree' })).toThrow(/'maxDepth' is missing/);
    expect(() => s.validate({ ...ok, lr: 2 })).toThrow(/'lr' must be \[0.0001, 1\] log, got 2/);
    expect(() => s.validate({ ...ok, units: 16.5 })).toThrow(ArgumentError);
    expect(() => s.validate({ ...ok, learner: 'knn', k: 4 })).toThrow(/'k' must be/);
    expect(() => s.validate({ ...ok, extra: 1 })).toThrow(/unknown parameter 'extra'/);
  });

  it('prints one readable line per parameter', () => {
    const lines = s.toString().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^learner\s+categorical\s+\{"tree", "linear", "knn"\}$/);
    expect(lines[1]).toMatch(/^maxDepth\s+int\s+\[1, 12\]\s+if learner in \{tree\}$/);
    expect(lines[3]).toMatch(/minGain\s+float\s+\[0, 0.5\]\s+if split in \{entropy\}/);
    expect(lines[4]).toMatch(/lr\s+float\s+\[0.0001, 1\] log/);
    expect(lines[5]).toMatch(/k\s+int\s+\[1, 31\] step 2\s+if learner in \{knn\}/);
  });

  it('rejects malformed definitions', () => {
    expect(() => space().float('a', 1, 1)).toThrow(/low < high/);
    expect(() => space().int('a', 0, 10, { log: true })).toThrow(/low >= 1/);
    expect(() => space().int('a', 0, 9, { step: 2 })).toThrow(/multiple of step/);
    expect(() => space().categorical('a', [])).toThrow(/at least one/);
    expect(() => space().float('a', 0, 1).float('a', 0, 1)).toThrow(/unique/);
    expect(() => space().float('a', 0, 1).int('b', 1, 2, { when: { a: [1] } })).toThrow(/categorical/);
    expect(() => space().categorical('a', ['x']).int('b', 1, 2, { when: { a: ['y'] } })).toThrow(/not a choice/);
  });

  it('complete keeps valid values and fills newly active ones', () => {
    const rng = new Random(2);
    const c = s.complete({ learner: 'tree', maxDepth: 99, lr: 0.5, k: 3 }, rng);
    expect(s.check(c)).toBeNull();
    expect(c.lr).toBe(0.5);
    expect(c.maxDepth).not.toBe(99);
    expect(c.k).toBeUndefined();
  });
});
