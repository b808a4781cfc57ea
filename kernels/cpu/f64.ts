// float64 GEMM by plain loops: only for float64 tensors (gradient checks, reference math), never on a hot path.
export function matmulF64(a: Float64Array, b: Float64Array, batch: number, m: number, k: number, n: number,
  opts: { transA?: boolean; transB?: boolean; strideA?: number; strideB?: number } = {}): Float64Array {
  const sa = opts.strideA ?? m * k, sb = opts.strideB ?? k * n;
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const oa = t * sa, ob = t * sb, oc = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const av = opts.transA ? a[oa + p * m + i] : a[oa + i * k + p];
        if (av === 0) continue;
        for (let j = 0; j < n; j++) c[oc + i * n + j] += av * (opts.transB ? b[ob + j * k + p] : b[ob + p * n + j]);
      }
    }
  }
  return c;
}
