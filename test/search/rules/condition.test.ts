import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, conditionHolds, formatCondition, formatNumber, niceThreshold, simplifyConditions } from '../../../search/rules/condition.js';

describe('conditions', () => {
  it('never lets a missing value satisfy any operator', () => {
    const conds: Condition[] = [
      { feature: 'x', op: '<=', value: 1 },
      { feature: 'x', op: '<', value: 1 },
      { feature: 'x', op: '>=', value: 1 },
      { feature: 'x', op: '>', value: 1 },
      { feature: 'x', op: '==', value: 'a' },
      { feature: 'x', op: '!=', value: 'a' },
      { feature: 'x', op: 'in', values: ['a', 'b'] },
    ];
    for (const c of conds) expect(conditionHolds(c, null)).toBe(false);
    expect(conditionHolds(conds[0], 1)).toBe(true);
    expect(conditionHolds(conds[1], 1)).toBe(false);
    expect(conditionHolds(conds[5], 'b')).toBe(true);
    expect(conditionHolds(conds[6], 'c')).toBe(false);
    expect(conditionHolds(conds[0], '0.5')).toBe(false); // a string is not a number to a numeric test
  });

  it('picks a short threshold strictly between two values', () => {
    expect(niceThreshold(2.4, 2.5)).toBe(2.45);
    expect(niceThreshold(1.9, 3)).toBe(2.45);
    expect(niceThreshold(3750, 3800)).toBe(3775);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), (u, v) => {
        if (u === v) return;
        const [a, b] = u < v ? [u, v] : [v, u];
        const t = niceThreshold(a, b);
        expect(t >= a && t < b).toBe(true);
        if (t > a) expect(Math.abs(t - (a / 2 + b / 2))).toBeLessThanOrEqual((b - a) * 0.01 + Number.EPSILON * Math.abs(b));
      }),
    );
  });

  it('prints conditions and numbers compactly', () => {
    expect(formatCondition({ feature: 'petal_length', op: '<=', value: 2.45 })).toBe('petal_length <= 2.45');
    expect(formatCondition({ feature: 'Island', op: '==', value: 'Biscoe' })).toBe('Island == Biscoe');
    expect(formatCondition({ feature: 'Beak Length (mm)', op: '>', value: 42.35 })).toBe('Beak Length (mm) > 42.35');
    expect(formatCondition({ feature: 'a"b', op: '==', value: 'two words' })).toBe('"a\\"b" == "two words"');
    expect(formatCondition({ feature: 'sex', op: 'in', values: ['MALE', 'FEMALE'] })).toBe('sex in {MALE, FEMALE}');
    expect(formatNumber(0.30000000000000004)).toBe('0.3');
    expect(formatNumber(1234.5)).toBe('1234.5');
  });

  it('prints a threshold that reads back as the very number the condition tests', () => {
    // rounded to 6 digits for print, -75.09455 had read -75.0945: a row at -75.0945 held the printed rule, not the rule
    expect(formatCondition({ feature: 'longitude', op: '<=', value: -75.09455 })).toBe('longitude <= -75.09455');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('<=', '<', '>=', '>'), (v, op) => {
        const printed = formatCondition({ feature: 'x', op: op as '<=', value: v }).slice(`x ${op} `.length);
        // === rather than toBe: -0 prints as 0, which every comparison treats alike
        expect(Number(printed) === v).toBe(true);
      }),
    );
  });

  it('simplifying a rule never changes which values it covers', () => {
    const cond = fc.oneof(
      fc.record({ feature: fc.constantFrom('x', 'y'), op: fc.constantFrom('<=', '<', '>=', '>'), value: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ feature: fc.constant('z'), op: fc.constantFrom('==', '!='), value: fc.constantFrom('a', 'b', 'c') }),
    ) as fc.Arbitrary<Condition>;
    fc.assert(
      fc.property(fc.array(cond, { maxLength: 6 }), (conds) => {
        const simple = simplifyConditions(conds);
        expect(simple.length).toBeLessThanOrEqual(conds.length);
        for (const x of [null, 0, 1, 2, 3, 4, 5, 6, 2.5])
          for (const y of [null, 0, 3, 6])
            for (const z of [null, 'a', 'b', 'c', 'd']) {
              const value = (c: Condition) => (c.feature === 'x' ? x : c.feature === 'y' ? y : z);
              expect(simple.every((c) => conditionHolds(c, value(c)))).toBe(conds.every((c) => conditionHolds(c, value(c))));
            }
      }),
      { numRuns: 200 },
    );
  });
});
