import { describe, expect, it } from 'vitest';
import { BUILTIN_TABLES, BUILTIN_TARGETS, targetOf } from '../../cli/data.js';
import { UsageError } from '../../cli/args.js';
import * as datasets from '../../core/data/datasets.js';

describe('targetOf', () => {
  it("a built-in table's label is the one its loader holds apart, said in a line", () => {
    for (const name of BUILTIN_TABLES) {
      const lines: string[] = [];
      expect(targetOf(undefined, name, 'train', (s) => lines.push(s))).toBe(datasets[name]().target!.name);
      expect(lines).toEqual([`target: ${BUILTIN_TARGETS[name]}, the ${name} table's label (--target to choose another column)`]);
    }
  });
  it('a given --target wins, silently', () => {
    const lines: string[] = [];
    expect(targetOf('Island', 'penguins', 'train', (s) => lines.push(s))).toBe('Island');
    expect(lines).toEqual([]);
  });
  it("a file, even one named like an Object property, needs --target (had been: Object's constructor as the label)", () => {
    for (const data of ['my.csv', 'constructor', 'toString', '__proto__']) {
      const lines: string[] = [];
      expect(() => targetOf(undefined, data, 'rules', (s) => lines.push(s))).toThrow(new UsageError('rules: --target is required: name the column to predict'));
      expect(lines).toEqual([]);
    }
  });
});
