// Tests core/fs-atomic.ts (kept under test/core/io/ with the other I/O tests).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { appendLineDurable, writeFileAtomic } from '../../../core/fs-atomic.js';

describe('writeFileAtomic', () => {
  it('creates and replaces a file with bytes or text, leaving no temp files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-atomic-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'whittle-atomic-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'keep.txt'), 'old');
    expect(() => writeFileAtomic(join(dir, 'sub'), 'new')).toThrow();
    expect(readFileSync(join(dir, 'sub', 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['sub']);
  });
});

describe('appendLineDurable', () => {
  it('appends whole lines and refuses a line with a newline', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'whittle-atomic-')), 'log.jsonl');
    appendLineDurable(path, '{"step":1}');
    appendLineDurable(path, '{"step":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
    expect(() => appendLineDurable(path, 'a\nb')).toThrow(ArgumentError);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
  });
});
