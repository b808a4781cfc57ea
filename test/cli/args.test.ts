import { describe, expect, it } from 'vitest';
import { type CommandSpec, UsageError, parseArgs } from '../../cli/args.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: '',
  usage: 'whittle demo [--fast] [--budget N]',
  options: {
    fast: { type: 'boolean', help: '', default: false },
    dates: { type: 'boolean', help: '', default: true },
    budget: { type: 'number', help: '' },
    mode: { type: 'string', help: '', choices: ['a', 'b'] },
  },
};

describe('parseArgs', () => {
  it('a boolean takes --flag, --flag=false and --flag false alike', () => {
    expect(parseArgs(['--fast'], spec).fast).toBe(true);
    expect(parseArgs(['--dates=false'], spec).dates).toBe(false);
    expect(parseArgs(['--dates', 'false', '--budget', '3'], spec)).toMatchObject({ dates: false, budget: 3 });
    expect(parseArgs(['--fast', 'true'], spec).fast).toBe(true);
    expect(parseArgs([], spec)).toMatchObject({ fast: false, dates: true, seed: 0 });
    expect(() => parseArgs(['--fast=yes'], spec)).toThrow(new UsageError('demo: --fast takes true or false, got yes'));
  });

  it('a stray word is a usage error unless the command takes positionals', () => {
    expect(() => parseArgs(['--budget', '3', 'extra'], spec)).toThrow(new UsageError('demo: unexpected argument "extra" (usage: whittle demo [--fast] [--budget N])'));
    expect(() => parseArgs(['a', 'b'], { ...spec, positionals: 1 })).toThrow(/demo: unexpected argument "b"/);
    expect(parseArgs(['m.safetensors', '--fast'], { ...spec, positionals: 1 }).positionals).toEqual(['m.safetensors']);
    expect(parseArgs(['x', 'y', 'z'], { ...spec, positionals: Infinity }).positionals).toEqual(['x', 'y', 'z']);
  });

  it('numbers, choices and unknown options are checked, naming the option', () => {
    expect(() => parseArgs(['--budget', 'soon'], spec)).toThrow('demo: --budget must be a number, got soon');
    expect(() => parseArgs(['--mode', 'c'], spec)).toThrow('demo: --mode must be one of a, b, got c');
    expect(() => parseArgs(['--bugdet', '3'], spec)).toThrow(/demo: unknown option --bugdet \(known: --fast, --dates, --budget, --mode, --seed, --verbose\)/);
    expect(() => parseArgs(['--budget'], spec)).toThrow('demo: --budget needs a value');
  });
});
