import { describe, expect, it } from 'vitest';
import { Tensor } from '../../core/index.js';
import { Observer } from '../../compress/observers.js';

describe('observers', () => {
  it('percentile and MSE clip a lone outlier that min-max keeps', () => {
    const vals = Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i));
    vals[5] = 100;
    const t = new Tensor(vals, [vals.length]);
    const mk = (kind: 'minmax' | 'percentile' | 'mse') => { const o = new Observer({ kind, percentile: 99.9 }); o.observe(t); return o.range(); };
    expect(mk('minmax')[1]).toBe(100);
    expect(mk('percentile')[1]).toBeLessThan(1.01);
    expect(mk('mse')[1]).toBeLessThan(100);
    expect(() => new Observer().range()).toThrow(/no values observed/);
  });
});

