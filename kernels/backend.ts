// The small interface every compute backend implements. Kernels see only typed arrays and sizes,
// never core's Tensor; all arrays are dense and row-major (NCHW for images).

export interface MatmulOptions {
  /** Treat A (per batch) as stored k x m and use its transpose. */
  transA?: boolean;
  /** Treat B (per batch) as stored n x k and use its transpose. */
  transB?: boolean;
  /** Batch strides in elements; 0 broadcasts that operand over the batch. Default: m*k, k*n. */
  strideA?: number;
  strideB?: number;
}

export interface Conv2dParams {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

export interface Pool2dParams {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/**
 * Epilogue for int8 GEMM, applied to each int32 accumulator acc[i][j]:
 *   real = (acc - aZero[i?] * colSumB[j] - bZero[j?] * rowSumA[i] + k*aZero*bZero) * aScale[i?] * bScale[j?] + bias[j?]
 * Scales and zero points are per-tensor (length 1) or per-row of A / per-column of B.
 */
export interface Int8Epilogue {
  aScale: Float32Array;
  bScale: Float32Array;
  aZeroPoint?: Int32Array;
  bZeroPoint?: Int32Array;
  bias?: Float32Array;
  relu?: boolean;
}

export interface Backend {
  readonly name: string;
  /** C[batch, m, n] = A[batch, m, k] x B[batch, k, n] in float32. */
  matmul(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, opts?: MatmulOptions): Float32Array;
  /** y[N, Cout, Hout, Wout] = conv2d(x[N, Cin, H, W], w[Cout, Cin/groups, kH, kW]) + bias[Cout]. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams): Float32Array;
  /** dx from dy for conv2d. */
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams): Float32Array;
  /** dw from dy and x for conv2d. */
  conv2dBackwardWeight(dy: Float32Array, x: Float32Array, p: Conv2dParams): Float32Array;
  /** Max pooling; argmax holds the flat input index each output came from (for backward), -1 if the window was all padding. */
  maxPool2d(x: Float32Array, p: Pool2dParams): { out: Float32Array; argmax: Int32Array };
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, inputSize: number): Float32Array;
  /** Average pooling; padding cells count in the divisor (PyTorch count_include_pad=true). */
  avgPool2d(x: Float32Array, p: Pool2dParams): Float32Array;
  avgPool2dBackward(dy: Float32Array, p: Pool2dParams): Float32Array;
  /** C[m, n] = A[m, k] x B[k, n] in int8 with exact int32 accumulation. */
  int8Matmul(a: Int8Array, b: Int8Array, m: number, k: number, n: number, opts?: { transB?: boolean }): Int32Array;
  /** int8 GEMM followed by the dequantizing epilogue, giving float32. */
  int8MatmulDequant(a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, opts?: { transB?: boolean }): Float32Array;
  /**
   * Optional: y[N, Cout, Ho, Wo] = dequant(conv2d(x, w)) in int8, x quantized per tensor (aScale, aZeroPoint: its
   * padding value), w per output channel (bScale, bZeroPoint), bias per output channel. Without it, core runs
   * int8Conv2dViaGemm (kernels/common.ts) over int8MatmulDequant; with it, results must be bit-identical to that.
   */
  int8Conv2dDequant?(x: Int8Array, w: Int8Array, ep: Int8Epilogue, p: Conv2dParams): Float32Array;
}

/** Output spatial size of a conv/pool window: floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1. */
export function outSize(inSize: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((inSize + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}
