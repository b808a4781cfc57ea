import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { recordsToTable } from '../../../core/data/json.js';
import { Pipeline } from '../../../search/automl/pipeline.js';
import type { RowObject } from '../../../search/rules/data.js';
import { rulesFromModel } from '../../../search/rules/mimic.js';
import { iris, irisRecords, penguins } from './fixtures.js';

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

  it("reads numeric predictions as class indices with numbers: 'indices', and refuses them as labels that are no class", () => {
    const classes = ['setosa', 'versicolor', 'virginica'];
    const byIndex = (rows: RowObject[]) => petalModel(rows).map((c) => classes.indexOf(c));
    const res = rulesFromModel(byIndex, iris(), { target: 'species', seed: 2, numbers: 'indices' });
    expect(res.fidelity).toBeGreaterThanOrEqual(0.9);
    expect(res.modelAccuracy).toBeGreaterThan(0.9);
    expect(() => rulesFromModel((rows) => rows.map(() => 7), iris(), { target: 'species', numbers: 'indices' })).toThrow(new ArgumentError("rulesFromModel: a numeric prediction must be a class index in [0, 3) (numbers: 'indices'), got 7 for row 0"));
    // indices without the option are not guessed at: 0 names no class of Iris
    expect(() => rulesFromModel(byIndex, iris(), { target: 'species' })).toThrow(new ArgumentError(`rulesFromModel: a numeric prediction must be one of the classes "setosa", "versicolor", "virginica" (or, with numbers: 'indices', a class index), got 0 for row 0`));
    expect(() => rulesFromModel(byIndex, iris(), { target: 'species', numbers: 'index' as 'indices' })).toThrow(`rulesFromModel: numbers must be 'labels' or 'indices', got "index"`);
    expect(() => rulesFromModel(() => ['setosa'], iris(), { target: 'species' })).toThrow(/one label per row \(150\), got 1/);
    expect(() => rulesFromModel(petalModel, iris(), { target: 'species', holdout: 1 })).toThrow(/holdout must be in/);
  });

  // Iris with its species as numbers: 1, 2, 3 are both labels and (but for 3) indices into the classes '1', '2', '3'
  const code = { setosa: 1, versicolor: 2, virginica: 3 } as Record<string, number>;
  const numbered = () => irisRecords().map((r) => ({ ...r, species: code[r.species as string] }));

  it('reads an AutoML pipeline that returns numeric classes as labels, passed as it is', () => {
    // classes 3, 7 and 9: read as indices they would be out of range, so only the label reading passes
    const spread = { setosa: 3, versicolor: 5, virginica: 9 } as Record<string, number>;
    const sparse = irisRecords().map((r) => ({ ...r, species: spread[r.species as string] }));
    const pipe = new Pipeline({ learner: 'decision-tree' }).fit(sparse, 'species');
    expect(pipe.predict(sparse.slice(0, 1))).toStrictEqual([3]);
    const res = rulesFromModel((rows) => pipe.predict(rows), recordsToTable(sparse), { target: 'species', seed: 0 });
    expect(res.modelAccuracy).toBeGreaterThan(0.9);
    expect(res.fidelity).toBeGreaterThanOrEqual(0.9);
    expect(res.rules.classes).toEqual(['3', '5', '9']);
    // and a pipeline's booleans are labels 'true' and 'false', as the table holds a JSON file's true/false
    const bools = irisRecords().map((r) => ({ ...r, species: r.species === 'setosa' }));
    const yes = new Pipeline({ learner: 'decision-tree' }).fit(bools, 'species');
    expect(rulesFromModel((rows) => yes.predict(rows), recordsToTable(bools), { target: 'species', seed: 0 }).fidelity).toBe(1);
  });

  it('the ambiguous case: with classes "1", "2", "3" a prediction of 1 is class "1", or with numbers: "indices" class "2"', () => {
    const table = recordsToTable(numbered());
    const ones = () => Array.from({ length: 150 }, () => 1);
    const asLabel = rulesFromModel((rows) => ones().slice(0, rows.length), table, { target: 'species', seed: 0, algorithm: 'tree' });
    expect(asLabel.rules.predict([{}])).toEqual(['1']);
    expect(asLabel.modelAccuracy).toBeCloseTo(1 / 3, 1);
    const asIndex = rulesFromModel((rows) => ones().slice(0, rows.length), table, { target: 'species', seed: 0, algorithm: 'tree', numbers: 'indices' });
    expect(asIndex.rules.predict([{}])).toEqual(['2']);
    // the petal model as numeric labels agrees with the truth; the same numbers read as indices are shifted by one
    // class, and its 3 is no index
    const labels = (rows: RowObject[]) => petalModel(rows).map((c) => code[c]);
    expect(rulesFromModel(labels, table, { target: 'species', seed: 2 }).modelAccuracy).toBeGreaterThan(0.9);
    expect(() => rulesFromModel(labels, table, { target: 'species', seed: 2, numbers: 'indices' })).toThrow(/class index in \[0, 3\) \(numbers: 'indices'\), got 3 for row/);
    expect(() => rulesFromModel((rows) => rows.map(() => 4), table, { target: 'species' })).toThrow(`must be one of the classes "1", "2", "3" (or, with numbers: 'indices', a class index), got 4 for row 0`);
  });
});
