// Fuzz: a saved AutoML pipeline or ensemble (what Pipeline.save / EnsemblePipeline.save write) with one value deleted,
// retyped or repeated at any depth, or its file cut or with one byte changed. Loading gives a pipeline whose
// predictions are its classes (or finite numbers for a regressor), or a FormatError naming the field and the file;
// predict may then refuse rows as a WhittleError, never with an internal error.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnerNames } from '../../../search/automl/learners.js';
import { EnsemblePipeline, Pipeline, type Predictor, loadPipeline } from '../../../search/automl/pipeline.js';
import { fuzzFileBytes, fuzzJson } from '../../fuzz.js';
import { penguinRecords } from './fixtures.js';

const records = penguinRecords().filter((_, i) => i % 4 === 0);
const probe = records.slice(0, 12).map((r) => ({ ...r, Species: undefined }));
const small = (learner: string) => (learner === 'mlp' ? { epochs: 2 } : /forest|trees|boosting/.test(learner) ? { nEstimators: 3 } : {});

/** Predictions must be what the pipeline promises: one per row, each a class (as its labels type) or a finite number. */
function predictsItsClasses(what: string) {
  return (p: Predictor) => {
    const pred = p.predict(probe);
    expect(pred.length, what).toBe(probe.length);
    if (p.task === 'regression') expect(pred.every((v) => typeof v === 'number' && Number.isFinite(v)), `${what}: ${pred}`).toBe(true);
    else expect(pred.every((v) => p.classes.includes(String(v))), `${what}: ${pred}`).toBe(true);
    if (p.task === 'classification') expect(Array.from(p.predictProba(probe).data).every(Number.isFinite), what).toBe(true);
  };
}

const field = /^(pipeline|ensemble) JSON: /;

describe('fuzz: a saved pipeline with one value deleted, retyped or repeated', () => {
  const cases = [
    ...learnerNames.map((learner) => ({ name: learner, target: 'Species', spec: { learner, params: small(learner) } })),
    ...(['decision-tree', 'gradient-boosting', 'linear', 'knn', 'mlp'] as const).map((learner) => ({ name: `${learner} regressor`, target: 'Body Mass (g)', spec: { learner, params: small(learner) } })),
  ];
  it.each(cases)('$name: a pipeline that predicts its classes, or a FormatError naming the field', ({ target, spec }) => {
    const json = JSON.parse(JSON.stringify(new Pipeline(spec).fit(records, target).toJSON())) as unknown;
    fuzzJson(json, (doc) => Pipeline.fromJSON(JSON.parse(JSON.stringify(doc))), predictsItsClasses, field, 60);
  });
});

describe('fuzz: a saved ensemble', () => {
  const members = [new Pipeline({ learner: 'decision-tree' }).fit(records, 'Species'), new Pipeline({ learner: 'gaussian-nb', preprocess: { scale: 'standard' } }).fit(records, 'Species')];
  const ensemble = new EnsemblePipeline(members, [0.7, 0.3], [1, 1.5]);
  const json = JSON.parse(JSON.stringify(ensemble.toJSON())) as unknown;
  it('with one value deleted, retyped or repeated: an ensemble that predicts its classes, or a FormatError naming the field', () => {
    fuzzJson(json, (doc) => EnsemblePipeline.fromJSON(JSON.parse(JSON.stringify(doc))), predictsItsClasses, field, 200);
  });

  it('its file cut or with one byte changed: loadPipeline gives what predicts, or a FormatError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-pipeline-fuzz-'));
    const path = join(dir, 'ensemble.json');
    ensemble.save(path);
    const bytes = new Uint8Array(readFileSync(path));
    const bad = join(dir, 'bad.json');
    fuzzFileBytes(bytes, bad, loadPipeline, predictsItsClasses, 150);
  });
});
