import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../core/data/csv.js';
import { readTable } from '../../../core/data/read-table.js';
import { ArgumentError, FormatError, WhittleError } from '../../../core/errors.js';
import { tableFromRecords } from '../../../search/automl/frame.js';
import { temper } from '../../../search/automl/ensemble.js';
import { learnerNames, supportsRegression } from '../../../search/automl/learners.js';
import { EnsemblePipeline, Pipeline, encodeTarget, loadPipeline } from '../../../search/automl/pipeline.js';
import { penguinRecords } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-pipeline-'));
const records = penguinRecords();

describe('Pipeline', () => {
  it('every learner fits a table whose only column was left out (an identifier) and predicts the majority class', () => {
    const records = Array.from({ length: 120 }, (_, i) => ({ name: `penguin ${i}`, y: i % 3 === 0 ? 'a' : 'b' }));
    for (const learner of learnerNames) {
      const p = new Pipeline({ learner, seed: 1 }).fit(records, 'y');
      expect(p.preprocessor.featureNames, learner).toEqual([]);
      expect(p.predict([{ name: 'new' }, { name: 'penguin 3' }]), learner).toEqual(['b', 'b']);
      const proba = p.predictProba([{ name: 'new' }]).data;
      expect(proba[0] + proba[1], learner).toBeCloseTo(1, 12);
    }
  });

  const pipe = new Pipeline({ learner: 'random-forest', params: { nEstimators: 30 }, seed: 1 }).fit(records, 'Species');

  it('fits raw rows with missing numeric and categorical values and predicts labels', () => {
    expect(pipe.task).toBe('classification');
    expect(pipe.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const pred = pipe.predict(records);
    const right = pred.filter((p, i) => p === records[i].Species).length;
    expect(right / records.length).toBeGreaterThan(0.95);
  });

  it('predicts new raw rows: missing values, an unseen category, columns in any order', () => {
    const fresh = [
      { Sex: 'FEMALE', Island: 'Atlantis', 'Beak Length (mm)': 47.5, 'Beak Depth (mm)': 14.2, 'Flipper Length (mm)': 215, 'Body Mass (g)': 4900 },
      { Island: 'Torgersen', 'Beak Length (mm)': null, 'Beak Depth (mm)': 18.5, 'Flipper Length (mm)': 185, 'Body Mass (g)': null, Sex: null },
    ];
    expect(pipe.predict(fresh)).toEqual(['Gentoo', 'Adelie']);
    const p = pipe.predictProba(fresh);
    for (let r = 0; r < 2; r++) expect(p.data[r * 3] + p.data[r * 3 + 1] + p.data[r * 3 + 2]).toBeCloseTo(1, 12);
  });

  it('codes fitted as text (01, 2.50) are read back from a column of numbers, so a row predicts alike in any file', () => {
    const codes = ['01', '02', '2.50', 'XX'];
    const train = parseCsv(['code,y', ...Array.from({ length: 80 }, (_, i) => `${codes[i % 4]},${['a', 'b', 'c', 'd'][i % 4]}`)].join('\n'));
    const pipe = new Pipeline({ learner: 'decision-tree' }).fit(train, 'y');
    // every code a number: the reader makes a numeric column (1, 2, 2.5), whose String had matched no category
    const numbers = parseCsv('code\n01\n02\n2.50\n');
    expect(numbers.columns[0].kind).toBe('numeric');
    expect(pipe.unreadable(numbers)).toEqual([]);
    expect(pipe.predict(numbers)).toEqual(['a', 'b', 'c']);
    // the same rows beside a code that is not a number (a categorical column, the text as written): the same answers
    expect(pipe.predict(parseCsv('code\n01\n02\n2.50\nXX\n'))).toEqual(['a', 'b', 'c', 'd']);
    expect(pipe.predict([{ code: 1 }, { code: '01' }, { code: 2.5 }])).toEqual(['a', 'a', 'c']);
    // two categories of one number ('2' and '02'): 2 is the category '2' itself, never a guess between them
    const twins = new Pipeline({ learner: 'decision-tree' }).fit(parseCsv(['code,y', ...Array.from({ length: 40 }, (_, i) => `${['2', '02', '002', 'x'][i % 4]},${'abcd'[i % 4]}`)].join('\n')), 'y');
    expect(twins.predict([{ code: 2 }])).toEqual(['a']);
    const t2 = new Pipeline({ learner: 'decision-tree' }).fit(parseCsv(['code,y', ...Array.from({ length: 40 }, (_, i) => `${['02', '002', 'x', 'y'][i % 4]},${'abcd'[i % 4]}`)].join('\n')), 'y');
    expect(t2.unreadable([{ code: 2 }])).toEqual(['column "code": 1 value was not seen in training, read as none of its categories: "2" (row 0)']);
  });

  it('save / loadPipeline round trip gives identical predictions and probabilities', () => {
    const path = join(dir, 'pipe.json');
    pipe.save(path);
    const back = loadPipeline(path);
    expect(back.predict(records)).toEqual(pipe.predict(records));
    expect(Array.from(back.predictProba(records).data)).toEqual(Array.from(pipe.predictProba(records).data));
  });

  it('every learner survives the round trip inside a pipeline', () => {
    for (const learner of ['decision-tree', 'gradient-boosting', 'linear', 'knn', 'gaussian-nb', 'categorical-nb', 'linear-svm', 'mlp'] as const) {
      const p = new Pipeline({ learner, params: learner === 'mlp' ? { epochs: 5 } : {} }).fit(records, 'Species');
      const back = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
      expect(back.predict(records)).toEqual(p.predict(records));
    }
  });

  it('regression on a numeric target', () => {
    const p = new Pipeline({ learner: 'gradient-boosting', params: { nEstimators: 50 } }).fit(records, 'Body Mass (g)');
    expect(p.task).toBe('regression');
    const pred = p.predict(records.slice(0, 5));
    for (const v of pred) expect(typeof v).toBe('number');
    expect(() => new Pipeline({ learner: 'gaussian-nb' }).fit(records, 'Body Mass (g)')).toThrow(/classification only/);
  });

  it('errors: unknown target lists the columns; bad file is a FormatError naming it', () => {
    // the error names the op that refused (it had said automl: for a Pipeline's own fit)
    expect(() => new Pipeline({ learner: 'knn' }).fit(records, 'species')).toThrow(/^Pipeline\.fit: target must be one of the columns "Species", "Island".* got "species"/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"kind": "pipeline", ');
    expect(() => loadPipeline(bad)).toThrow(FormatError);
    expect(() => loadPipeline(bad)).toThrow(bad);
    expect(() => new Pipeline({ learner: 'knn' }).predict(records)).toThrow(/fitted first/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ ...pipe.toJSON(), learner: { kind: 'svm-rbf' } }));
    expect(() => loadPipeline(unknown)).toThrow(/kind must be one of .*decision-tree.*, got "svm-rbf"/);
  });
});

