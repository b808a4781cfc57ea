// The CPU backend on its JS cores (the fallback where WebAssembly SIMD is missing) runs the same kernel suite.

import { cpuBackend, getGemmImpl, setGemmImpl } from '../../../kernels/cpu/index.js';
import { runBackendSuite } from '../backend-suite.js';

runBackendSuite('cpu (js cores)', async () => {
  setGemmImpl('js');
  return getGemmImpl() === 'js' ? cpuBackend : null;
});
