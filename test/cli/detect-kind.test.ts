import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectKind } from '../../cli/commands/predict.js';

describe('detectKind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-kind-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('tells a pipeline past the size limit by its first key, without parsing the rest', () => {
    // the rest is cut short: only loadPipeline, which reads it all, may find that
    const big = file('big.json', '{"kind":"ensemble","members":[{"kind":"pipeline"');
    expect(detectKind(big, 0)).toBe('pipeline');
    expect(() => detectKind(big)).toThrow(/big\.json: not valid JSON/);
  });

  it('parses a file whose first key says nothing, whatever its size', () => {
    const rules = file('rules.json', JSON.stringify({ format: 'whittle-rules', rules: [] }));
    expect(detectKind(rules, 0)).toBe('rules');
    const other = file('other.json', JSON.stringify({ version: 1, kind: 'pipeline' }));
    expect(detectKind(other, 0)).toBe('pipeline');
    const neither = file('neither.json', '{"kind":"tree"}');
    expect(() => detectKind(neither, 0)).toThrow(/not a whittle pipeline or rules file/);
  });
});