describe('encodeTarget', () => {
  it('treats a numeric target with few integer values as classes, in numeric order', () => {
    const t = tableFromRecords([{ y: 10 }, { y: 2 }, { y: 10 }, { y: null }]);
    const enc = encodeTarget(t, 'y');
    expect(enc.task).toBe('classification');
    expect(enc.classes).toEqual(['2', '10']);
    expect(Array.from(enc.y)).toEqual([1, 0, 1]);
    expect(Array.from(enc.rows)).toEqual([0, 1, 2]);
    expect(encodeTarget(t, 'y', 'regression').task).toBe('regression');
  });

  it('an infinite number in a numeric target is an error naming the row (from 0), not a dropped row or a NaN score', () => {
    for (const bad of ['inf', '-Infinity', '1e400']) {
      const t = parseCsv(`x,y\n${Array.from({ length: 9 }, (_, i) => `${i},${i === 7 ? bad : i * 0.5}`).join('\n')}\n`);
      const sign = bad.startsWith('-') ? '-' : '';
      expect(() => encodeTarget(t, 'y'), bad).toThrow(new ArgumentError(`automl: target "y" must hold finite numbers, got ${sign}Infinity in row 7`));
      expect(() => encodeTarget(t, 'y', 'classification'), bad).toThrow(/must hold finite numbers, got -?Infinity in row 7/);
      expect(() => new Pipeline({ learner: 'linear' }).fit(t, 'y'), bad).toThrow(/must hold finite numbers/);
    }
    // text that reads as infinite, in a categorical column fitted as a regression target
    const words = tableFromRecords([{ y: '1' }, { y: '2' }, { y: '1e999' }]);
    expect(() => encodeTarget(words, 'y', 'regression')).toThrow(/target "y" must hold finite numbers, got Infinity in row 2/);
  });

  it('a constant regression target is an error; so is a target with no values', () => {
    const constant = tableFromRecords(Array.from({ length: 20 }, (_, i) => ({ x: i, y: 2.5 })));
    expect(() => encodeTarget(constant, 'y')).toThrow(new ArgumentError('automl: regression target "y" must take at least two distinct values, got only 2.5 (the target is constant)'));
    expect(() => new Pipeline({ learner: 'linear' }).fit(constant, 'y')).toThrow(/got only 2\.5 \(the target is constant\)/);
    // gaps do not count as a second value
    expect(() => encodeTarget(tableFromRecords([{ y: 1.5 }, { y: null }, { y: 1.5 }]), 'y', 'regression')).toThrow(/got only 1\.5 \(the target is constant\)/);
    expect(encodeTarget(tableFromRecords([{ y: 1.5 }, { y: 2.5 }]), 'y', 'regression').y).toEqual(new Float64Array([1.5, 2.5]));
    // all missing, numeric or text, and a table without rows
    const none = 'automl: target "y" must have values, got none: all 3 rows are missing';
    expect(() => encodeTarget(parseCsv('x,y\n1,\n2,NA\n3,?\n'), 'y')).toThrow(new ArgumentError(none));
    expect(() => encodeTarget(parseCsv('x,y\n1,\n2,NA\n3,?\n', { categorical: ['y'] }), 'y')).toThrow(new ArgumentError(none));
    expect(() => encodeTarget(parseCsv('x,y\n1,\n2,NA\n3,?\n'), 'y', 'regression')).toThrow(new ArgumentError(none));
    expect(() => encodeTarget(parseCsv('x,y\n'), 'y')).toThrow(new ArgumentError('automl: target "y" must have values, got none: the table has no rows'));
    expect(() => new Pipeline({ learner: 'knn' }).fit(parseCsv('x,y\n'), 'y')).toThrow(new ArgumentError('Pipeline.fit: target "y" must have values, got none: the table has no rows'));
  });
});

