// Tests core/fs-atomic.ts (kept under test/core/io/ with the other I/O tests).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError, WriteError } from '../../../core/errors.js';
import { appendLineDurable, writeFileAtomic } from '../../../core/fs-atomic.js';

// every folder a test makes, removed at the end
const made: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'whittle-atomic-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeFileAtomic', () => {
  it('creates and replaces a file with bytes or text, leaving no temp files', () => {
    const dir = tempDir();
    const path = join(dir, 'out.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    writeFileAtomic(path, 'héllo');
    expect(readFileSync(path, 'utf8')).toBe('héllo');
    writeFileAtomic(path, new Uint8Array(new ArrayBuffer(16), 4, 2).fill(7));
    expect([...readFileSync(path)]).toEqual([7, 7]);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });
  it('a failing rename (target is a directory) keeps the old state and removes the temp file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'keep.txt'), 'old');
    // the error names the path asked for, not the temp file
    expect(() => writeFileAtomic(join(dir, 'sub'), 'new')).toThrow(new WriteError(join(dir, 'sub'), 'EISDIR', 'it is a folder'));
    expect(readFileSync(join(dir, 'sub', 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['sub']);
  });
  it('a folder that does not exist is named as such, with the code kept', () => {
    const path = join(tempDir(), 'none', 'model.json');
    let err: unknown;
    try {
      writeFileAtomic(path, 'x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).message).toBe(`cannot write ${path}: the folder ${join(path, '..')} does not exist (ENOENT)`);
    expect((err as WriteError).code).toBe('ENOENT');
  });
});

describe('appendLineDurable', () => {
  it('appends whole lines and refuses a line with a newline', () => {
    const path = join(tempDir(), 'log.jsonl');
    appendLineDurable(path, '{"step":1}');
    appendLineDurable(path, '{"step":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
    expect(() => appendLineDurable(path, 'a\nb')).toThrow(ArgumentError);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
  });
});
