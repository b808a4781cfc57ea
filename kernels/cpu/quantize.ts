// float32 -> int8 affine quantization, q = clamp(Math.round(x * (1/scale)) + zeroPoint, qmin, qmax): the wasm
// module's `quantize` (16 floats a step, in double lanes, Math.round's half-up rule) for the bulk, this JS
// loop for the tail and where wasm is off. Both give the same bytes (NaN becomes 0, as an Int8Array store does).

import { getNumThreads } from './pool.js';
import { wasmStage } from './wasm/wasm-gemm.js';

/** Below this many elements the copies in and out of the wasm memory cost more than the loop. */
const WASM_MIN = 256;

/** int8 codes of src; qmin/qmax must lie in [-128, 127] for the wasm path (else the JS loop wraps like an Int8Array store). */
export function quantizeInt8(src: Float32Array, scale: number, zeroPoint: number, qmin: number, qmax: number): Int8Array {
  const n = src.length, inv = 1 / scale;
  const out = new Int8Array(n);
  const bulk = n >= WASM_MIN && qmin >= -128 && qmax <= 127 ? n - (n % 16) : 0;
  const st = bulk > 0 ? wasmStage(getNumThreads(), 4 * bulk, bulk, 0, 48) : null;
  let from = 0;
  if (st) {
    new Float32Array(st.buffer, st.a, bulk).set(src.subarray(0, bulk));
    new Float64Array(st.buffer, st.extra, 6).set([inv, zeroPoint, qmin, qmax, 0.5, 1]);
    st.kernels.quantize(st.a, bulk / 16, st.b, st.extra);
    out.set(new Int8Array(st.buffer, st.b, bulk));
    from = bulk;
  }
  for (let i = from; i < n; i++) out[i] = Math.min(qmax, Math.max(qmin, Math.round(src[i]! * inv) + zeroPoint));
  return out;
}