describe('EnsemblePipeline', () => {
  const svm = new Pipeline({ learner: 'linear-svm', seed: 1 }).fit(records, 'Species');
  const nb = new Pipeline({ learner: 'gaussian-nb', seed: 1 }).fit(records, 'Species');

  it('blends temperature-scaled member probabilities and keeps the temperatures through save / load', () => {
    const ens = new EnsemblePipeline([svm, nb], [0.5, 0.5], [0.25, 1]);
    const ps = temper(svm.predictProba(records), 0.25);
    const pn = nb.predictProba(records);
    const got = ens.predictProba(records);
    for (let i = 0; i < got.data.length; i++) expect(got.data[i]).toBeCloseTo(0.5 * ps.data[i] + 0.5 * pn.data[i], 12);
    const path = join(dir, 'ensemble-t.json');
    ens.save(path);
    const back = loadPipeline(path) as EnsemblePipeline;
    expect(back.temperatures).toEqual([0.25, 1]);
    expect(Array.from(back.predictProba(records).data)).toEqual(Array.from(got.data));
  });

  it('reads files written before temperatures existed as all 1', () => {
    const { temperatures: _, ...old } = new EnsemblePipeline([svm, nb], [0.3, 0.7], [2, 1]).toJSON();
    const back = EnsemblePipeline.fromJSON(old);
    expect(back.temperatures).toEqual([1, 1]);
    expect(new EnsemblePipeline([svm, nb], [0.3, 0.7]).toJSON()).not.toHaveProperty('temperatures');
    expect(() => new EnsemblePipeline([svm, nb], [0.5, 0.5], [1, 0])).toThrow(/needs one positive finite temperature per member, got \[1,0\] for 2 members/);
    // the blend is probabilities only under weights >= 0 summing to 1: [1, 1] had given rows summing to 2, zeros the first class
    expect(() => new EnsemblePipeline([svm, nb], [1, 1])).toThrow('EnsemblePipeline: weights must sum to 1, got 2 ([1, 1])');
    expect(() => new EnsemblePipeline([svm, nb], [1.5, -0.5])).toThrow('EnsemblePipeline: weights must be finite and >= 0, got -0.5 at 1');
    expect(() => new EnsemblePipeline([svm, nb], [NaN, 1])).toThrow('EnsemblePipeline: weights must be finite and >= 0, got NaN at 0');
    const saved = JSON.parse(JSON.stringify(new EnsemblePipeline([svm, nb], [0.3, 0.7]).toJSON()));
    saved.weights = [0, 0];
    expect(() => EnsemblePipeline.fromJSON(saved)).toThrow(new FormatError('ensemble JSON: weights must sum to 1, got 0 ([0, 0])'));
  });
});

describe('Pipeline: infinite and huge feature values', () => {
  // the CLI's repro: x = (i*7) % 13, y = x > 6, one x infinite
  const mk = (bad: string) => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: (i * 7) % 13, y: (i * 7) % 13 > 6 ? 'hi' : 'lo' }));
    return { rows, table: parseCsv(['x,y', ...rows.map((r, i) => `${i === 5 ? bad : r.x},${r.y}`)].join('\n'), { target: 'y' }) };
  };

  it.each(['inf', '-Infinity', '1e400'])('an %s in a numeric feature is a gap: the model still learns, predicts new infinite rows as gaps, and saves no null', (bad) => {
    const { rows, table } = mk(bad);
    for (const learner of ['linear', 'knn', 'decision-tree'] as const) {
      for (const numericImpute of ['median', 'knn'] as const) {
        const p = new Pipeline({ learner, preprocess: { numericImpute } }).fit(table, 'y');
        const pred = p.predict(rows);
        expect(pred.filter((v, i) => v === rows[i].y).length, `${learner} ${numericImpute}`).toBeGreaterThanOrEqual(38);
        expect(JSON.stringify(p.toJSON()), `${learner} ${numericImpute}`).not.toMatch(/"(mean|std|fill|spread)":null/);
        expect(p.preprocessor.notes).toEqual([`x: 1 value is not finite, read as missing: ${bad.startsWith('-') ? '-' : ''}Infinity (row 5)`]);
        const gaps = { unreadable: 'missing' } as const;
        expect(p.predict([{ x: Infinity }, { x: -Infinity }], gaps)).toEqual(p.predict([{ x: null }, { x: null }]));
        if (learner === 'linear') expect(Array.from(p.predictProba([{ x: Infinity }], gaps).data).every(Number.isFinite)).toBe(true);
        expect(() => p.predict([{ x: 1 }, { x: Infinity }]), `${learner} ${numericImpute}`).toThrow('column "x": 1 value is not finite: Infinity (row 1)');
      }
    }
  });

  // (standardizing around a mean of 2.5e198 rounds the other rows' differences away, as in any float64 scaler: only
  // finiteness is asked here)
  it('a huge finite value (1e200) keeps the statistics and the standardized values finite', () => {
    const { rows, table } = mk('1e200');
    const p = new Pipeline({ learner: 'decision-tree' }).fit(table, 'y');
    const json = p.toJSON();
    expect(JSON.stringify(json.preprocess)).not.toContain('null');
    const x = json.preprocess.columns[0] as { mean: number; std: number };
    expect(Number.isFinite(x.mean) && Number.isFinite(x.std) && x.std > 1e198).toBe(true);
    expect(Array.from(p.preprocessor.transform(table).data).every(Number.isFinite)).toBe(true);
    expect(p.predict(rows).every((v) => v === 'hi' || v === 'lo')).toBe(true);
  });
});

