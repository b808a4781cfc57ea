// float32 -> int8 affine quantization as PyTorch does it (quantize_per_tensor, fake quantization):
// q = clamp(zeroPoint + nearbyint(float32(x * float32(1 / scale))), qmin, qmax), the product in float32 and rounded
// half to even. The wasm module's `quantize` (16 floats a step, f32 lanes) does the bulk, this JS loop the tail and
// where wasm is off; both give the same bytes (NaN becomes 0, as an Int8Array store does).
// (Math.round on a double product, as before, had differed from PyTorch by one code on ties, 2.5 -> 3 where
// PyTorch gives 2, and where the float32 product lands on a half the double does not: 0.35f / 0.1 -> 3, not 4.)

import { getNumThreads } from './pool.js';
import { wasmStage } from './wasm/wasm-gemm.js';

/** float32(1 / float32(scale)): the multiplier a scale quantizes with (PyTorch's inv_scale). */
export function inverseScale(scale: number): number {
  return Math.fround(1 / Math.fround(scale));
}

/** Rounds to the nearest integer, a tie to the even one (C's nearbyint, torch.round): 0.5 -> 0, 1.5 -> 2, -2.5 -> -2. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The code of one value: clamp(zeroPoint + roundHalfEven(float32(x * inv)), qmin, qmax), inv from inverseScale; NaN stays NaN. */
export function quantizeValue(x: number, inv: number, zeroPoint: number, qmin: number, qmax: number): number {
  const q = roundHalfEven(Math.fround(x * inv)) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** Below this many elements the copies in and out of the wasm memory cost more than the loop. */
const WASM_MIN = 256;

/** int8 codes of src; qmin/qmax must lie in [-128, 127] for the wasm path (else the JS loop wraps like an Int8Array store). */
export function quantizeInt8(src: Float32Array, scale: number, zeroPoint: number, qmin: number, qmax: number): Int8Array {
  const n = src.length, inv = inverseScale(scale);
  const out = new Int8Array(n);
  const bulk = n >= WASM_MIN && qmin >= -128 && qmax <= 127 ? n - (n % 16) : 0;
  const st = bulk > 0 ? wasmStage(getNumThreads(), 4 * bulk, bulk, 0, 16) : null;
  let from = 0;
  if (st) {
    new Float32Array(st.buffer, st.a, bulk).set(src.subarray(0, bulk));
    new Float32Array(st.buffer, st.extra, 4).set([inv, zeroPoint, qmin, qmax]);
    st.kernels.quantize(st.a, bulk / 16, st.b, st.extra);
    out.set(new Int8Array(st.buffer, st.b, bulk));
    from = bulk;
  }
  for (let i = from; i < n; i++) out[i] = quantizeValue(src[i]!, inv, zeroPoint, qmin, qmax);
  return out;
}
