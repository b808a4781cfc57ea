// A small argument parser (no dependencies): --name value, --name=value, boolean flags, positionals, --help.
import { WhittleError } from '../core/errors.js';

/** A mistake in the command line itself: printed with a pointer to --help, exit code 2. */
export class UsageError extends WhittleError {}

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  help: string;
  default?: string | number | boolean;
  /** Allowed values for a string option. */
  choices?: readonly string[];
  /** A comma-separated list option: the values each item may take (spaces around items are fine). */
  items?: readonly string[];
  /** A number option that takes whole numbers only. */
  integer?: boolean;
  /** A number option's least value. */
  min?: number;
  /** A number option's values must be greater than this. */
  above?: number;
  /** A number option's values must be less than this. */
  below?: number;
  /**
   * A string option that names a file: 'input' (read: never overwritten by an output), 'output' (a file written)
   * or 'dir' (a folder files are written in). Outputs are checked before the command runs (cli/paths.ts).
   */
  path?: 'input' | 'output' | 'dir';
}

/** Levenshtein distance between two short names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known name a mistyped one most likely meant: within 2 edits (a third of its length at most), else none. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Math.min(2, Math.floor(name.length / 3));
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) { best = k; bestD = d; }
  }
  return best;
}

/** 'an integer >= 1', 'a number > 0', 'a number >= 0 and < 1': what a number option takes; '' when anything goes. */
export function numberRange(o: OptionSpec): string {
  const bounds = [o.min !== undefined ? `>= ${o.min}` : '', o.above !== undefined ? `> ${o.above}` : '', o.below !== undefined ? `< ${o.below}` : ''].filter(Boolean);
  if (!o.integer && bounds.length === 0) return '';
  return `${o.integer ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** How many positional arguments the command takes (default none): a stray word is a usage error, not ignored. */
  positionals?: number;
}

export type Parsed = { positionals: string[]; help: boolean } & Record<string, string | number | boolean | undefined | string[]>;

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  seed: { type: 'number', help: 'seed for every random choice (same seed, same result)', default: 0 },
  verbose: { type: 'boolean', help: 'print stack traces on errors', default: false },
};

export function parseArgs(argv: readonly string[], spec: CommandSpec): Parsed {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const out: Parsed = { positionals: [], help: false };
  for (const [k, o] of Object.entries(options)) if (o.default !== undefined) out[k] = o.default;
  // each option once: '--target y --target a' used to keep the last silently (and ran another task)
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') { out.help = true; continue; }
    if (!arg.startsWith('--')) { out.positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const rawName = arg.slice(2, eq >= 0 ? eq : undefined);
    const name = rawName.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const o = options[name];
    if (!o) {
      const known = Object.keys(options).map(kebab);
      // `compress --model m.safetensors`: train names its model with a flag, compress and predict take it first
      const first = spec.positionals && ['model', 'file', 'input'].includes(rawName) ? `; the ${rawName} is the first argument: ${spec.usage}` : '';
      const guess = first ? undefined : nearest(rawName, known);
      throw new UsageError(`${spec.name}: unknown option --${rawName}${guess ? ` (did you mean --${guess}?)` : ''}${first} (known: --${known.join(', --')})`);
    }
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (given.has(name)) throw new UsageError(`${spec.name}: --${rawName} is given twice (${given.get(name)}, then ${value ?? (o.type === 'boolean' ? 'again' : argv[i + 1] ?? 'again')}): give it once`);
    if (o.type === 'boolean') {
      // --flag, --flag=false, and --flag false (the word after it, when it is true or false; a word that reads as
      // a yes or no is refused rather than taken for a stray argument)
      if (value === undefined && /^(true|false|yes|no|on|off|0|1)$/i.test(argv[i + 1] ?? '')) value = argv[++i];
      if (value !== undefined && !['true', 'false'].includes(value)) throw new UsageError(`${spec.name}: --${rawName} takes true or false, got ${value}`);
      out[name] = value !== 'false';
      given.set(name, value ?? 'true');
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${spec.name}: --${rawName} needs a value`);
    }
    given.set(name, value);
    if (o.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${spec.name}: --${rawName} must be a number, got ${value}`);
      const fits = (!o.integer || Number.isInteger(n)) && !(o.min !== undefined && n < o.min) && !(o.above !== undefined && n <= o.above) && !(o.below !== undefined && n >= o.below);
      if (!fits) throw new UsageError(`${spec.name}: --${rawName} must be ${numberRange(o)}, got ${value}`);
      out[name] = n;
    } else {
      if (o.choices && !o.choices.includes(value)) throw new UsageError(`${spec.name}: --${rawName} must be one of ${o.choices.join(', ')}, got ${value}`);
      if (o.items) {
        const items = value.split(',').map((v) => v.trim());
        const bad = items.filter((v) => !o.items!.includes(v));
        if (bad.length > 0) throw new UsageError(`${spec.name}: --${rawName} takes a comma-separated list of ${o.items.join(', ')}; ${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not among them`);
      }
      out[name] = value;
    }
  }
  const allowed = spec.positionals ?? 0;
  if (out.positionals.length > allowed) {
    const extra = out.positionals.slice(allowed).map((a) => JSON.stringify(a)).join(', ');
    throw new UsageError(`${spec.name}: unexpected argument${out.positionals.length - allowed > 1 ? 's' : ''} ${extra} (usage: ${spec.usage})`);
  }
  return out;
}

/** An option's name as its flag is spelled: maxCategories -> max-categories. */
export function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function formatHelp(spec: CommandSpec): string {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([k, o]) => {
    const flag = `--${kebab(k)}${o.type === 'boolean' ? '' : ` <${o.choices ? o.choices.join('|') : o.integer ? 'integer' : o.type}>`}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    return [flag, `${o.help}${def}`];
  });
  const w = Math.min(36, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [`whittle ${spec.name} — ${spec.summary}`, '', `usage: ${spec.usage}`, '', 'options:'];
  for (const [f, h] of rows) lines.push(`  ${f.padEnd(w)}${f.length >= w ? `\n  ${' '.repeat(w)}` : ''}${h}`);
  lines.push(`  ${'--help'.padEnd(w)}show this help`);
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export const str = (p: Parsed, k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
export const num = (p: Parsed, k: string): number | undefined => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
export const bool = (p: Parsed, k: string): boolean => p[k] === true;

export function required(p: Parsed, k: string, command: string): string {
  const v = str(p, k);
  if (v === undefined) throw new UsageError(`${command}: --${kebab(k)} is required`);
  return v;
}
