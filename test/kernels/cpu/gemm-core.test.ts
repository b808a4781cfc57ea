// The GEMM cores run inside workers from their `.toString()`, so their block sizes are literals that must
// match the exported constants, and the worker program must compile on its own.

import { describe, expect, it } from 'vitest';
import { GEMM_KC, GEMM_MC, GEMM_NC, gemmRun } from '../../../kernels/cpu/gemm-core.js';
import { I8_KC, I8_LANE, I8_MC, I8_NC, int8MicroKernel, int8PackB, int8Run } from '../../../kernels/cpu/int8-core.js';
import { WORKER_SOURCE } from '../../../kernels/cpu/pool.js';

describe('gemm cores', () => {
  it('use the exported block sizes', () => {
    expect(gemmRun.toString()).toContain(`KC = ${GEMM_KC}, MC = ${GEMM_MC}, NC = ${GEMM_NC}`);
    expect(int8Run.toString()).toContain(`KC = ${I8_KC}, MC = ${I8_MC}, NC = ${I8_NC}`);
    expect(int8PackB.toString()).toContain(`LANE = ${I8_LANE}`);
    expect(int8MicroKernel.toString()).toContain(`LANE = ${I8_LANE}`);
  });

  it('keep the int8 lanes apart: 2 * KC * 128 * 128 < 2^25', () => {
    expect(2 * I8_KC * 128 * 128).toBeLessThanOrEqual(I8_LANE);
    expect(I8_KC * 128 * 128 * (I8_LANE + 1)).toBeLessThan(2 ** 53);
  });

  it('form a worker program that compiles without imports', () => {
    // Compiling (not running) catches TS-only syntax or helpers that leaked into a core's source.
    expect(() => new Function('require', WORKER_SOURCE)).not.toThrow();
    expect(WORKER_SOURCE).not.toMatch(/\bimport\b|__name|__vite|cov_/);
    expect(WORKER_SOURCE).toContain('function wasmGemmRun(');
    expect(WORKER_SOURCE).toContain('function wasmInt8Run(');
  });
});
