import { describe, expect, it } from 'vitest';
import { space } from '../../../search/space.js';
import { ArgumentError } from '../../../core/errors.js';
import { hyperband, successiveHalving } from '../../../search/strategies/hyperband.js';
import { randomSearch } from '../../../search/strategies/random.js';
import { optimize, type Trial } from '../../../search/study.js';

const s = space().float('q', 0, 1).build();
// A learning curve whose ranking is visible early: loss = q + 1/epoch.
const curve = ({ q }: { q: number }, trial: Trial) => {
  let loss = Infinity;
  for (let e = 1; e <= trial.budget!; e++) {
    loss = q + 1 / e;
    trial.report(e, loss);
    if (trial.shouldPrune()) trial.prune();
  }
  return loss;
};
const used = (r: { trials: readonly { reports: readonly (readonly [number, number])[] }[] }) => r.trials.reduce((a, t) => a + t.reports[t.reports.length - 1][0], 0);

describe('hyperband', () => {
  it('stops trials early: far less resource than running every trial to the max', async () => {
    const r = await optimize({ space: s, strategy: hyperband({ maxResource: 27, eta: 3 }), objective: curve, trials: 60, seed: 2 });
    expect(used(r)).toBeLessThan(0.6 * 60 * 27);
    const pruned = r.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(20);
    expect(r.trials.every((t) => t.budget === 27)).toBe(true);
    // Pruning cut the bad ones: the best survives to the end and is about as good as full random search.
    const full = await optimize({ space: s, strategy: randomSearch(), objective: (c, t) => c.q + 1 / 27 + 0 * t.index, trials: 60, seed: 2 });
    expect(r.best!.values[0]).toBeCloseTo(full.best!.values[0], 6);
  });

  it('assigns brackets in Hyperband proportions; bracket 0 never stops early', async () => {
    const hb = hyperband({ maxResource: 27, eta: 3 });
    expect(hb.rungs(3)).toEqual([1, 3, 9]);
    expect(hb.rungs(0)).toEqual([]);
    const r = await optimize({ space: s, strategy: hb, objective: curve, trials: 49, seed: 3 });
    const counts = [0, 1, 2, 3].map((b) => r.trials.filter((t) => t.meta?.bracket === b).length);
    expect(counts).toEqual([4, 6, 12, 27]);
    for (const t of r.trials.filter((x) => x.meta?.bracket === 0)) expect(t.state).toBe('complete');
    // In bracket 3 a pruned trial stopped exactly at a rung.
    for (const t of r.trials.filter((x) => x.meta?.bracket === 3 && x.state === 'pruned')) expect([1, 3, 9]).toContain(t.reports[t.reports.length - 1][0]);
  });

  it('successive halving uses only the most aggressive bracket', async () => {
    const r = await optimize({ space: s, strategy: successiveHalving({ maxResource: 9, eta: 3 }), objective: curve, trials: 20, seed: 1 });
    expect(new Set(r.trials.map((t) => t.meta?.bracket))).toEqual(new Set([2]));
    expect(used(r)).toBeLessThan(0.5 * 20 * 9);
  });

  it('rejects bad resources', () => {
    expect(() => hyperband({ maxResource: 0 })).toThrow(/minResource <= maxResource/);
    expect(() => hyperband({ maxResource: 9, eta: 1 })).toThrow(/eta/);
  });
});

describe('hyperband options', () => {
  type Opts = Parameters<typeof hyperband>[0];
  it.each([
    ['no options', undefined, /^hyperband: options must be an object with maxResource, e\.g\. \{ maxResource: 27 \}, got undefined$/],
    ['no maxResource', {}, /^hyperband: options must give maxResource, the full resource of a trial \(e\.g\. epochs\), got none$/],
    ['maxResource Infinity (a schedule that never ends)', { maxResource: Infinity }, /^hyperband: need 0 < minResource <= maxResource, both finite, got 1 and Infinity$/],
    ['maxResource a string', { maxResource: '27' }, /^hyperband: need 0 < minResource <= maxResource, both finite, got 1 and "27" \(a string\)$/],
    ['eta Infinity', { maxResource: 27, eta: Infinity }, /^hyperband: eta must be a finite number >= 2, got Infinity$/],
  ])('%s', (_, options, message) => {
    expect(() => hyperband(options as unknown as Opts)).toThrow(ArgumentError);
    expect(() => hyperband(options as unknown as Opts)).toThrow(message);
  });
  it('successiveHalving with no options names itself', () => {
    expect(() => successiveHalving(undefined as unknown as Opts)).toThrow(/^successiveHalving: options must be an object with maxResource/);
  });
});
