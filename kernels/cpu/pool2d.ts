// Max and average pooling on NCHW input, one (image, channel) plane at a time with the window clipped to
// the image: padding never wins a max, and counts in the average's divisor (count_include_pad=true).

import { ShapeError, fmtShape } from '../../core/errors.js';
import { outSize, type Pool2dParams } from '../backend.js';

function poolDims(op: string, p: Pool2dParams): { hOut: number; wOut: number } {
  for (const key of ['batch', 'channels', 'inHeight', 'inWidth', 'padH', 'padW'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 0) throw new ShapeError(`${op}: ${key} must be a non-negative integer, got ${p[key]}`);
  }
  for (const key of ['kernelH', 'kernelW', 'strideH', 'strideW'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new ShapeError(`${op}: ${key} must be a positive integer, got ${p[key]}`);
  }
  const hOut = outSize(p.inHeight, p.kernelH, p.strideH, p.padH);
  const wOut = outSize(p.inWidth, p.kernelW, p.strideW, p.padW);
  if (hOut < 1 || wOut < 1) {
    throw new ShapeError(`${op}: output must be at least 1x1, got ${fmtShape([hOut, wOut])} from input ${fmtShape([p.inHeight, p.inWidth])} and window ${fmtShape([p.kernelH, p.kernelW])}`);
  }
  return { hOut, wOut };
}

function checkLength(op: string, what: string, len: number, shape: number[]): void {
  const need = shape.reduce((s, d) => s * d, 1);
  if (len !== need) throw new ShapeError(`${op}: ${what} must hold ${fmtShape(shape)} = ${need} elements, got ${len}`);
}

/** Max pooling; argmax[o] is the flat index into x of the winner (first one on ties), -1 for an all-padding window. */
export function maxPool2d(x: Float32Array, p: Pool2dParams): { out: Float32Array; argmax: Int32Array } {
  const { hOut, wOut } = poolDims('maxPool2d', p);
  const { inHeight: H, inWidth: W } = p;
  const planes = p.batch * p.channels;
  checkLength('maxPool2d', 'x', x.length, [p.batch, p.channels, H, W]);
  const out = new Float32Array(planes * hOut * wOut);
  const argmax = new Int32Array(planes * hOut * wOut);
  if (p.padH === 0 && p.padW === 0) {
    if (p.kernelH === 2 && p.kernelW === 2 && p.strideH === 2 && p.strideW === 2) maxPool2x2(x, planes, H, W, hOut, wOut, out, argmax);
    else maxPoolInside(x, planes, H, W, hOut, wOut, p, out, argmax);
    return { out, argmax };
  }
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < hOut; oh++) {
      const h0 = oh * p.strideH - p.padH;
      const hLo = Math.max(0, h0), hHi = Math.min(H, h0 + p.kernelH);
      for (let ow = 0; ow < wOut; ow++, o++) {
        const w0 = ow * p.strideW - p.padW;
        const wLo = Math.max(0, w0), wHi = Math.min(W, w0 + p.kernelW);
        let best = -Infinity;
        let at = -1;
        for (let h = hLo; h < hHi; h++) {
          for (let w = wLo; w < wHi; w++) {
            const i = base + h * W + w;
            const v = x[i]!;
            // `at < 0` takes the first cell even when it is -Infinity; `v !== v` lets NaN win and stay.
            if (v > best || at < 0 || v !== v) {
              best = v;
              at = i;
              if (v !== v) break;
            }
          }
          if (best !== best) break;
        }
        out[o] = at < 0 ? -Infinity : best;
        argmax[o] = at;
      }
    }
  }
  return { out, argmax };
}

/**
 * Unpadded windows lie wholly inside the image: the first cell starts the max, a larger cell replaces it,
 * a NaN replaces it and ends the window (as in the clipped loop above).
 */
