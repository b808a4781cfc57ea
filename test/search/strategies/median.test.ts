import { describe, expect, it } from 'vitest';
import { space } from '../../../search/space.js';
import { medianPruner } from '../../../search/strategies/median.js';
import type { TrialRecord } from '../../../search/strategies/types.js';
import { optimize } from '../../../search/study.js';

const done = (index: number, reports: [number, number][]): TrialRecord => ({ index, config: {}, state: 'complete', values: [reports[reports.length - 1][1]], reports, durationMs: 0 });

describe('median pruner', () => {
  const history = [done(0, [[1, 5], [2, 4]]), done(1, [[1, 3], [2, 2]]), done(2, [[1, 1], [2, 0.5]])];

  it('prunes a trial whose best so far is worse than the median at its step', () => {
    const p = medianPruner({ startupTrials: 3 });
    const ctx = { directions: ['minimize' as const], history, running: [] };
    expect(p.shouldPrune({ index: 3, config: {}, reports: [[1, 3.5]] }, ctx)).toBe(true); // median at 1 is 3
    expect(p.shouldPrune({ index: 3, config: {}, reports: [[1, 2.5]] }, ctx)).toBe(false);
    expect(p.shouldPrune({ index: 3, config: {}, reports: [[1, 2.5], [2, 2.4]] }, ctx)).toBe(true); // median at 2 is 2
    expect(p.shouldPrune({ index: 3, config: {}, reports: [[1, 2.5]] }, { ...ctx, directions: ['maximize'] })).toBe(true);
  });

  it('takes a trial of 500,000 reports (had been: Maximum call stack size exceeded, from Math.min(...reports))', () => {
    const reports = Array.from({ length: 500_000 }, (_, i): [number, number] => [1 + i / 1e6, 3.5 - i / 1e7]);
    const ctx = { directions: ['minimize' as const], history, running: [] };
    // the best so far, 3.45, is worse than the others' median of 3 at their last step before 1.5: pruned
    expect(medianPruner({ startupTrials: 3 }).shouldPrune({ index: 3, config: {}, reports }, ctx)).toBe(true);
  });

  it('waits for startup trials and warmup steps', () => {
    const ctx = { directions: ['minimize' as const], history, running: [] };
    expect(medianPruner({ startupTrials: 4 }).shouldPrune({ index: 3, config: {}, reports: [[1, 9]] }, ctx)).toBe(false);
    expect(medianPruner({ startupTrials: 3, warmupSteps: 2 }).shouldPrune({ index: 3, config: {}, reports: [[1, 9]] }, ctx)).toBe(false);
  });

  it('saves steps in a study with any strategy', async () => {
    const s = space().float('q', 0, 1).build();
    const r = await optimize({
      space: s,
      trials: 40,
      pruner: medianPruner(),
      objective: ({ q }, trial) => {
        let loss = 0;
        for (let e = 1; e <= 10; e++) {
          loss = q + 1 / e;
          trial.report(e, loss);
          if (trial.shouldPrune()) trial.prune();
        }
        return loss;
      },
    });
    const pruned = r.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(10);
    for (const t of pruned) expect(t.config.q).toBeGreaterThan(r.best!.config.q);
  });
});
