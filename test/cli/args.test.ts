import { describe, expect, it } from 'vitest';
import { type CommandSpec, UsageError, formatHelp, nearest, numberRange, parseArgs } from '../../cli/args.js';

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

describe('nearest', () => {
  it('finds the name within two edits, and nothing for a short or distant word', () => {
    const names = ['epochs', 'batch-size', 'budget', 'out', 'lr'];
    expect(nearest('epohcs', names)).toBe('epochs');
    expect(nearest('batch-szie', names)).toBe('batch-size');
    expect(nearest('BUDGET', names)).toBe('budget');
    expect(nearest('ot', names)).toBeUndefined(); // 2 letters: no room for a guess
    expect(nearest('learning-rate', names)).toBeUndefined();
  });
});

describe('parseArgs', () => {
  it('a boolean takes --flag, --flag=false and --flag false alike', () => {
    expect(parseArgs(['--fast'], spec).fast).toBe(true);
    expect(parseArgs(['--dates=false'], spec).dates).toBe(false);
    expect(parseArgs(['--dates', 'false', '--budget', '3'], spec)).toMatchObject({ dates: false, budget: 3 });
    expect(parseArgs(['--fast', 'true'], spec).fast).toBe(true);
    expect(parseArgs([], spec)).toMatchObject({ fast: false, dates: true, seed: 0 });
    expect(() => parseArgs(['--fast=yes'], spec)).toThrow(new UsageError('demo: --fast takes true or false, got yes'));
    // a yes or no after the flag is refused as such, not taken for a stray argument
    expect(() => parseArgs(['--dates', 'no'], spec)).toThrow(new UsageError('demo: --dates takes true or false, got no'));
    expect(() => parseArgs(['--fast', 'ON'], spec)).toThrow(new UsageError('demo: --fast takes true or false, got ON'));
  });

  it('a list option checks each item', () => {
    const list: CommandSpec = { ...spec, options: { learners: { type: 'string', help: '', items: ['knn', 'linear', 'mlp'] } } };
    expect(parseArgs(['--learners', 'knn, linear'], list).learners).toBe('knn, linear');
    expect(() => parseArgs(['--learners', 'knn,lienar,rf'], list)).toThrow(new UsageError('demo: --learners takes a comma-separated list of knn, linear, mlp; "lienar", "rf" are not among them'));
    expect(() => parseArgs(['--learners', 'knn,'], list)).toThrow(new UsageError('demo: --learners takes a comma-separated list of knn, linear, mlp; "" is not among them'));
  });

  it('an option given twice is an error, not the last one kept', () => {
    expect(() => parseArgs(['--budget', '3', '--budget', '5'], spec)).toThrow(new UsageError('demo: --budget is given twice (3, then 5): give it once'));
    expect(() => parseArgs(['--mode=a', '--mode=b'], spec)).toThrow(new UsageError('demo: --mode is given twice (a, then b): give it once'));
    expect(() => parseArgs(['--fast', '--fast=false'], spec)).toThrow(new UsageError('demo: --fast is given twice (true, then false): give it once'));
    // a default is not "given"
    expect(parseArgs(['--dates=false'], spec).dates).toBe(false);
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
    expect(() => parseArgs(['--bugdet', '3'], spec)).toThrow(/demo: unknown option --bugdet \(did you mean --budget\?\) \(known: --fast, --dates, --budget, --mode, --seed, --verbose\)/);
    expect(() => parseArgs(['--zzz', '3'], spec)).toThrow(/demo: unknown option --zzz \(known: --fast/);
    // a command that takes its model first says so to a --model (train names its model with that flag)
    const file: CommandSpec = { ...spec, usage: 'whittle demo MODEL [--fast]', positionals: 1 };
    expect(() => parseArgs(['--model', 'm.safetensors'], file)).toThrow(/^demo: unknown option --model; the model is the first argument: whittle demo MODEL \[--fast\] \(known: /);
    expect(() => parseArgs(['--budget'], spec)).toThrow('demo: --budget needs a value');
  });

  it('a number option may be held to whole numbers and bounds, and says which in its error and help', () => {
    const ranged: CommandSpec = {
      name: 'fit',
      summary: 's',
      usage: 'u',
      options: {
        epochs: { type: 'number', help: 'epochs', integer: true, min: 1 },
        budget: { type: 'number', help: 'seconds', above: 0 },
        val: { type: 'number', help: 'fraction', min: 0, below: 1 },
        skip: { type: 'number', help: 'any', integer: true },
      },
    };
    expect(parseArgs(['--epochs', '1', '--budget', '0.5', '--val', '0', '--skip', '-3'], ranged)).toMatchObject({ epochs: 1, budget: 0.5, val: 0, skip: -3 });
    const bad: [string[], string][] = [
      [['--epochs', '0'], 'fit: --epochs must be an integer >= 1, got 0'],
      [['--epochs', '2.5'], 'fit: --epochs must be an integer >= 1, got 2.5'],
      [['--budget', '0'], 'fit: --budget must be a number > 0, got 0'],
      [['--budget', '-1'], 'fit: --budget must be a number > 0, got -1'],
      [['--val', '1'], 'fit: --val must be a number >= 0 and < 1, got 1'],
      [['--val=-0.1'], 'fit: --val must be a number >= 0 and < 1, got -0.1'],
      [['--skip', '0.5'], 'fit: --skip must be an integer, got 0.5'],
    ];
    for (const [argv, message] of bad) expect(() => parseArgs(argv, ranged)).toThrow(new UsageError(message));
    expect(numberRange(ranged.options.budget)).toBe('a number > 0');
    expect(numberRange({ type: 'number', help: '' })).toBe('');
    expect(formatHelp(ranged)).toMatch(/--epochs <integer>\s+epochs\n/);
    expect(formatHelp(ranged)).toMatch(/--budget <number>\s+seconds\n/);
  });
});
