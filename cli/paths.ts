// The files a command will write, checked before it does any work: a 60 s AutoML search (or an hour of training)
// used to end in ENOENT on a temp file's name when --out named a folder that does not exist, and --out naming the
// input (--out data.csv --data data.csv) overwrote the user's data without a word.
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandSpec, Parsed } from './args.js';
import { UsageError, kebab } from './args.js';

const flag = (name: string) => `--${kebab(name)}`;

/** The same file (through links and relative paths), or undefined when `path` does not exist. */
function identity(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `dir` that exists (a folder to be made is made inside it). */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

/**
 * Checks every output path of a parsed command line (options marked `path: 'output'` or `'dir'`, defaults included)
 * before the command runs: its folder exists and can be written, it is not a folder itself (a file output) or a
 * file (a folder output), no two outputs are the same file, and none is one of the inputs (options marked
 * `path: 'input'` and the positionals). Throws a UsageError naming the flag and the path.
 */
export function checkOutputPaths(command: string, spec: CommandSpec, parsed: Parsed, cwd = process.cwd()): void {
  const inputs = new Map<string, string>();
  for (const [name, o] of Object.entries(spec.options)) {
    const v = parsed[name];
    if (o.path !== 'input' || typeof v !== 'string') continue;
    const id = identity(resolve(cwd, v));
    if (id) inputs.set(id, `${flag(name)} ${v}`);
  }
  for (const v of parsed.positionals) {
    const id = identity(resolve(cwd, v));
    if (id) inputs.set(id, v);
  }
  const outputs = new Map<string, string>();
  for (const [name, o] of Object.entries(spec.options)) {
    const v = parsed[name];
    if ((o.path !== 'output' && o.path !== 'dir') || typeof v !== 'string') continue;
    const what = `${command}: ${flag(name)} ${v}`;
    const path = resolve(cwd, v);
    const stat = existsSync(path) ? statSync(path) : undefined;
    if (o.path === 'output' && stat?.isDirectory()) throw new UsageError(`${what} is a folder; give the path of a file to write`);
    if (o.path === 'dir' && stat && !stat.isDirectory()) throw new UsageError(`${what} is a file; give the path of a folder to write the files in`);
    // a file's folder must exist; a folder output is made with its parents, inside the nearest folder that exists
    const folder = o.path === 'dir' ? existingAncestor(path) : dirname(path);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`${what}: the folder ${folder} does not exist`);
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      throw new UsageError(`${what}: cannot write in the folder ${folder} (permission denied)`);
    }
    const id = identity(path) ?? path;
    const input = inputs.get(id);
    if (input) throw new UsageError(`${what} is the input ${input}: writing there would overwrite it; give another path`);
    const other = outputs.get(id);
    if (other) throw new UsageError(`${what} is also ${other}: give each output its own path`);
    outputs.set(id, `${flag(name)} ${v}`);
  }
}
