import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RETRAIN_BUDGET, TRAIN_BUDGET, epochLines, epochsFor } from '../../cli/epochs.js';

describe('epochsFor', () => {
  it('gives the fewest whole epochs reaching the step budget, within [min, max]', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 500 }),
      (rows, batchSize, steps, min, extra) => {
        const b = { steps, min, max: min + extra };
        const e = epochsFor(rows, batchSize, b);
        const batches = Math.ceil(rows / batchSize);
        expect(Number.isInteger(e)).toBe(true);
        expect(e).toBeGreaterThanOrEqual(b.min);
        expect(e).toBeLessThanOrEqual(b.max);
        // below the cap the budget is reached; above the floor one epoch fewer would fall short of it
        if (e < b.max) expect(e * batches).toBeGreaterThanOrEqual(steps);
        if (e > b.min) expect((e - 1) * batches).toBeLessThan(steps);
      }));
  });

  it('leaves large tables at the epochs the commands used before and gives small tables enough steps', () => {
    expect(epochsFor(54_000, 64, TRAIN_BUDGET)).toBe(3);
    expect(epochsFor(60_000, 64, RETRAIN_BUDGET)).toBe(1);
    expect(epochsFor(135, 64, TRAIN_BUDGET)).toBe(300); // Iris: 3 batches an epoch, capped
    expect(epochsFor(1_315, 64, TRAIN_BUDGET)).toBe(72); // seattle-weather: 21 batches an epoch
    expect(epochsFor(1_169, 64, RETRAIN_BUDGET)).toBe(16); // compress retrains on its own 80% of seattle-weather
  });
});

describe('epochLines', () => {
  const run = (epochs: number, lines?: number) => {
    const out: string[] = [];
    const log = epochLines((s) => out.push(s), epochs, lines);
    for (let e = 1; e <= epochs; e++) { log(`epoch ${e}/${epochs}  loss 1`); if (e === 2) log('  epoch 2 batch 10/20 loss 1'); }
    log('validation accuracy 90.00%');
    return out;
  };
  it('keeps every line of a short run', () => {
    expect(run(5)).toHaveLength(5 + 2);
  });
  it('thins a long run to about the asked number, keeping the first and last epoch and every other line', () => {
    const out = run(300, 12);
    const epochs = out.filter((s) => s.startsWith('epoch ')).map((s) => Number(/^epoch (\d+)/.exec(s)![1]));
    expect(epochs[0]).toBe(1);
    expect(epochs.at(-1)).toBe(300);
    expect(epochs.length).toBeGreaterThanOrEqual(12);
    expect(epochs.length).toBeLessThanOrEqual(14);
    expect(out).toContain('  epoch 2 batch 10/20 loss 1');
    expect(out.at(-1)).toBe('validation accuracy 90.00%');
  });
  it('keeps an epoch that keep() asks for (the one a Ctrl-C stops at)', () => {
    const out: string[] = [];
    let stop = false;
    const log = epochLines((s) => out.push(s), 300, 12, () => stop);
    for (let e = 1; e <= 137; e++) { stop = e === 137; log(`epoch ${e}/300  loss 1`); }
    expect(out.at(-1)).toBe('epoch 137/300  loss 1');
  });
});
