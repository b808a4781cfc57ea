// C4.5's pessimistic error: the upper limit of a binomial confidence interval on the error of something that errs on
// e of n training rows, at confidence CF (25% by default). Follows C4.5's addErrs, including its small-count cases.
import { ArgumentError } from '../../core/errors.js';

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new ArgumentError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Extra errors to add to e observed errors out of n for the upper confidence limit at `cf` (C4.5's addErrs). */
export function addErrs(n: number, e: number, cf = 0.25): number {
  if (!(cf > 0 && cf <= 0.5)) throw new ArgumentError(`addErrs: confidence must be in (0, 0.5], got ${cf}`);
  if (n <= 0) return 0;
  if (e < 1) {
    const base = n * (1 - Math.pow(cf, 1 / n));
    return e === 0 ? base : base + e * (addErrs(n, 1, cf) - base);
  }
  if (e + 0.5 >= n) return Math.max(n - e, 0);
  const z = normalQuantile(1 - cf);
  const f = (e + 0.5) / n;
  const r = (f + (z * z) / (2 * n) + z * Math.sqrt(f / n - (f * f) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return r * n - e;
}

/** Pessimistic error rate of something that errs on e of n rows: (e + addErrs) / n; 1 when it covers nothing. */
export function pessimisticRate(n: number, e: number, cf = 0.25): number {
  return n > 0 ? (e + addErrs(n, e, cf)) / n : 1;
}
