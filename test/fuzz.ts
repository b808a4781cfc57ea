// Fuzzing the readers of user files: from a valid document our own writer made, one mutation at a time (a byte
// cut or changed; a JSON key deleted, a value swapped for one of another type, an array entry repeated), and one
// property for every reader: it returns something that works, or throws a WhittleError naming the file or field.
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { WhittleError } from '../core/errors.js';

export type JsonPath = (string | number)[];

/** Every path into a JSON document (the root excluded), depth first. */
export function jsonPaths(doc: unknown): JsonPath[] {
  const out: JsonPath[] = [];
  const walk = (v: unknown, at: JsonPath) => {
    if (at.length > 0) out.push(at);
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(doc, []);
  return out;
}

/** Values of every JSON type, and the numbers and strings a reader may trust too far. */
export const wrongValues: unknown[] = [
  null, true, false, 0, -1, 1, 0.5, -0.5, 2, 3, 1e9, -1e9, 2 ** 31, 2 ** 53, 1e308, -1e308, Number.MAX_SAFE_INTEGER,
  '', 'x', 'NaN', 'Infinity', '-1', '1e400', '__proto__', [], [0], [-1], ['x'], [null], [[]], [1e9], {}, { a: 1 }, { length: 1e9 },
];

export type JsonMutation =
  | { op: 'delete'; pick: number }
  | { op: 'replace'; pick: number; value: unknown }
  | { op: 'duplicate'; pick: number };

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...wrongValues) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }) }),
  fc.record({ op: fc.constant('duplicate' as const), pick: fc.nat() }),
);

/**
 * A deep copy of `doc` with one mutation: `pick` chooses the path (modulo their count). delete: the key goes (an
 * array loses the entry); replace: the value is `value`; duplicate: an array entry is repeated in place, an object's
 * value copied over a sibling key. Returns the copy and a description for the failure message.
 */
export function mutateJson(doc: unknown, m: JsonMutation): { doc: unknown; what: string } {
  const copy = structuredClone(doc);
  const paths = jsonPaths(copy);
  if (paths.length === 0) return { doc: m.op === 'replace' ? structuredClone(m.value) : copy, what: `root = ${JSON.stringify(m.op === 'replace' ? m.value : copy)}` };
  const path = paths[m.pick % paths.length]!;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  const where = path.join('.');
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
    return { doc: copy, what: `delete ${where}` };
  }
  if (m.op === 'replace') {
    parent[key] = structuredClone(m.value);
    return { doc: copy, what: `${where} = ${JSON.stringify(m.value)}` };
  }
  if (Array.isArray(parent)) {
    parent.splice(key as number, 0, structuredClone(parent[key as number]));
    return { doc: copy, what: `duplicate ${where}` };
  }
  const siblings = Object.keys(parent).filter((k) => k !== key);
  if (siblings.length === 0) return { doc: copy, what: `no sibling of ${where}` };
  const other = siblings[m.pick % siblings.length]!;
  parent[other] = structuredClone(parent[key]);
  return { doc: copy, what: `${path.slice(0, -1).concat(other).join('.')} = copy of ${where}` };
}

/** One byte mutation of a valid file: cut it short, or set one byte. */
export type ByteMutation = { op: 'truncate'; at: number } | { op: 'set'; at: number; value: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

export function mutateBytes(bytes: Uint8Array, m: ByteMutation): { bytes: Uint8Array; what: string } {
  const at = m.at % Math.max(1, bytes.length);
  if (m.op === 'truncate') return { bytes: bytes.slice(0, at), what: `cut at byte ${at} of ${bytes.length}` };
  const out = bytes.slice();
  out[at] = m.value;
  return { bytes: out, what: `byte ${at} = 0x${m.value.toString(16).padStart(2, '0')} (was 0x${bytes[at]!.toString(16).padStart(2, '0')})` };
}

/**
 * The property every reader keeps: `read` returns a value and `use` (a prediction, a look at the table) runs on it,
 * or either throws a WhittleError; when `names` is given the reader's error must match it (the file or the field).
 * A TypeError, a RangeError or a plain Error fails the property with what the mutation was.
 */
export function readsOrRefuses<T>(what: string, read: () => T, use: (v: T) => void = () => {}, names?: RegExp): void {
  let value: T;
  try {
    value = read();
  } catch (err) {
    if (!(err instanceof WhittleError)) expect.fail(`${what}: the reader threw ${(err as Error)?.stack ?? String(err)}`);
    if (names) expect((err as Error).message, what).toMatch(names);
    return;
  }
  try {
    use(value);
  } catch (err) {
    if (!(err instanceof WhittleError)) expect.fail(`${what}: read, then using it threw ${(err as Error)?.stack ?? String(err)}`);
  }
}

/**
 * fast-check's settings for these properties: seeded, so that CI runs the same cases every time. To hunt further,
 * WHITTLE_FUZZ_SEED picks another seed and WHITTLE_FUZZ_SCALE multiplies the runs.
 */
export const fuzzRuns = (numRuns: number, seed = 1): { seed: number; numRuns: number } => ({
  seed: process.env.WHITTLE_FUZZ_SEED ? Number(process.env.WHITTLE_FUZZ_SEED) : seed,
  numRuns: Math.round(numRuns * Number(process.env.WHITTLE_FUZZ_SCALE ?? 1)),
});

/**
 * readsOrRefuses for a reader of files: each byte mutation of `bytes` is written to `bad` and read back with
 * `load`, `use(what)` runs on what it returns, and a refusal must name that file.
 */
export function fuzzFileBytes<T>(bytes: Uint8Array, bad: string, load: (path: string) => T, use: (what: string) => (v: T) => void, numRuns: number): void {
  const names = new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}[ :]`);
  fc.assert(
    fc.property(byteMutation, (m) => {
      const { bytes: b, what } = mutateBytes(bytes, m);
      writeFileSync(bad, b);
      readsOrRefuses(what, () => load(bad), use(what), names);
    }),
    fuzzRuns(numRuns),
  );
}

/**
 * readsOrRefuses over JSON mutations of `doc`: `read` gets each mutated document, `use(what)` runs on what it
 * returns, and a refusal must match `names` (the file or field).
 */
export function fuzzJson<T>(doc: unknown, read: (doc: unknown) => T, use: (what: string) => (v: T) => void, names: RegExp | undefined, numRuns: number): void {
  fc.assert(
    fc.property(jsonMutation, (m) => {
      const { doc: mutated, what } = mutateJson(doc, m);
      readsOrRefuses(what, () => read(mutated), use(what), names);
    }),
    fuzzRuns(numRuns),
  );
}
