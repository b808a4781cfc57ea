import { describe, expect, it } from 'vitest';
import { space } from '../../../search/space.js';
import { gridPoints, gridSearch } from '../../../search/strategies/grid.js';
import { optimize } from '../../../search/study.js';

describe('grid', () => {
  it('enumerates every combination, conditionals only under their parents', () => {
    const s = space()
      .categorical('learner', ['tree', 'linear'])
      .int('depth', 1, 3, { when: { learner: ['tree'] } })
      .float('c', 0.01, 100, { log: true })
      .build();
    const pts = gridPoints(s, { resolution: 3 });
    expect(pts).toHaveLength((3 + 1) * 3);
    for (const p of pts) expect(s.check(p)).toBeNull();
    expect(new Set(pts.map((p) => JSON.stringify(p))).size).toBe(pts.length);
    expect([...new Set(pts.map((p) => p.c))].map((c) => Number(c.toPrecision(6)))).toEqual([0.01, 1, 100]);
  });

  it('subsamples wide integer ranges and runs a study until exhausted', async () => {
    const s = space().int('n', 0, 1000).categorical('b', [true, false]).build();
    expect(gridPoints(s, { maxIntValues: 11 }).map((p) => p.n).filter((_, i) => i % 2 === 0)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    const r = await optimize({ space: s, strategy: gridSearch({ maxIntValues: 5 }), objective: ({ n, b }) => Math.abs(n - 500) + (b ? 0 : 1), trials: 1000 });
    expect(r.trials).toHaveLength(10);
    expect(r.best!.config).toEqual({ n: 500, b: true });
  });
});
