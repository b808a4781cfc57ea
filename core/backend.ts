// Which compute backend core's ops run on. CPU is always there; the gpu.js backend is loaded only when asked for.
import type { Backend } from '../kernels/backend.js';
import { ArgumentError } from './errors.js';
import { cpuBackend } from '../kernels/cpu/index.js';

let current: Backend = cpuBackend;

export function getBackend(): Backend {
  return current;
}

/** Installs a backend object directly (tests, or a backend a user built). Returns the previous one. */
export function setBackend(b: Backend): Backend {
  // a name or null here ('gpu' for useBackend's) had failed at the next op: "getBackend(...).matmul is not a function"
  const needed = ['matmul', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'int8Matmul'] as const;
  const lacking = typeof b === 'object' && b !== null ? needed.filter((f) => typeof (b as unknown as Record<string, unknown>)[f] !== 'function') : needed;
  if (lacking.length > 0) {
    throw new ArgumentError(`setBackend: needs a backend object (kernels/backend.ts Backend)${typeof b === 'string' ? `; to select one by name use useBackend(${JSON.stringify(b)})` : ''}, got ${b === null ? 'null' : typeof b === 'object' ? `an object without ${lacking.join(', ')}` : JSON.stringify(b)}`);
  }
  const prev = current;
  current = b;
  return prev;
}

export type BackendName = 'cpu' | 'gpu';

/**
 * Selects a backend by name. 'gpu' loads the gpu.js backend with `await import`, so gpu.js stays an
 * optional peer: without it installed, this rejects with a message that says how to install it.
 */
export async function useBackend(name: BackendName, options: Record<string, unknown> = {}): Promise<Backend> {
  // any name but 'cpu' had loaded gpu.js: 'Cpu' and 'cuda' switched to it silently, or asked to install it
  if (name !== 'cpu' && name !== 'gpu') throw new ArgumentError(`useBackend: name must be 'cpu' or 'gpu', got ${JSON.stringify(name)}`);
  if (name === 'cpu') {
    current = cpuBackend;
    return current;
  }
  // A dynamic import: the gpu.js backend (and gpu.js itself, which it imports lazily) loads only when asked for.
  const gpu = await import('../kernels/gpu/index.js');
  current = await gpu.createGpuBackend(options as Parameters<typeof gpu.createGpuBackend>[0]);
  return current;
}
