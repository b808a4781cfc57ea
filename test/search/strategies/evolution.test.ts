import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../core/random.js';
import { ArgumentError } from '../../../core/errors.js';
import { space } from '../../../search/space.js';
import { mutate, regularizedEvolution } from '../../../search/strategies/evolution.js';
import { randomSearch } from '../../../search/strategies/random.js';
import type { TrialRecord } from '../../../search/strategies/types.js';
import { optimize } from '../../../search/study.js';
import { hartmann6, hartmann6Space } from '../../../search/test-functions.js';

const s = space()
  .categorical('op', ['conv', 'pool', 'id'])
  .int('width', 8, 64, { step: 8, when: { op: ['conv'] } })
  .float('drop', 0, 0.5)
  .int('depth', 1, 8)
  .build();

describe('regularized evolution', () => {
  it('mutates exactly one parameter (plus what a changed parent (de)activates)', () => {
    const rng = new Random(1);
    for (let i = 0; i < 300; i++) {
      const parent = s.sample(rng);
      const child = mutate(s, parent, rng);
      expect(s.check(child)).toBeNull();
      const changed = ['op', 'drop', 'depth', 'width'].filter((k) => (parent as Record<string, unknown>)[k] !== (child as Record<string, unknown>)[k]);
      expect(changed.length).toBeGreaterThanOrEqual(1);
      if (changed.includes('op')) expect(changed.filter((k) => k !== 'op' && k !== 'width')).toEqual([]);
      else expect(changed).toHaveLength(1);
    }
  });

  it('changes one parameter that has another value to take (had been: the parent unchanged when an int of one value was picked)', () => {
    // ints of 1 to 3 values (steps of 1 to 3), categoricals of 1 to 3 choices; with a float or not
    const param = fc.record({ values: fc.integer({ min: 1, max: 3 }), step: fc.integer({ min: 1, max: 3 }), categorical: fc.boolean() });
    fc.assert(
      fc.property(fc.array(param, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }), (params, withFloat, seed) => {
        let b = space();
        params.forEach((p, i) => {
          b = p.categorical ? b.categorical(`p${i}`, ['a', 'b', 'c'].slice(0, p.values)) : b.int(`p${i}`, 10, 10 + (p.values - 1) * p.step, { step: p.step });
        });
        if (withFloat) b = b.float('f', 0, 1);
        const sp = b.build();
        const rng = new Random(seed);
        const changeable = params.some((p) => p.values > 1) || withFloat;
        for (let i = 0; i < 20; i++) {
          const parent = sp.sample(rng) as Record<string, unknown>;
          const child = mutate(sp, parent, rng) as Record<string, unknown>;
          expect(sp.check(child)).toBeNull();
          const changed = Object.keys(parent).filter((k) => parent[k] !== child[k]);
          expect(changed).toHaveLength(changeable ? 1 : 0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('children come from the best of a tournament over the last P complete trials', () => {
    const strategy = regularizedEvolution({ populationSize: 4, sampleSize: 4 });
    const line = space().int('x', 0, 100).build();
    // History of 10: the old best (x=0) has aged out of the population; the best of the last 4 is x=50.
    const xs = [0, 90, 80, 70, 60, 95, 85, 50, 75, 65];
    const history: TrialRecord<{ x: number }>[] = xs.map((x, index) => ({ index, config: { x }, state: 'complete', values: [x], reports: [], durationMs: 0 }));
    for (let seed = 0; seed < 50; seed++) {
      const c = strategy.ask({ index: 10, space: line, directions: ['minimize'], history, rng: new Random(seed) })!.config;
      expect(c.x).not.toBe(50);
      expect(Math.abs(c.x - 50)).toBeLessThan(50);
    }
  });

  it('beats random search on Hartmann-6', async () => {
    const f = (c: Record<string, number>) => hartmann6([c.x1, c.x2, c.x3, c.x4, c.x5, c.x6]);
    let evo = 0;
    let rand = 0;
    for (const seed of [1, 2, 3, 4]) {
      evo += (await optimize({ space: hartmann6Space, strategy: regularizedEvolution(), objective: f, trials: 200, seed })).best!.values[0];
      rand += (await optimize({ space: hartmann6Space, strategy: randomSearch(), objective: f, trials: 200, seed })).best!.values[0];
    }
    expect(evo).toBeLessThan(rand);
  });
});

describe('regularizedEvolution options', () => {
  it.each([-1, NaN, 0, Infinity])('refuses mutationScale %s', (mutationScale) => {
    expect(() => regularizedEvolution({ mutationScale })).toThrow(ArgumentError);
    expect(() => regularizedEvolution({ mutationScale })).toThrow(`regularizedEvolution: mutationScale must be a finite number > 0, got ${mutationScale}`);
  });
  it('refuses options that are not an object, and keeps the defaults for none', () => {
    expect(() => regularizedEvolution(null as unknown as object)).toThrow(/^regularizedEvolution: options must be an object, got null$/);
    expect(regularizedEvolution().name).toBe('evolution');
  });
});
