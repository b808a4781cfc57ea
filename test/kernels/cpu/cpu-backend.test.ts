// The CPU backend runs the shared kernel suite (test/kernels/backend-suite.ts) on its default cores (wasm SIMD
// where supported; cpu-backend-js.test.ts runs the JS cores); pooling is in pool.test.ts.

import { cpuBackend } from '../../../kernels/cpu/index.js';
import { runBackendSuite } from '../backend-suite.js';

runBackendSuite('cpu', async () => cpuBackend);
