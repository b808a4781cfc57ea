// whittle's public core API: what `import { ... } from 'whittle'` gives.
export * from './errors.js';
export * from './dtype.js';
export { sizeOf, broadcastShapes } from './shape.js';
export { Random, manualSeed, getRandom } from './random.js';
export * from './tensor.js';
export * as ops from './ops.js';
export {
  add, sub, mul, div, pow, neg, abs, exp, log, sqrt, relu, sigmoid, tanh, maximum, minimum, clamp, where,
  eq, ne, lt, le, gt, ge, sum, mean, max, min, variance, argmax, argmin, softmax, logSoftmax,
  reshape, flatten, permute, transpose, slice, concat, stack, squeeze, unsqueeze, broadcastTo, cast,
  matmul, linear, conv2d, maxPool2d, avgPool2d, oneHot, customGrad, setDebug,
} from './ops.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { getBackend, setBackend, useBackend } from './backend.js';
export * from './nn/module.js';
export * from './nn/layers.js';
export * from './nn/losses.js';
export * as init from './nn/init.js';
export * from './nn/models.js';
export * from './optim/optimizer.js';
export * from './optim/sgd.js';
export * from './optim/adam.js';
export * from './optim/schedulers.js';
export * from './data/dataset.js';
export * from './data/csv.js';
export * from './data/arff.js';
export * from './data/json.js';
export * from './data/read-table.js';
export * from './data/idx.js';
export * from './data/mnist.js';
export * as datasets from './data/datasets.js';
export * from './io/safetensors.js';
export * from './io/model-file.js';
export * from './fs-atomic.js';
export * from './train.js';
export * from './quantized.js';
export * from './nn/spec.js';
