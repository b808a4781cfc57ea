// Which compute backend core's ops run on. CPU is always there; the gpu.js backend is loaded only when asked for.
import type { Backend } from '../kernels/backend.js';
import { cpuBackend } from '../kernels/cpu/index.js';

let current: Backend = cpuBackend;

export function getBackend(): Backend {
  return current;
}

/** Installs a backend object directly (tests, or a backend a user built). Returns the previous one. */
export function setBackend(b: Backend): Backend {
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
  if (name === 'cpu') {
    current = cpuBackend;
    return current;
  }
  // A dynamic import: the gpu.js backend (and gpu.js itself, which it imports lazily) loads only when asked for.
  const gpu = await import('../kernels/gpu/index.js');
  current = await gpu.createGpuBackend(options as Parameters<typeof gpu.createGpuBackend>[0]);
  return current;
}
