// Node's built-in modules for the file helpers (reading CSV, IDX and safetensors files, atomic saves, finding the
// bundled data sets), reached when a helper is called rather than imported at the top of a module: a browser cannot
// load a module that imports 'node:fs', and the engine (tensors, ops, autograd, nn, optimizers, training, the
// in-memory encoders and decoders) must load there. In a browser a file helper says it needs Node; its in-memory
// counterpart (parseCsv, decodeIdx, decodeSafetensors/encodeSafetensors, ...) works as in Node. The search and
// compress entries reach their worker threads, journals and saved files the same way, so they load there too.
// process.getBuiltinModule is Node 20.16+ (the kernels' worker pool reaches worker_threads the same way).
import { ArgumentError, WhittleError } from './errors.js';

type Builtins = {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  zlib: typeof import('node:zlib');
  module: typeof import('node:module');
  os: typeof import('node:os');
  url: typeof import('node:url');
  worker_threads: typeof import('node:worker_threads');
};

/**
 * Node's `node:<id>` module; a WhittleError naming `op` where there is none (a browser), ending with `inBrowser`: what
 * to do there instead (by default, for a file helper, its in-memory counterpart).
 */
export function nodeBuiltin<K extends keyof Builtins>(id: K, op: string, inBrowser = "pass the file's bytes or text to its in-memory counterpart"): Builtins[K] {
  const mod = optionalNodeBuiltin(id);
  if (!mod) throw new WhittleError(`${op}: needs Node's ${id} module (Node 20.16 or later): in a browser, ${inBrowser}`);
  return mod;
}

/** Node's `node:<id>` module, or undefined where there is none (a browser): for checks that run when a module loads. */
export function optionalNodeBuiltin<K extends keyof Builtins>(id: K): Builtins[K] | undefined {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  return typeof get === 'function' ? (get(`node:${id}`) as Builtins[K] | undefined) : undefined;
}

/**
 * The bytes of the file at `path`, read for `op`: a file that is not there, a folder or one that cannot be read is an
 * ArgumentError naming op and path (Node's own error had reached library users as "ENOENT: no such file or directory,
 * open ..."); `code` keeps the OS's.
 */
export function readFileOf(path: string, op: string): Uint8Array {
  try {
    return nodeBuiltin('fs', op).readFileSync(path);
  } catch (e) {
    throw readError(e, path, op);
  }
}

/** The size in bytes of the file at `path`, with readFileOf's errors. */
export function fileSizeOf(path: string, op: string): number {
  try {
    return nodeBuiltin('fs', op).statSync(path).size;
  } catch (e) {
    throw readError(e, path, op);
  }
}

function readError(e: unknown, path: string, op: string): unknown {
  const code = (e as { code?: unknown } | undefined)?.code;
  const why: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a folder, not a file', EACCES: 'permission denied', EPERM: 'permission denied', ENOTDIR: 'a part of the path is not a folder' };
  if (typeof code !== 'string' || !why[code]) return e;
  return Object.assign(new ArgumentError(`${op}: cannot read ${path}: ${why[code]}`), { code });
}
