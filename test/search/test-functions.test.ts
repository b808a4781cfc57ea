import { describe, expect, it } from 'vitest';
import { Random } from '../../core/random.js';
import { branin, BRANIN_MINIMUM, HARTMANN6_ARGMIN, HARTMANN6_MINIMUM, hartmann6 } from '../../search/test-functions.js';

describe('test functions', () => {
  it('Branin has its known minimum at all three minimizers and nowhere lower', () => {
    for (const [x1, x2] of [[-Math.PI, 12.275], [Math.PI, 2.275], [9.42478, 2.475]]) expect(branin(x1, x2)).toBeCloseTo(BRANIN_MINIMUM, 5);
    const rng = new Random(1);
    for (let i = 0; i < 5000; i++) expect(branin(rng.uniform(-5, 10), rng.uniform(0, 15))).toBeGreaterThanOrEqual(BRANIN_MINIMUM - 1e-6);
    expect(branin(0, 0)).toBeCloseTo(55.602113, 5); // a value from the Virtual Library of Simulation Experiments
  });

  it('Hartmann-6 has its known minimum at its minimizer and nowhere lower', () => {
    expect(hartmann6(HARTMANN6_ARGMIN)).toBeCloseTo(HARTMANN6_MINIMUM, 4);
    const rng = new Random(2);
    for (let i = 0; i < 5000; i++) expect(hartmann6(Array.from({ length: 6 }, () => rng.next()))).toBeGreaterThan(HARTMANN6_MINIMUM);
  });
});
