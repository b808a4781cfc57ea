// The CPU backend: hand-written kernels over plain typed arrays, in one place behind the Backend interface.

import type { Backend } from '../backend.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv2d.js';
import { matmul } from './gemm.js';
import { int8Conv2dDequant } from './int8-conv.js';
import { int8Matmul, int8MatmulDequant } from './int8-gemm.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool2d.js';

export const cpuBackend: Backend = {
  name: 'cpu',
  matmul,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  int8Matmul,
  int8MatmulDequant,
  int8Conv2dDequant,
};

export { matmul, checkGemmSizes } from './gemm.js';
export { conv2d, conv2dBackwardInput, conv2dBackwardWeight, setConvColBudget } from './conv2d.js';
export { int8Matmul, int8MatmulDequant } from './int8-gemm.js';
export { int8Conv2dDequant, int8ConvWasmCount, setInt8ConvBudget } from './int8-conv.js';
export { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool2d.js';
export { setNumThreads, getNumThreads, setPoolMinMacs, pooledGemmCount } from './pool.js';
export { setGemmImpl, getGemmImpl, wasmGemmSupported, type GemmImpl } from './wasm/wasm-gemm.js';
