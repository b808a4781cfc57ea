// gpu.js is an optional peer: loaded only by `await import` from kernels/gpu, and its absence is an error
// that says how to install it. vi.mock makes the import fail as it does where gpu.js is not installed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createGpuBackend, GpuUnavailableError, whyModeUnavailable } from '../../../kernels/gpu/index.js';

vi.mock('gpu.js', () => {
  throw new Error("Cannot find package 'gpu.js'");
});

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('loading gpu.js', () => {
  it('a missing gpu.js gives GpuUnavailableError naming `npm install gpu.js`', async () => {
    const err = await createGpuBackend({ mode: 'cpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect((err as Error).message).toMatch(/^gpu backend: gpu.js could not be loaded \(.*\); install it with `npm install gpu.js`/);
    expect(await whyModeUnavailable('webasm')).toMatch(/npm install gpu\.js/);
  });

  it('nothing in core/ or kernels/cpu/ imports gpu.js, and kernels/gpu only by a dynamic import', () => {
    const gpuImport = /(from\s+['"]gpu\.js['"]|require\(\s*['"]gpu\.js['"]\s*\)|import\(\s*['"]gpu\.js['"]\s*\))/;
    const offenders = [...sourceFiles('core'), ...sourceFiles('kernels/cpu')].filter((f) => gpuImport.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
    for (const f of sourceFiles('kernels/gpu')) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/^import[^;]*['"]gpu\.js['"]/m);
    }
  });
});
