// whittle/compress: pruning (unstructured and structured), int8 quantization (PTQ and QAT), distillation, reports.
export * from './prune.js';
export * from './prune-schedule.js';
export * from './sparse-format.js';
export * from './huffman.js';
export * from './structured.js';
export * from './observers.js';
export * from './quantize.js';
export * from './qat.js';
export * from './distill.js';
export * from './report.js';
export * from '../core/quantized.js';
export * from './weight-sharing.js';