describe('loading malformed pipeline and ensemble JSON', () => {
  const fitted = new Pipeline({ learner: 'linear' }).fit(records, 'Species');
  const good = () => JSON.parse(JSON.stringify(fitted.toJSON()));
  const load = (json: unknown) => {
    const path = join(dir, 'malformed.json');
    writeFileSync(path, JSON.stringify(json));
    return () => loadPipeline(path);
  };
  const formatError = (json: unknown, message: string) => {
    expect(load(json)).toThrow(FormatError);
    expect(load(json)).toThrow(`${join(dir, 'malformed.json')}: ${message}`);
  };

  it('names the missing or wrong field, with the file', () => {
    formatError({ kind: 'pipeline', version: 1 }, 'pipeline JSON: spec is missing');
    formatError({ ...good(), spec: {} }, 'pipeline JSON: spec.learner is missing');
    formatError({ ...good(), spec: { learner: 'svm-rbf' } }, `pipeline JSON: spec.learner must be one of 'decision-tree'`);
    formatError({ ...good(), version: 99 }, 'pipeline JSON: version 99 is not supported (this whittle reads version 1)');
    formatError({ ...good(), version: 'banana' }, 'pipeline JSON: version "banana" is not supported (this whittle reads version 1)');
    formatError({ ...good(), version: undefined }, 'pipeline JSON: version is missing');
    formatError({ ...good(), task: 'ranking' }, `pipeline JSON: task must be one of 'classification', 'regression', got "ranking"`);
    formatError({ ...good(), target: 3 }, 'pipeline JSON: target must be a string, got 3');
    formatError({ ...good(), classes: undefined }, 'pipeline JSON: classes is missing');
    formatError({ ...good(), classes: ['a', 'a', 'b'] }, 'pipeline JSON: classes must hold distinct labels, got ["a", "a", "b"]');
    formatError({ ...good(), preprocess: undefined }, 'pipeline JSON: preprocess is missing');
    formatError({ ...good(), learner: undefined }, 'pipeline JSON: learner is missing');
    // the spec's params (what a refit uses) are held to the learner's rules, as its saved params are
    formatError({ ...good(), spec: { ...good().spec, params: { C: -1 } } }, 'pipeline JSON: spec.params: ');
  });

  it('a statistic saved as null (a NaN or Infinity written by JSON) is refused, not a NaN in every prediction', () => {
    const json = good();
    const i = json.preprocess.columns.findIndex((c: { kind: string }) => c.kind === 'numeric');
    json.preprocess.columns[i].std = null;
    formatError(json, `pipeline JSON: preprocess.columns[${i}].std must be a positive finite number, got null`);
    json.preprocess.columns[i].std = 1;
    json.preprocess.columns[i].mean = 'x';
    formatError(json, `pipeline JSON: preprocess.columns[${i}].mean must be a finite number, got "x"`);
    const knn = JSON.parse(JSON.stringify(new Pipeline({ learner: 'knn', preprocess: { numericImpute: 'knn' } }).fit(records, 'Species').toJSON()));
    knn.preprocess.donors.spread[1] = null;
    formatError(knn, 'pipeline JSON: preprocess.donors.spread[1] must be a positive finite number, got null');
  });

  it('classes that do not match the learner are refused at load, not when printing predictions', () => {
    formatError({ ...good(), classes: ['Adelie', 'Gentoo'] }, 'pipeline JSON: classes has 2 entries where the learner predicts 3 classes');
    // more classes than the learner knows is how a fold without the last class fits: its probability is 0
    const more = Pipeline.fromJSON({ ...good(), classes: ['Adelie', 'Chinstrap', 'Gentoo', 'Emperor'] });
    expect(more.predictProba(records.slice(0, 1)).cols).toBe(4);
    // a learner of another kind than the spec's, or one that does not read the preprocessing's width
    formatError({ ...good(), learner: new Pipeline({ learner: 'knn' }).fit(records, 'Species').toJSON().learner }, `pipeline JSON: learner.kind: the learner must be the spec's "linear", got "knn"`);
    const narrow = new Pipeline({ learner: 'linear' }).fit(records.map((r) => ({ Species: r.Species, 'Body Mass (g)': r['Body Mass (g)'] })), 'Species');
    expect(load({ ...good(), learner: narrow.toJSON().learner })).toThrow(/pipeline JSON: learner: the learner must fit the preprocessing \(\d+ features, classification\), got: /);
    // a regression learner in a classification pipeline
    const reg = new Pipeline({ learner: 'linear' }).fit(records, 'Body Mass (g)');
    expect(load({ ...good(), learner: reg.toJSON().learner })).toThrow(FormatError);
    expect(load({ ...reg.toJSON(), spec: { learner: 'gaussian-nb' }, learner: new Pipeline({ learner: 'gaussian-nb' }).fit(records, 'Species').toJSON().learner })).toThrow(/pipeline JSON: task: gaussian-nb supports classification only/);
  });

  it('a learner whose own fields are broken is a FormatError, not an internal error', () => {
    for (const broken of [{ kind: 'linear' }, { kind: 'linear', version: 'x', weights: [] }, { ...good().learner, weights: 'x' }, { ...good().learner, scale: null }, { ...good().learner, nFeatures: 2 }, 'linear', null]) {
      expect(load({ ...good(), learner: broken }), JSON.stringify(broken)).toThrow(FormatError);
    }
  });

  it('an ensemble checks its fields and each member, naming the member', () => {
    const ens = () => JSON.parse(JSON.stringify(new EnsemblePipeline([fitted, new Pipeline({ learner: 'gaussian-nb' }).fit(records, 'Species')], [0.5, 0.5]).toJSON()));
    const bad = ens();
    bad.members[1] = { kind: 'pipeline' };
    formatError(bad, 'ensemble JSON: members[1].version is missing');
    bad.members[1] = { ...ens().members[1], spec: {} };
    formatError(bad, 'ensemble JSON: members[1].spec.learner is missing');
    formatError({ ...ens(), version: 99 }, 'ensemble JSON: version 99 is not supported (this whittle reads version 1)');
    formatError({ ...ens(), weights: [1] }, 'ensemble JSON: weights must be an array of 2, got [1]');
    formatError({ ...ens(), members: [] }, 'ensemble JSON: members must be a non-empty array, got []');
    formatError({ ...ens(), temperatures: [1, 0] }, 'ensemble JSON: temperatures[1] must be a positive finite number, got 0');
    const other = ens();
    other.members[1] = new Pipeline({ learner: 'gaussian-nb' }).fit(records, 'Island').toJSON();
    expect(load(other)).toThrow(/ensemble JSON: members\[1\]: every member must predict what members\[0\] does/);
  });

  it('any one field of a saved pipeline replaced by a wrong value loads as a FormatError or as a pipeline that predicts', () => {
    for (const learner of learnerNames) {
      const json = new Pipeline({ learner, params: learner === 'mlp' ? { epochs: 2 } : learner.endsWith('forest') || learner === 'extra-trees' || learner === 'gradient-boosting' ? { nEstimators: 3 } : {} }).fit(records.slice(0, 60), 'Species').toJSON();
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        if (path.length > 0) paths.push(path);
        if (path.length >= 4 || typeof v !== 'object' || v === null) return;
        if (Array.isArray(v)) [0, v.length - 1].filter((i, k, a) => i >= 0 && a.indexOf(i) === k).forEach((i) => walk(v[i], [...path, i]));
        else for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      };
      walk(json, []);
      for (const path of paths) {
        for (const wrong of [undefined, null, 'x', -1, [], {}]) {
          const copy = JSON.parse(JSON.stringify(json));
          let at = copy;
          for (const k of path.slice(0, -1)) at = at[k];
          at[path[path.length - 1]] = wrong;
          let p: Pipeline | undefined;
          try {
            p = Pipeline.fromJSON(JSON.parse(JSON.stringify(copy)));
          } catch (err) {
            expect(err, `${learner} ${path.join('.')} = ${JSON.stringify(wrong)}: ${(err as Error).stack}`).toBeInstanceOf(FormatError);
            continue;
          }
          // it may then refuse rows (a column renamed away), as a WhittleError; an internal error or a label that is
          // no class is what this guards against
          try {
            const pred = p.predict(records.slice(0, 5));
            expect(pred.every((c) => typeof c === 'string'), `${learner} ${path.join('.')} = ${JSON.stringify(wrong)}`).toBe(true);
          } catch (err) {
            if (!(err instanceof WhittleError)) expect.fail(`${learner} ${path.join('.')} = ${JSON.stringify(wrong)} loaded, then predict threw ${(err as Error).stack}`);
          }
        }
      }
    }
  });

  it('every learner, classifier and regressor, round trips with identical predictions', () => {
    for (const learner of learnerNames) {
      const params = learner === 'mlp' ? { epochs: 3 } : {};
      const tasks = supportsRegression(learner) ? ['Species', 'Body Mass (g)'] : ['Species'];
      for (const target of tasks) {
        const p = new Pipeline({ learner, params, seed: 2 }).fit(records, target);
        const back = loadPipeline(((path) => (p.save(path), path))(join(dir, `rt-${learner}.json`))) as Pipeline;
        expect(back.predict(records), `${learner} ${target}`).toEqual(p.predict(records));
        if (p.task === 'classification') expect(Array.from(back.predictProba(records).data)).toEqual(Array.from(p.predictProba(records).data));
      }
    }
  });
});

