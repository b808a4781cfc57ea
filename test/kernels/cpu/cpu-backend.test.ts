// The CPU backend runs the shared kernel suite (test/kernels/backend-suite.ts); pooling is in pool.test.ts.

import { cpuBackend } from '../../../kernels/cpu/index.js';
import { runBackendSuite } from '../backend-suite.js';

runBackendSuite('cpu', async () => cpuBackend);
