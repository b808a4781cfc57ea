import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, FormatError } from '../../core/errors.js';
import { Journal, readJournal } from '../../search/journal.js';
import { tpe } from '../../search/strategies/tpe.js';
import { optimize, type StudyOptions, type Trial } from '../../search/study.js';
import { branin, braninSpace } from '../../search/test-functions.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whittle-journal-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);
type C = { x1: number; x2: number };

// The same study as fixtures/crash-study.ts.
function options(journal: string, trials: number, calls: number[] = [], warnings: string[] = []): StudyOptions<C> {
  return {
    space: braninSpace,
    strategy: tpe({ startupTrials: 5 }),
    seed: 7,
    trials,
    journal,
    onWarning: (m) => warnings.push(m),
    objective: ({ x1, x2 }: C, trial: Trial) => {
      calls.push(trial.index);
      trial.report(1, x1);
      return branin(x1, x2);
    },
  };
}
const strip = (trials: readonly { index: number; config: unknown; values: readonly number[]; state: string; reports: unknown }[]) =>
  trials.map((t) => [t.index, t.config, t.values, t.state, t.reports]);

describe('journal', () => {
  it('resumes after a truncated last line without repeating trials, ending as an uninterrupted run', async () => {
    const whole = await optimize(options(file('whole.jsonl'), 30));
    const calls: number[] = [];
    await optimize(options(file('cut.jsonl'), 12, calls));
    fs.appendFileSync(file('cut.jsonl'), '{"type":"trial","index":12,"config":{"x1":1.5'); // crash mid-write
    const warnings: string[] = [];
    const resumed = await optimize(options(file('cut.jsonl'), 30, calls, warnings));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/truncated last line 14/);
    expect(calls).toEqual(Array.from({ length: 30 }, (_, i) => i)); // each trial ran exactly once
    expect(strip(resumed.trials)).toEqual(strip(whole.trials));
    expect(resumed.best!.values).toEqual(whole.best!.values);
    const read = readJournal<C>(file('cut.jsonl'));
    expect(read.truncated).toBe(false);
    expect(read.trials).toHaveLength(30);
  });

  it('resumes after the process was killed inside a trial', async () => {
    const script = fileURLToPath(new URL('./fixtures/crash-study.ts', import.meta.url));
    const journal = file('killed.jsonl');
    const run = promisify(execFile);
    const crashed = await run(process.execPath, ['--import', 'tsx', script, journal, '30', '17']).catch((e: { code: number }) => e);
    expect((crashed as { code: number }).code).toBe(9);
    expect(readJournal(journal).trials.map((t) => t.index)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    const calls: number[] = [];
    const resumed = await optimize(options(journal, 30, calls));
    expect(calls).toEqual(Array.from({ length: 13 }, (_, i) => 17 + i));
    const whole = await optimize(options(file('whole2.jsonl'), 30));
    expect(strip(resumed.trials)).toEqual(strip(whole.trials));
  });

  it('names file and line for a malformed line', async () => {
    await optimize(options(file('bad.jsonl'), 4));
    const lines = fs.readFileSync(file('bad.jsonl'), 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 20) + '}';
    fs.writeFileSync(file('bad.jsonl'), lines.join('\n'));
    expect(() => readJournal(file('bad.jsonl'))).toThrow(FormatError);
    expect(() => readJournal(file('bad.jsonl'))).toThrow(`${file('bad.jsonl')} (line 3): journal line must be JSON`);
    lines[2] = '{"type":"trial","index":-1}';
    fs.writeFileSync(file('bad.jsonl'), lines.join('\n'));
    expect(() => readJournal(file('bad.jsonl'))).toThrow(/\(line 3\): trial index must be a non-negative integer, got -1/);
    await expect(optimize(options(file('bad.jsonl'), 10))).rejects.toThrow(FormatError);
  });

  it('refuses a journal written by another study', async () => {
    await optimize(options(file('other.jsonl'), 2));
    await expect(optimize({ ...options(file('other.jsonl'), 4), seed: 8 })).rejects.toThrow(ArgumentError);
    await expect(optimize({ ...options(file('other.jsonl'), 4), seed: 8 })).rejects.toThrow(/belongs to another study, seed 7 vs 8/);
  });

  it('refuses a journal whose trials measured another task, and resumes one written before tasks were recorded', async () => {
    await optimize({ ...options(file('task.jsonl'), 2), journalTask: 'data a #00000001' });
    await expect(optimize({ ...options(file('task.jsonl'), 4), journalTask: 'data b #00000002' })).rejects.toThrow(
      new ArgumentError(`Journal.open: ${file('task.jsonl')} belongs to another study, what its trials measured: data a #00000001\nvs now: data b #00000002`),
    );
    expect((await optimize({ ...options(file('task.jsonl'), 4), journalTask: 'data a #00000001' })).trials).toHaveLength(4);
    // a journal with no task in its header (older whittle) resumes with one
    await optimize(options(file('untasked.jsonl'), 2));
    const calls: number[] = [];
    expect((await optimize({ ...options(file('untasked.jsonl'), 3, calls), journalTask: 'data a' })).trials).toHaveLength(3);
    expect(calls).toEqual([2]);
  });

  it('keeps NaN and infinite reports, one complete line per trial', () => {
    const header = { seed: 1, directions: ['minimize' as const], space: 'x', strategy: 'random' };
    const { journal } = Journal.open(file('nan.jsonl'), header);
    journal.append({ index: 0, config: { a: 1 }, state: 'pruned', values: [Infinity], reports: [[1, NaN], [2, Infinity]], durationMs: 3, meta: { bracket: 2 }, budget: 9 });
    journal.append({ index: 1, config: { a: 2 }, state: 'failed', values: [], reports: [], durationMs: 1, error: 'boom' });
    journal.close();
    const text = fs.readFileSync(file('nan.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(4);
    const read = readJournal(file('nan.jsonl'));
    expect(read.header).toEqual(header);
    expect(read.trials[0].reports).toEqual([[1, NaN], [2, Infinity]]);
    expect(read.trials[0].values).toEqual([Infinity]);
    expect(read.trials[0].meta).toEqual({ bracket: 2 });
    expect(read.trials[0].budget).toBe(9);
    expect(read.trials[1].error).toBe('boom');
  });
});
