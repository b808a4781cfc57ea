// predict on table rows: a file of new rows is read as the model read its training table (codes stay text), a rule
// list asks only for the columns its rules read, and the accuracy line compares classes as the model names them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCsv } from '../../core/data/csv.js';
import { Pipeline } from '../../search/automl/pipeline.js';
import { ripper } from '../../search/rules/ripper.js';
import { saveRules } from '../../search/rules/json.js';

const BIN = resolve('dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'whittle-predict-tables-'));

function whittle(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `n` training rows: code 01 and 03 are 'yes', 02 and XX 'no'; a noise column no rule needs. */
function codesCsv(n: number): string {
  const codes = ['01', '02', '03', 'XX'];
  const rows = Array.from({ length: n }, (_, i) => `${codes[i % 4]},${(i * 7) % 5},${i % 4 === 0 || i % 4 === 2 ? 'yes' : 'no'}`);
  return ['code,noise,label', ...rows].join('\n') + '\n';
}

describe('predict reads new rows as the model read its training rows', () => {
  const train = parseCsv(codesCsv(80));
  // every code in the new file is a number as text: read alone, the column would be the numbers 1, 2, 3
  writeFileSync(join(dir, 'new.csv'), 'code,noise,label\n01,0,yes\n02,1,no\n03,2,yes\n');

  it('a rule list: codes 01, 02, 03 match the rules on them', () => {
    const model = ripper(train, 'label');
    expect(model.toString()).toMatch(/code == 0[123]/);
    saveRules(model, join(dir, 'codes-rules.json'));
    const p = whittle('predict', 'codes-rules.json', '--data', 'new.csv');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n')).toEqual(['row,prediction', '0,yes', '1,no', '2,yes']);
    expect(p.stderr).not.toContain('not seen in training');
    expect(p.stderr).toContain('accuracy 100.00% on 3 labelled rows');
  });

  it('an AutoML pipeline: the same, and a row predicts alike with or without a text code beside it', () => {
    new Pipeline({ learner: 'decision-tree' }).fit(train, 'label').save(join(dir, 'codes-pipe.json'));
    const p = whittle('predict', 'codes-pipe.json', '--data', 'new.csv');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n')).toEqual(['row,prediction', '0,yes', '1,no', '2,yes']);
    writeFileSync(join(dir, 'new-xx.csv'), 'code,noise,label\n01,0,yes\n02,1,no\n03,2,yes\nXX,3,no\n');
    const q = whittle('predict', 'codes-pipe.json', '--data', 'new-xx.csv');
    expect(q.stdout.trim().split('\n').slice(0, 4)).toEqual(p.stdout.trim().split('\n'));
  });

  it('classes that are codes (01, 02): the accuracy line compares them as text', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i % 3},${['01', '02', 'X'][i % 3]}`);
    const table = parseCsv(['x,grade', ...rows].join('\n'));
    new Pipeline({ learner: 'decision-tree' }).fit(table, 'grade').save(join(dir, 'grade.json'));
    saveRules(ripper(table, 'grade'), join(dir, 'grade-rules.json'));
    writeFileSync(join(dir, 'grade-new.csv'), 'x,grade\n0,01\n1,02\n0,01\n');
    for (const model of ['grade.json', 'grade-rules.json']) {
      const p = whittle('predict', model, '--data', 'grade-new.csv');
      expect(p.stdout.trim().split('\n'), model).toEqual(['row,prediction', '0,01', '1,02', '2,01']);
      // the file's grade column had been read as 1, 2 and matched no prediction: 0.00%
      expect(p.stderr, model).toContain('accuracy 100.00% on 3 labelled rows');
    }
  });

  it('a rule list needs only the columns its rules read; one it reads and the file lacks is named with both files', () => {
    const model = ripper(train, 'label');
    expect(model.nConditions).toBeGreaterThan(0);
    expect(model.toString()).not.toContain('noise');
    saveRules(model, join(dir, 'codes-rules2.json'));
    writeFileSync(join(dir, 'code-only.csv'), 'code\n01\n02\n');
    const p = whittle('predict', 'codes-rules2.json', '--data', 'code-only.csv');
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n')).toEqual(['row,prediction', '0,yes', '1,no']);
    writeFileSync(join(dir, 'noise-only.csv'), 'noise\n1\n2\n');
    const q = whittle('predict', 'codes-rules2.json', '--data', 'noise-only.csv');
    expect(q.code).not.toBe(0);
    expect(q.stderr.split('\n')[0]).toBe('whittle predict: noise-only.csv: the rules (codes-rules2.json) read column "code", which this file lacks; its columns: "noise"');
  });
});
