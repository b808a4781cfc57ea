import { describe, expect, it } from 'vitest';
import type { RowObject } from '../../../search/rules/data.js';
import { rulesFromModel } from '../../../search/rules/mimic.js';
import { iris, penguins } from './fixtures.js';

/** A stand-in for a trained model: a hand-written classifier on the Iris petals. */
function petalModel(rows: RowObject[]): string[] {
  return rows.map((r) => ((r.petal_length as number) < 2.5 ? 'setosa' : (r.petal_width as number) < 1.7 ? 'versicolor' : 'virginica'));
}

describe('rulesFromModel', () => {
  it('mimics a model with high fidelity and reports accuracy against the true labels', () => {
    const seen: RowObject[][] = [];
    const res = rulesFromModel((rows) => (seen.push(rows), petalModel(rows)), iris(), { target: 'species', seed: 0 });
    expect(seen[0].every((r) => !Object.hasOwn(r, 'species'))).toBe(true);
    expect(res.fidelity).toBeGreaterThanOrEqual(0.95);
    expect(res.nTrain + res.nHoldout).toBe(150);
    expect(res.nHoldout).toBeGreaterThanOrEqual(45);
    expect(res.nHoldout).toBeLessThanOrEqual(55);
    expect(res.accuracy).toBeGreaterThan(0.85);
    expect(res.modelAccuracy).toBeGreaterThan(0.9);
    // the rules learn the model, not the truth: their features are the model's
    const used = new Set(res.rules.rules.flatMap((r) => r.conditions.map((c) => c.feature)));
    expect([...used].every((f) => f === 'petal_length' || f === 'petal_width')).toBe(true);
  });

  it('mimics a constant model exactly', () => {
    const res = rulesFromModel((rows) => rows.map(() => 'Gentoo'), penguins(), { target: 'Species', seed: 1, algorithm: 'tree' });
    expect(res.fidelity).toBe(1);
    expect(res.rules.predict([{}])).toEqual(['Gentoo']);
  });

  it('reads numeric predictions as class indices', () => {
    const classes = ['setosa', 'versicolor', 'virginica'];
    const res = rulesFromModel((rows) => petalModel(rows).map((c) => classes.indexOf(c)), iris(), { target: 'species', seed: 2 });
    expect(res.fidelity).toBeGreaterThanOrEqual(0.9);
    expect(() => rulesFromModel((rows) => rows.map(() => 7), iris(), { target: 'species' })).toThrow(/class index in \[0, 3\), got 7/);
    expect(() => rulesFromModel(() => ['setosa'], iris(), { target: 'species' })).toThrow(/one label per row \(150\), got 1/);
    expect(() => rulesFromModel(petalModel, iris(), { target: 'species', holdout: 1 })).toThrow(/holdout must be in/);
  });
});