describe('Pipeline.predict: cells it cannot read', () => {
  const pipe = new Pipeline({ learner: 'decision-tree', seed: 1 }).fit(records, 'Species');
  const row = records[0];
  const gaps = { unreadable: 'missing' } as const;

  it('refuses text in a number column by default, naming the column, how many, and the first rows; { unreadable: "missing" } reads them as gaps', () => {
    const typos = [row, { ...row, 'Body Mass (g)': 'about 4 kg' }, row, { ...row, 'Body Mass (g)': 'heavy' }, { ...row, 'Body Mass (g)': 'x' }, { ...row, 'Body Mass (g)': 'y' }];
    const want = `column "Body Mass (g)": 4 values are not a number: "about 4 kg" (row 1), "heavy" (row 3), "x" (row 4), ...`;
    for (const call of [() => pipe.predict(typos), () => pipe.predictProba(typos), () => pipe.predictEncoded(typos)]) {
      expect(call).toThrow(ArgumentError);
      expect(call).toThrow(want);
    }
    expect(() => pipe.predict(typos)).toThrow(/^Pipeline\.predict: every cell must be readable \(or pass \{ unreadable: 'missing' \}/);
    const asNull = typos.map((r) => (typeof r['Body Mass (g)'] === 'string' ? { ...r, 'Body Mass (g)': null } : r));
    expect(pipe.predict(typos, gaps)).toEqual(pipe.predict(asNull));
    expect(Array.from(pipe.predictProba(typos, gaps).data)).toEqual(Array.from(pipe.predictProba(asNull).data));
    // what unreadable() lists is what predict refuses, in the same words but for 'read as missing'
    expect(pipe.unreadable(typos)).toEqual([want.replace(' not a number:', ' not a number, read as missing:')]);
  });

  it('a NaN or a blank in records is a gap, as in training: a pipeline takes the records it was fitted on (NaN had read as the text "NaN")', () => {
    const recs = Array.from({ length: 60 }, (_, i) => ({ a: i % 7 === 0 ? NaN : i * 1.5, b: i % 5, y: i % 3 === 0 ? 'x' : 'z' }));
    const p = new Pipeline({ learner: 'decision-tree', seed: 1 }).fit(recs, 'y');
    expect(p.predict(recs)).toHaveLength(60);
    expect(p.unreadable(recs)).toEqual([]);
    // Number(' ') is 0: a blank had been predicted as a zero, without a word
    const linear = new Pipeline({ learner: 'linear', seed: 1 }).fit(records, 'Species');
    const proba = (v: unknown) => Array.from(linear.predictProba([{ ...row, 'Body Mass (g)': v }]).data);
    expect(proba(0)).not.toEqual(proba(null));
    for (const v of [' ', '\t']) expect(proba(v)).toEqual(proba(null));
  });

  it('names the first three columns with such cells and counts the rest as columns', () => {
    const text = { ...row, 'Beak Length (mm)': 'a', 'Beak Depth (mm)': 'b', 'Flipper Length (mm)': 'c', 'Body Mass (g)': 'd' };
    expect(() => pipe.predict([text])).toThrow(/got column "Beak Length \(mm\)": [^;]*; column "Beak Depth \(mm\)": [^;]*; column "Flipper Length \(mm\)": [^;]*; and 1 more column$/);
  });

  it('names rows of a table as predict prints them (from 0), and every column with such cells', () => {
    const t = parseCsv(['Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex', 'Biscoe,46,tall,210,4500,MALE', 'Dream,?,15,wide,3900,FEMALE', 'Dream,39,18,190,3700,FEMALE'].join('\n'));
    expect(() => pipe.predict(t)).toThrow('got column "Beak Depth (mm)": 1 value is not a number: "tall" (row 0); column "Flipper Length (mm)": 1 value is not a number: "wide" (row 1)');
    expect(pipe.predict(t, gaps)).toHaveLength(3);
  });

  it('an unseen category is read as none of its categories, not refused (sklearn handle_unknown="ignore"); unreadable() still names it', () => {
    const fresh = [{ ...row, Island: 'Atlantis' }];
    expect(pipe.predict(fresh)).toEqual(pipe.predict(fresh, gaps));
    expect(pipe.unreadable(fresh)).toEqual(['column "Island": 1 value was not seen in training, read as none of its categories: "Atlantis" (row 0)']);
  });

  it('refuses a non-date in a date column', () => {
    const days = Array.from({ length: 40 }, (_, i) => ({ when: `2012-0${1 + (i % 9)}-1${i % 10}`, x: i % 7, y: i % 2 ? 'odd' : 'even' }));
    const p = new Pipeline({ learner: 'decision-tree' }).fit(days, 'y');
    expect(p.preprocessor.columns[0].kind).toBe('date');
    expect(() => p.predict([{ when: '31/01/2012', x: 1 }])).toThrow('column "when": 1 value is not a date (2012-01-31): "31/01/2012" (row 0)');
    expect(p.predict([{ when: '31/01/2012', x: 1 }], gaps)).toEqual(p.predict([{ when: null, x: 1 }]));
  });

  it('checks the option itself', () => {
    expect(() => pipe.predict([row], { unreadable: 'gap' as 'missing' })).toThrow(`Pipeline.predict: unreadable must be 'error' or 'missing', got "gap"`);
  });

  it('an ensemble refuses once for all its members, and passes { unreadable: "missing" } on', () => {
    const ens = new EnsemblePipeline([pipe, new Pipeline({ learner: 'gaussian-nb' }).fit(records, 'Species')], [0.5, 0.5]);
    const typo = [{ ...row, 'Beak Length (mm)': 'n/a?' }];
    expect(() => ens.predict(typo)).toThrow(/^EnsemblePipeline\.predict: every cell must be readable .*got column "Beak Length \(mm\)": 1 value is not a number: "n\/a\?" \(row 0\)$/);
    expect(() => ens.predictProba(typo)).toThrow(/^EnsemblePipeline\.predictProba: /);
    expect(ens.predict(typo, gaps)).toEqual(ens.predict([{ ...row, 'Beak Length (mm)': null }]));
    expect(ens.unreadable(typo)).toEqual(['column "Beak Length (mm)": 1 value is not a number, read as missing: "n/a?" (row 0)']);
  });
});

describe('Pipeline: a boolean target', () => {
  const rows = Array.from({ length: 60 }, (_, i) => ({ x: i % 10, c: i % 3 ? 'a' : 'b', ok: i % 10 > 4 }));

  it('predicts booleans for records of true and false, through save / load and in an ensemble', () => {
    const p = new Pipeline({ learner: 'decision-tree' }).fit(rows, 'ok');
    expect(p.classes).toEqual(['false', 'true']);
    expect(p.predict([{ x: 1, c: 'a' }, { x: 8, c: 'b' }])).toEqual([false, true]);
    expect(p.toJSON().labels).toBe('boolean');
    const back = loadPipeline(((path) => (p.save(path), path))(join(dir, 'boolean.json')));
    expect(back.predict(rows)).toEqual(rows.map((r) => r.ok));
    const ens = EnsemblePipeline.fromJSON(JSON.parse(JSON.stringify(new EnsemblePipeline([p, new Pipeline({ learner: 'knn' }).fit(rows, 'ok')], [0.5, 0.5]).toJSON())));
    expect(ens.predict(rows)).toEqual(rows.map((r) => r.ok));
    // members returning their classes differently are refused when built, not only when their file is loaded
    const text = new Pipeline({ learner: 'knn' }).fit(rows.map((r) => ({ ...r, ok: String(r.ok) })), 'ok');
    expect(() => new EnsemblePipeline([p, text], [0.5, 0.5])).toThrow(new ArgumentError('EnsemblePipeline: every member must return the classes as members[0] does (boolean), got string for member 1'));
    // a gap in the target is still a row left out, not a third class
    expect(new Pipeline({ learner: 'decision-tree' }).fit([...rows, { x: 3, c: 'a', ok: null as unknown as boolean }], 'ok').predict([{ x: 9, c: 'a' }])).toEqual([true]);
  });

  it('keeps strings where the target is text: a CSV\'s true/false (a table holds text), a mix, and files written before labels existed', () => {
    const csv = parseCsv(['x,c,ok', ...rows.map((r) => `${r.x},${r.c},${r.ok}`)].join('\n'));
    const fromCsv = new Pipeline({ learner: 'decision-tree' }).fit(csv, 'ok');
    expect(fromCsv.predict(csv)).toEqual(rows.map((r) => String(r.ok)));
    expect(fromCsv.toJSON()).not.toHaveProperty('labels');
    const mixed = new Pipeline({ learner: 'decision-tree' }).fit([...rows, { x: 1, c: 'a', ok: 'maybe' as unknown as boolean }], 'ok');
    expect(mixed.predict([{ x: 8, c: 'b' }])).toEqual(['true']);
    const { labels: _, ...old } = new Pipeline({ learner: 'decision-tree' }).fit(rows, 'ok').toJSON();
    expect(Pipeline.fromJSON(old).predict([{ x: 8, c: 'b' }])).toEqual(['true']);
  });

  it('a saved labels field is checked', () => {
    const json = () => JSON.parse(JSON.stringify(new Pipeline({ learner: 'decision-tree' }).fit(rows, 'ok').toJSON()));
    expect(() => Pipeline.fromJSON({ ...json(), labels: 'date' })).toThrow(`pipeline JSON: labels must be one of 'string', 'number', 'boolean', got "date"`);
    expect(() => Pipeline.fromJSON({ ...json(), labels: 'number' })).toThrow(`pipeline JSON: classes[0] must be a finite number as String(number) writes it (labels is 'number'), got "false"`);
    expect(() => Pipeline.fromJSON({ ...json(), classes: ['no', 'yes'] })).toThrow(`pipeline JSON: classes[0] must be 'true' or 'false' (labels is 'boolean'), got "no"`);
    const reg = JSON.parse(JSON.stringify(new Pipeline({ learner: 'linear' }).fit(records, 'Body Mass (g)').toJSON()));
    expect(() => Pipeline.fromJSON({ ...reg, labels: 'boolean' })).toThrow(`pipeline JSON: labels: a regression pipeline predicts numbers, got labels "boolean"`);
  });
});

describe('Pipeline: a numeric class target', () => {
  // classes 3, 7 and 9 are not 0, 1, 2: a label read as its index, or an index as a label, cannot pass for it
  const rows = Array.from({ length: 90 }, (_, i) => ({ x: i % 10, c: i % 3 ? 'a' : 'b', y: i % 10 < 3 ? 3 : i % 10 < 7 ? 7 : 9 }));
  const fresh = [{ x: 8, c: 'a' }, { x: 0, c: 'b' }, { x: 5, c: 'a' }];

  it('predicts the numbers it was fitted on; predictProba keeps its columns in classes order', () => {
    const p = new Pipeline({ learner: 'decision-tree' }).fit(rows, 'y');
    expect(p.task).toBe('classification');
    expect(p.classes).toEqual(['3', '7', '9']);
    expect(p.labels).toBe('number');
    expect(p.predict(fresh)).toStrictEqual([9, 3, 7]);
    const proba = p.predictProba(fresh);
    expect(Array.from(proba.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(p.predict(rows)).toStrictEqual(rows.map((r) => r.y));
    // negative and fractional classes, classified as asked, come back as the same numbers
    const odd = rows.map((r) => ({ ...r, y: r.y === 3 ? -1 : r.y === 7 ? 0.5 : 20 }));
    const q = new Pipeline({ learner: 'decision-tree' }).fit(odd, 'y', { task: 'classification' });
    expect(q.classes).toEqual(['-1', '0.5', '20']);
    expect(q.predict(fresh)).toStrictEqual([20, -1, 0.5]);
  });

  it('keeps strings where the records hold text: numbers written as text, or numbers mixed with text', () => {
    const text = new Pipeline({ learner: 'decision-tree' }).fit(rows.map((r) => ({ ...r, y: String(r.y) })), 'y');
    expect(text.labels).toBe('string');
    expect(text.predict(fresh)).toStrictEqual(['9', '3', '7']);
    expect(text.toJSON()).not.toHaveProperty('labels');
    const mixed = new Pipeline({ learner: 'decision-tree' }).fit(rows.map((r, i) => ({ ...r, y: i === 0 ? '3' : r.y })), 'y');
    expect(mixed.predict(fresh)).toStrictEqual(['9', '3', '7']);
    // a gap is no row, not a type: null, NaN and a blank leave the labels numbers
    const gaps = new Pipeline({ learner: 'decision-tree' }).fit([...rows, { x: 1, c: 'a', y: null as unknown as number }, { x: 2, c: 'a', y: NaN }, { x: 3, c: 'a', y: ' ' as unknown as number }], 'y');
    expect(gaps.predict(fresh)).toStrictEqual([9, 3, 7]);
  });

  it('a table whose class column was read as numbers (a CSV, a JSON records file) predicts numbers; a column read as categories, strings', () => {
    const csvText = ['x,c,y', ...rows.map((r) => `${r.x},${r.c},${r.y}`)].join('\n');
    const csv = parseCsv(csvText);
    const fromCsv = new Pipeline({ learner: 'decision-tree' }).fit(csv, 'y');
    expect(fromCsv.labels).toBe('number');
    expect(fromCsv.predict(csv)).toStrictEqual(rows.map((r) => r.y));
    const json = join(dir, 'numeric-classes.json');
    writeFileSync(json, JSON.stringify(rows));
    expect(new Pipeline({ learner: 'decision-tree' }).fit(readTable(json), 'y').predict(fresh)).toStrictEqual([9, 3, 7]);
    const codes = new Pipeline({ learner: 'decision-tree' }).fit(parseCsv(csvText, { categorical: ['y'] }), 'y');
    expect(codes.labels).toBe('string');
    expect(codes.predict(fresh)).toStrictEqual(['9', '3', '7']);
    // a numeric column of many values is regression, as before: its predictions were numbers already
    const reg = new Pipeline({ learner: 'linear' }).fit(rows.map((r) => ({ ...r, y: r.x * 1.5 + 0.25 })), 'y');
    expect(reg.task).toBe('regression');
    expect(reg.labels).toBe('string');
    expect(reg.toJSON()).not.toHaveProperty('labels');
  });

  it('a JSON records file of true and false predicts booleans, as the same records in memory do', () => {
    const bools = rows.map((r) => ({ ...r, y: r.y === 9 }));
    const json = join(dir, 'boolean-classes.json');
    writeFileSync(json, JSON.stringify(bools));
    const p = new Pipeline({ learner: 'decision-tree' }).fit(readTable(json), 'y');
    expect(p.labels).toBe('boolean');
    expect(p.predict(fresh)).toStrictEqual([true, false, false]);
    expect(p.predict(fresh)).toStrictEqual(new Pipeline({ learner: 'decision-tree' }).fit(bools, 'y').predict(fresh));
  });

  it('saves labels "number" and loads back numbers, alone and in an ensemble; members returning other types are refused', () => {
    const p = new Pipeline({ learner: 'decision-tree' }).fit(rows, 'y');
    expect(p.toJSON().labels).toBe('number');
    const back = loadPipeline(((path) => (p.save(path), path))(join(dir, 'number.json')));
    expect(back.labels).toBe('number');
    expect(back.predict(fresh)).toStrictEqual([9, 3, 7]);
    const knn = new Pipeline({ learner: 'knn' }).fit(rows, 'y');
    const ens = EnsemblePipeline.fromJSON(JSON.parse(JSON.stringify(new EnsemblePipeline([p, knn], [0.5, 0.5]).toJSON())));
    expect(ens.labels).toBe('number');
    expect(ens.predict(fresh)).toStrictEqual([9, 3, 7]);
    const text = new Pipeline({ learner: 'knn' }).fit(rows.map((r) => ({ ...r, y: String(r.y) })), 'y');
    expect(() => new EnsemblePipeline([p, text], [0.5, 0.5])).toThrow(new ArgumentError('EnsemblePipeline: every member must return the classes as members[0] does (number), got string for member 1'));
    expect(() => new EnsemblePipeline([text, p], [0.5, 0.5])).toThrow(new ArgumentError('EnsemblePipeline: every member must return the classes as members[0] does (string), got number for member 1'));
    const mixedFile = JSON.parse(JSON.stringify({ kind: 'ensemble', version: 1, weights: [0.5, 0.5], members: [p.toJSON(), text.toJSON()] }));
    expect(() => EnsemblePipeline.fromJSON(mixedFile)).toThrow(new FormatError('ensemble JSON: members[1].labels: every member must return the classes as members[0] does (number), got string'));
  });

  it('a saved labels "number" needs every class to be a number as String(number) writes it', () => {
    const json = () => JSON.parse(JSON.stringify(new Pipeline({ learner: 'decision-tree' }).fit(rows, 'y').toJSON()));
    const bad = (classes: string[]) => () => Pipeline.fromJSON({ ...json(), classes });
    const what = "must be a finite number as String(number) writes it (labels is 'number')";
    expect(bad(['3', 'seven', '9'])).toThrow(FormatError);
    expect(bad(['3', 'seven', '9'])).toThrow(`pipeline JSON: classes[1] ${what}, got "seven"`);
    // '9.0' would predict 9 as '9' does; '' and 'Infinity' are no finite number written as one
    expect(bad(['3', '7', '9.0'])).toThrow(`pipeline JSON: classes[2] ${what}, got "9.0"`);
    expect(bad(['', '7', '9'])).toThrow(`pipeline JSON: classes[0] ${what}, got ""`);
    expect(bad(['3', '7', 'Infinity'])).toThrow(`pipeline JSON: classes[2] ${what}, got "Infinity"`);
    expect(Pipeline.fromJSON({ ...json(), classes: ['-1', '0.5', '1e+21'] }).predict(fresh)).toStrictEqual([1e21, -1, 0.5]);
  });
});
