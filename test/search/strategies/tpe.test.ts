import { describe, expect, it } from 'vitest';
import { space } from '../../../search/space.js';
import { randomSearch } from '../../../search/strategies/random.js';
import { tpe, type TpeOptions } from '../../../search/strategies/tpe.js';
import { ArgumentError } from '../../../core/errors.js';
import { optimize } from '../../../search/study.js';
import { branin, BRANIN_MINIMUM, braninSpace } from '../../../search/test-functions.js';

describe('tpe', () => {
  it('finds the Branin minimum within tolerance in 100 trials', async () => {
    const bests: number[] = [];
    for (const seed of [1, 2, 3]) {
      const r = await optimize({ space: braninSpace, strategy: tpe(), objective: ({ x1, x2 }) => branin(x1, x2), trials: 100, seed });
      bests.push(r.best!.values[0]);
    }
    for (const b of bests) expect(b - BRANIN_MINIMUM).toBeLessThan(0.15);
  });

  it('beats random search on a narrow log-scaled optimum with a categorical', async () => {
    const s = space().logFloat('lr', 1e-6, 1).categorical('opt', ['sgd', 'adam', 'rms', 'lion']).build();
    const f = ({ lr, opt }: { lr: number; opt: string }) => 0.2 * (Math.log10(lr) + 3) ** 2 + (opt === 'adam' ? 0 : 1);
    let tpeSum = 0;
    let randSum = 0;
    for (const seed of [1, 2, 3, 4]) {
      tpeSum += (await optimize({ space: s, strategy: tpe(), objective: f, trials: 60, seed })).best!.values[0];
      randSum += (await optimize({ space: s, strategy: randomSearch(), objective: f, trials: 60, seed })).best!.values[0];
    }
    expect(tpeSum).toBeLessThan(randSum);
    expect(tpeSum / 4).toBeLessThan(0.05);
  });

  it('models conditional parameters only where they are active', async () => {
    const s = space()
      .categorical('kind', ['a', 'b'])
      .float('xa', 0, 1, { when: { kind: ['a'] } })
      .int('nb', 1, 50, { when: { kind: ['b'] } })
      .build();
    // The optimum is in branch b at nb = 37; branch a is never below 0.5.
    const f = (c: { kind: string; xa?: number; nb?: number }) => (c.kind === 'a' ? 0.5 + c.xa! : Math.abs(c.nb! - 37) / 50);
    const r = await optimize({ space: s, strategy: tpe(), objective: f, trials: 60, seed: 9 });
    for (const t of r.trials) expect(s.check(t.config)).toBeNull();
    const late = r.trials.slice(30);
    expect(late.filter((t) => t.config.kind === 'b').length).toBeGreaterThan(20);
    expect(Math.abs(r.best!.config.nb! - 37)).toBeLessThanOrEqual(2);
  });

  it('uses random draws until startupTrials are done', async () => {
    const f = ({ x1, x2 }: { x1: number; x2: number }) => branin(x1, x2);
    const a = await optimize({ space: braninSpace, strategy: tpe({ startupTrials: 10 }), objective: f, trials: 10, seed: 4 });
    const b = await optimize({ space: braninSpace, strategy: randomSearch(), objective: f, trials: 10, seed: 4 });
    expect(a.trials.map((t) => t.config)).toEqual(b.trials.map((t) => t.config));
  });

  it('avoidRepeats: no configuration twice while unseen ones are easy to find; off, the same draws as before', async () => {
    // 4 x 3 x 5 = 60 configurations with one best corner: univariate TPE keeps proposing the corner it likes
    const small = space().categorical('a', ['p', 'q', 'r', 's']).categorical('b', [1, 2, 3]).int('c', 1, 5).build();
    const f = ({ a, b, c }: { a: string; b: number; c: number }) => (a === 'q' ? 0 : 1) + Math.abs(b - 2) + Math.abs(c - 4) / 10;
    const keys = (r: { trials: readonly { config: object }[] }) => r.trials.map((t) => JSON.stringify(t.config));
    const plain = await optimize({ space: small, strategy: tpe(), objective: f, trials: 40, seed: 3 });
    expect(new Set(keys(plain)).size).toBeLessThan(30);
    // (near the end of a space a redraw may still repeat: 64 random draws miss the last unseen one of 60 a third of the time)
    const fresh = await optimize({ space: small, strategy: tpe({ avoidRepeats: true }), objective: f, trials: 50, seed: 3 });
    expect(new Set(keys(fresh)).size).toBe(50);
    // it still homes in: the best configuration is found, early
    expect(fresh.best!.values[0]).toBe(0);
    expect(fresh.trials.findIndex((t) => t.values[0] === 0)).toBeLessThan(40);
    // and the option off draws exactly as before it existed
    const again = await optimize({ space: small, strategy: tpe({ avoidRepeats: false }), objective: f, trials: 40, seed: 3 });
    expect(keys(again)).toEqual(keys(plain));
  });
});

describe('tpe refuses options that would leave it proposing nonsense', () => {
  const objective = ({ x1, x2 }: { x1: number; x2: number }) => branin(x1, x2);
  it.each([
    ['priorWeight NaN (the centre of the space forever)', { priorWeight: NaN }, /^tpe: priorWeight must be a finite number >= 0, got NaN$/],
    ['priorWeight < 0', { priorWeight: -1 }, /^tpe: priorWeight must be a finite number >= 0, got -1$/],
    ['categoricalPrior Infinity', { categoricalPrior: Infinity }, /^tpe: categoricalPrior must be a finite number >= 0, got Infinity$/],
    ['gamma not a function', { gamma: 5 as unknown as TpeOptions['gamma'] }, /^tpe: gamma must be a function of the number of observations, got 5$/],
  ] as Array<[string, TpeOptions, RegExp]>)('%s', (_, options, message) => {
    expect(() => tpe(options)).toThrow(ArgumentError);
    expect(() => tpe(options)).toThrow(message);
  });
  it('null options', () => {
    expect(() => tpe(null as unknown as TpeOptions)).toThrow(/^tpe: options must be an object, got null$/);
  });
  it.each([
    ['NaN', () => NaN, /got NaN for n = 3$/],
    ['0', () => 0, /got 0 for n = 3$/],
    ['n + 5', (n: number) => n + 5, /got 8 for n = 3$/],
    ['a string', () => '1' as unknown as number, /got "1" \(a string\) for n = 3$/],
  ])('gamma returning %s fails when the model is first used, naming the option and n', async (_, gamma, message) => {
    const run = optimize({ space: braninSpace, strategy: tpe({ startupTrials: 3, gamma }), objective, trials: 5 });
    await expect(run).rejects.toThrow(ArgumentError);
    await expect(optimize({ space: braninSpace, strategy: tpe({ startupTrials: 3, gamma }), objective, trials: 5 })).rejects.toThrow(/^tpe: gamma\(n\) must return a number in \(0, n\], how many of the n observations count as good, /);
    await expect(optimize({ space: braninSpace, strategy: tpe({ startupTrials: 3, gamma }), objective, trials: 5 })).rejects.toThrow(message);
  });
  it('a fractional gamma and gamma(n) = n are still rounded and clamped as before', async () => {
    for (const gamma of [(n: number) => 0.1 * n, (n: number) => n]) {
      const r = await optimize({ space: braninSpace, strategy: tpe({ startupTrials: 3, gamma, priorWeight: 0 }), objective, trials: 8 });
      expect(r.trials.filter((t) => t.state === 'complete')).toHaveLength(8);
    }
  });
});
