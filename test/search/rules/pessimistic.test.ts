import { describe, expect, it } from 'vitest';
import { addErrs, normalQuantile, pessimisticRate } from '../../../search/rules/pessimistic.js';

describe('pessimistic error (C4.5)', () => {
  it('matches the normal quantile', () => {
    expect(normalQuantile(0.75)).toBeCloseTo(0.6744897501960817, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326347874040841, 8);
  });

  it("matches Quinlan's worked values: U25%(0,6) = 0.206, U25%(1,16) = 0.157", () => {
    expect(pessimisticRate(6, 0)).toBeCloseTo(0.206, 3);
    expect(pessimisticRate(16, 1)).toBeCloseTo(0.157, 2); // C4.5's normal approximation: 0.1547
    expect(pessimisticRate(1, 0)).toBeCloseTo(0.75, 6);
  });

  it('grows with the errors and shrinks with the coverage', () => {
    expect(pessimisticRate(20, 2)).toBeGreaterThan(pessimisticRate(20, 1));
    expect(pessimisticRate(200, 20)).toBeLessThan(pessimisticRate(20, 2));
    expect(addErrs(10, 10)).toBe(0);
    expect(() => addErrs(10, 1, 0.7)).toThrow(/confidence must be in/);
  });
});
