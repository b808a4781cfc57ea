#!/usr/bin/env node
// The `whittle` command: parses, calls the library, prints. Errors a user can act on are one line and a non-zero exit.
import { readFileSync } from 'node:fs';
import { WhittleError } from '../core/errors.js';
import { type CommandSpec, type Parsed, parseArgs, formatHelp, UsageError } from './args.js';
import { interrupt } from './progress.js';
import { checkOutputPaths } from './paths.js';
import { trainSpec, runTrain } from './commands/train.js';
import { predictSpec, runPredict } from './commands/predict.js';
import { automlSpec, runAutoml } from './commands/automl.js';
import { rulesSpec, runRules } from './commands/rules.js';
import { benchSpec, runBench } from './commands/bench.js';
import { compressSpec, runCompress } from './commands/compress.js';
import { nasSpec, runNas } from './commands/nas.js';
import { demoSpec, runDemo } from './commands/demo.js';

type Runner = (p: Parsed, log: (s: string) => void, out: (s: string) => void) => Promise<unknown>;

const COMMANDS: Record<string, [CommandSpec, Runner]> = {
  demo: [demoSpec, runDemo],
  train: [trainSpec, runTrain],
  compress: [compressSpec, runCompress],
  nas: [nasSpec, runNas],
  automl: [automlSpec, runAutoml],
  rules: [rulesSpec, runRules],
  predict: [predictSpec, runPredict],
  bench: [benchSpec, (p) => runBench(p)],
};

function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return [
    'whittle — train, compress and generate models, with no native code and no Python',
    '',
    'usage: whittle <command> [options]      (whittle <command> --help for its options; whittle --version)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, [s]]) => `  ${k.padEnd(w)}${s.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const out = (s: string) => process.stdout.write(s);
  const [name, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  if (name === '--version' || name === '-V' || name === 'version') {
    // the package's own version (dist/cli/main.js sits two folders below package.json), and the Node running it
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    out(`whittle ${version} (Node ${process.version})\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(`${topHelp()}\n`);
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  try {
    if (!entry) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const [spec, run] = entry;
    const parsed = parseArgs(rest, spec);
    if (parsed.help) {
      out(`${formatHelp(spec)}\n`);
      return 0;
    }
    checkOutputPaths(name, spec, parsed);
    await run(parsed, log, out);
    return interrupt.requested ? 130 : 0;
  } catch (e) {
    if (verbose) log((e as Error).stack ?? String(e));
    if (e instanceof UsageError) {
      log(`whittle: ${e.message}`);
      log(`(see whittle ${entry ? name : ''} --help)`.replace('  ', ' '));
      return 2;
    }
    if (e instanceof WhittleError) {
      // 'automl: budgetSeconds ...' from the library reads 'whittle automl: budgetSeconds ...', not 'whittle automl: automl: ...'
      log(e.message.startsWith(`${name}: `) ? `whittle ${e.message}` : `whittle ${name}: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) {
      log(`whittle ${name}: ${err.message}`);
      return 1;
    }
    if (!verbose) log(`whittle ${name}: internal error: ${(e as Error).message ?? e} (run with --verbose for the stack trace)`);
    return 70;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
