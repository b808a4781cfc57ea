// The README's command-line examples are what a newcomer copies first: each names a real command, and its options
// and values parse against that command's spec (an option renamed or a choice dropped fails here, not in a user's shell).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { type CommandSpec, parseArgs } from '../../cli/args.js';
import { automlSpec } from '../../cli/commands/automl.js';
import { benchSpec } from '../../cli/commands/bench.js';
import { compressSpec } from '../../cli/commands/compress.js';
import { demoSpec } from '../../cli/commands/demo.js';
import { nasSpec } from '../../cli/commands/nas.js';
import { predictSpec } from '../../cli/commands/predict.js';
import { rulesSpec } from '../../cli/commands/rules.js';
import { trainSpec } from '../../cli/commands/train.js';

const specs: Record<string, CommandSpec> = { automl: automlSpec, bench: benchSpec, compress: compressSpec, demo: demoSpec, nas: nasSpec, predict: predictSpec, rules: rulesSpec, train: trainSpec };

/** Each `npx whittle ...` line of the README's sh blocks, split into words, the comment dropped. */
function readmeCommands(): string[][] {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([^]*?)^```$/gm)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('npx whittle ')).map((l) => l.replace(/\s+#.*$/, '').trim().split(/\s+/).slice(2));
}

describe("the README's command lines", () => {
  const lines = readmeCommands();

  it('are there to check (every command but demo is shown)', () => {
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines.map((l) => l[0]))).toEqual(new Set(Object.keys(specs).filter((c) => c !== 'demo')));
  });

  it.each(lines.map((l) => [l.join(' '), l] as const))('whittle %s parses', (_, [command, ...args]) => {
    const spec = specs[command];
    expect(spec, `no command ${command}`).toBeDefined();
    expect(() => parseArgs(args, spec)).not.toThrow();
  });

  it('a misspelt option in such a line would fail (the check has teeth)', () => {
    expect(() => parseArgs(['--data', 'my.csv', '--targt', 'label'], automlSpec)).toThrow(/unknown option --targt/);
    expect(() => parseArgs(['--data', 'my.csv', '--metric', 'accuracyy'], automlSpec)).toThrow(/--metric/);
  });
});