function maxPoolInside(x: Float32Array, planes: number, H: number, W: number, hOut: number, wOut: number, p: Pool2dParams, out: Float32Array, argmax: Int32Array): void {
  const { kernelH, kernelW, strideH, strideW } = p;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    for (let oh = 0; oh < hOut; oh++) {
      const row = pl * H * W + oh * strideH * W;
      for (let ow = 0; ow < wOut; ow++, o++) {
        const first = row + ow * strideW;
        let at = first, best = x[first]!;
        window: for (let h = 0; h < kernelH && best === best; h++) {
          for (let i = first + h * W + (h === 0 ? 1 : 0), end = first + h * W + kernelW; i < end; i++) {
            const v = x[i]!;
            if (v > best) { best = v; at = i; } else if (v !== v) { best = v; at = i; break window; }
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** The common 2x2, stride-2 window, unrolled; same rules as maxPoolInside. */
function maxPool2x2(x: Float32Array, planes: number, H: number, W: number, hOut: number, wOut: number, out: Float32Array, argmax: Int32Array): void {
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    for (let oh = 0; oh < hOut; oh++) {
      const row = pl * H * W + 2 * oh * W;
      for (let ow = 0; ow < wOut; ow++, o++) {
        const i = row + 2 * ow;
        let at = i, best = x[i]!;
        if (best === best) {
          const b = x[i + 1]!, c = x[i + W]!, d = x[i + W + 1]!;
          if (b > best) { best = b; at = i + 1; } else if (b !== b) { best = b; at = i + 1; }
          if (best === best) {
            if (c > best) { best = c; at = i + W; } else if (c !== c) { best = c; at = i + W; }
            if (best === best) {
              if (d > best) { best = d; at = i + W + 1; } else if (d !== d) { best = d; at = i + W + 1; }
            }
          }
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

/** dx[inputSize]: each dy routed to the input cell its window's max came from (accumulating overlaps). */
export function maxPool2dBackward(dy: Float32Array, argmax: Int32Array, inputSize: number): Float32Array {
  if (dy.length !== argmax.length) throw new ShapeError(`maxPool2dBackward: dy and argmax must have the same length, got ${dy.length} and ${argmax.length}`);
  const dx = new Float32Array(inputSize);
  for (let o = 0; o < dy.length; o++) {
    const i = argmax[o]!;
    if (i < 0) continue;
    if (i >= inputSize) throw new ShapeError(`maxPool2dBackward: argmax must index into an input of ${inputSize} elements, got ${i}`);
    dx[i] += dy[o]!;
  }
  return dx;
}

/** Average pooling over kH*kW cells, padding included in the divisor. */
export function avgPool2d(x: Float32Array, p: Pool2dParams): Float32Array {
  const { hOut, wOut } = poolDims('avgPool2d', p);
  const { inHeight: H, inWidth: W } = p;
  const planes = p.batch * p.channels;
  checkLength('avgPool2d', 'x', x.length, [p.batch, p.channels, H, W]);
  const out = new Float32Array(planes * hOut * wOut);
  const inv = 1 / (p.kernelH * p.kernelW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < hOut; oh++) {
      const h0 = oh * p.strideH - p.padH;
      const hLo = Math.max(0, h0), hHi = Math.min(H, h0 + p.kernelH);
      for (let ow = 0; ow < wOut; ow++, o++) {
        const w0 = ow * p.strideW - p.padW;
        const wLo = Math.max(0, w0), wHi = Math.min(W, w0 + p.kernelW);
        let s = 0;
        for (let h = hLo; h < hHi; h++) for (let w = wLo; w < wHi; w++) s += x[base + h * W + w]!;
        out[o] = s * inv;
      }
    }
  }
  return out;
}

/** dx of avgPool2d: each dy spread evenly over the kH*kW cells of its window (padding cells dropped). */
export function avgPool2dBackward(dy: Float32Array, p: Pool2dParams): Float32Array {
  const { hOut, wOut } = poolDims('avgPool2dBackward', p);
  const { inHeight: H, inWidth: W } = p;
  const planes = p.batch * p.channels;
  checkLength('avgPool2dBackward', 'dy', dy.length, [p.batch, p.channels, hOut, wOut]);
  const dx = new Float32Array(planes * H * W);
  const inv = 1 / (p.kernelH * p.kernelW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < hOut; oh++) {
      const h0 = oh * p.strideH - p.padH;
      const hLo = Math.max(0, h0), hHi = Math.min(H, h0 + p.kernelH);
      for (let ow = 0; ow < wOut; ow++, o++) {
        const w0 = ow * p.strideW - p.padW;
        const wLo = Math.max(0, w0), wHi = Math.min(W, w0 + p.kernelW);
        const g = dy[o]! * inv;
        for (let h = hLo; h < hHi; h++) for (let w = wLo; w < wHi; w++) dx[base + h * W + w] += g;
      }
    }
  }
  return dx;
}
