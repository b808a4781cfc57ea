// What every backend shares: conv2d argument checks and the int8 dequantizing epilogue, so that all backends
// throw the same messages and give bit-identical dequantized results from equal int32 accumulators.

import { ShapeError, fmtShape } from '../core/errors.js';
import { outSize, type Conv2dParams, type Int8Epilogue } from './backend.js';

/** Validates conv2d params like the CPU backend; returns the output size. */
export function checkConv2d(op: string, p: Conv2dParams): { hOut: number; wOut: number } {
  const ints: (keyof Conv2dParams)[] = ['batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'kernelH', 'kernelW', 'padH', 'padW'];
  for (const key of ints) {
    if (!Number.isInteger(p[key]) || p[key] < 0) throw new ShapeError(`${op}: ${key} must be a non-negative integer, got ${p[key]}`);
  }
  for (const key of ['strideH', 'strideW', 'dilationH', 'dilationW', 'groups', 'kernelH', 'kernelW'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new ShapeError(`${op}: ${key} must be a positive integer, got ${p[key]}`);
  }
  if (p.inChannels % p.groups !== 0 || p.outChannels % p.groups !== 0) {
    throw new ShapeError(`${op}: groups must divide inChannels and outChannels, got groups=${p.groups}, channels ${fmtShape([p.inChannels, p.outChannels])}`);
  }
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW);
  if (hOut < 1 || wOut < 1) {
    throw new ShapeError(`${op}: output must be at least 1x1, got ${fmtShape([hOut, wOut])} from input ${fmtShape([p.inHeight, p.inWidth])} and kernel ${fmtShape([p.kernelH, p.kernelW])}`);
  }
  return { hOut, wOut };
}

export function checkLength(op: string, what: string, len: number, shape: number[]): void {
  const need = shape.reduce((s, d) => s * d, 1);
  if (len !== need) throw new ShapeError(`${op}: ${what} must hold ${fmtShape(shape)} = ${need} elements, got ${len}`);
}

function checkEpilogueLen(name: string, arr: ArrayLike<number> | undefined, perLen: number, per: string): void {
  if (arr && arr.length !== 1 && arr.length !== perLen) {
    throw new ShapeError(`int8MatmulDequant: ${name} must have length 1 or ${per}=${perLen}, got ${arr.length}`);
  }
}

export function checkEpilogue(ep: Int8Epilogue, m: number, n: number): void {
  checkEpilogueLen('aScale', ep.aScale, m, 'm');
  checkEpilogueLen('bScale', ep.bScale, n, 'n');
  checkEpilogueLen('aZeroPoint', ep.aZeroPoint, m, 'm');
  checkEpilogueLen('bZeroPoint', ep.bZeroPoint, n, 'n');
  checkEpilogueLen('bias', ep.bias, n, 'n');
  if (ep.aScale.length === 0 || ep.bScale.length === 0) {
    throw new ShapeError(`int8MatmulDequant: scales must not be empty, got lengths ${ep.aScale.length} and ${ep.bScale.length}`);
  }
}

/**
 * The Int8Epilogue on exact int32 accumulators, in double, same operation order as the CPU backend,
 * so equal accumulators give bit-identical float32 results:
 *   real = (acc - za*colSumB - zb*rowSumA + k*za*zb) * sa * sb + bias, then relu.
 */
export function dequantEpilogue(acc: Int32Array, a: Int8Array, b: Int8Array, m: number, k: number, n: number, ep: Int8Epilogue, transB: boolean): Float32Array {
  const pick = (arr: ArrayLike<number> | undefined, i: number): number => (arr ? (arr.length === 1 ? arr[0]! : arr[i]!) : 0);
  const za = ep.aZeroPoint, zb = ep.bZeroPoint;
  const needColSum = !!za && za.some((z) => z !== 0);
  const needRowSum = !!zb && zb.some((z) => z !== 0);
  const colSumB = new Float64Array(needColSum ? n : 0);
  if (needColSum) {
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) colSumB[j]! += b[transB ? j * k + p : p * n + j]!;
  }
  const rowSumA = new Float64Array(needRowSum ? m : 0);
  if (needRowSum) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]!;
      rowSumA[i] = s;
    }
  }
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const zai = pick(za, i), sai = pick(ep.aScale, i), rsa = needRowSum ? rowSumA[i]! : 0;
    for (let j = 0; j < n; j++) {
      const zbj = pick(zb, j);
      let v = acc[i * n + j]!;
      if (needColSum) v -= zai * colSumB[j]!;
      if (needRowSum) v -= zbj * rsa;
      v += k * zai * zbj;
      v = v * sai * pick(ep.bScale, j) + pick(ep.bias, j);
      out[i * n + j] = ep.relu && v < 0 ? 0 : v;
    }
  }
  return out;
}
