import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { Random } from '../../../core/random.js';
import { cnnSpace, mlpSpace } from '../../../search/nas/spaces.js';

const seeds = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('mlpSpace', () => {
  const s = mlpSpace();

  it('samples configs inside the space with a width for exactly each layer', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const c = s.sample(new Random(seed));
        expect(s.check(c)).toBeNull();
        const depth = c.depth as number;
        for (let i = 1; i <= 3; i++) {
          if (i <= depth) expect(c[`width${i}`]).toBeGreaterThanOrEqual(16);
          else expect(c[`width${i}`]).toBeUndefined();
        }
        expect(c.width1 as number).toBeLessThanOrEqual(512);
        expect(c.dropout as number).toBeGreaterThanOrEqual(0);
        expect(c.dropout as number).toBeLessThanOrEqual(0.5);
        expect([32, 64, 128]).toContain(c.batchSize);
        expect(c.family).toBe('mlp');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a width that is set while its layer is absent', () => {
    const c = { ...s.sample(new Random(3)), depth: 1, width2: 64 };
    delete (c as Record<string, unknown>).width3;
    expect(s.check(c)).toMatch(/width2/);
  });

  it('honours its options and checks them', () => {
    const small = mlpSpace({ maxDepth: 2, widths: [8, 32], batchSizes: [16], maxDropout: 0 });
    const c = small.sample(new Random(1));
    expect(small.params.map((p) => p.name)).not.toContain('width3');
    expect(c.batchSize).toBe(16);
    expect(c.dropout).toBe(0);
    expect(() => mlpSpace({ maxDepth: 5 })).toThrow(ArgumentError);
  });
});

describe('cnnSpace', () => {
  const s = cnnSpace({ batchNorm: true });

  it('samples configs whose conv blocks follow convLayers', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const c = s.sample(new Random(seed));
        expect(s.check(c)).toBeNull();
        const n = c.convLayers as number;
        for (let i = 1; i <= 3; i++) {
          expect(c[`channels${i}`] !== undefined).toBe(i <= n);
          expect(c[`kernel${i}`] !== undefined).toBe(i <= n);
          if (i <= n) {
            expect((c[`channels${i}`] as number) % 4).toBe(0);
            expect([3, 5]).toContain(c[`kernel${i}`]);
          }
        }
        expect([0, 32, 64, 128]).toContain(c.fcWidth);
        expect([false, true]).toContain(c.batchNorm);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves batch norm out by default', () => {
    expect(cnnSpace().params.map((p) => p.name)).not.toContain('batchNorm');
  });
});
