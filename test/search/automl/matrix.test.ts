import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { checkFinite, lowerBound, matrix } from '../../../search/automl/matrix.js';

describe('lowerBound', () => {
  it('counts the values below v, as a loop over the sorted prefix does', () => {
    const sorted = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40 }).map((a) => Float64Array.from(a).sort());
    fc.assert(
      fc.property(sorted, fc.integer({ min: -25, max: 25 }), fc.nat(), (s, v, cut) => {
        const end = s.length === 0 ? 0 : cut % (s.length + 1);
        let below = 0;
        while (below < end && s[below] < v) below++;
        expect(lowerBound(s, v, end)).toBe(below);
        expect(lowerBound(s, v + 0.5)).toBe(s.filter((x) => x < v + 0.5).length);
      }),
    );
  });
});

describe('checkFinite', () => {
  it('names the first non-finite value by row and column', () => {
    const x = matrix(3, 4);
    expect(() => checkFinite('op', x)).not.toThrow();
    x.data[2 * 4 + 3] = -Infinity;
    x.data[2 * 4 + 1] = NaN;
    expect(() => checkFinite('op', x)).toThrow(new ArgumentError('op: X must hold finite numbers, got NaN at row 2, column 1; fill gaps first (a Pipeline imputes them)'));
  });
});
