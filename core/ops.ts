// The op table: every differentiable primitive once, its forward next to its gradient rule.
// Composite ops (mean, variance, softmax, stack, squeeze...) are built from primitives and need no rule.
// The table is typed { [P in Primitive]: OpDef<Attrs[P]> }, so a primitive without a rule fails tsc.
import { DTYPES, allocate, floatOf, isFloat, promote, promoteScalar, type DType } from './dtype.js';
import { ArgumentError, DTypeError, NumericError, ShapeError, fmtShape } from './errors.js';
import { broadcastShapes, broadcastStrides, inferReshape, normAxes, normAxis, shapesEqual, sizeOf, stridesOf, type Shape } from './shape.js';
import { Tensor, castArray, full, zeros } from './tensor.js';
import { isGradEnabled, noGrad as withoutGrad } from './autograd.js';
import { getBackend } from './backend.js';
import { binaryBroadcast, stridedAddInto, stridedCopy, unaryMap, type Binary, type Unary } from '../kernels/cpu/elementwise.js';
import { reduceBlock, type ReduceKind } from '../kernels/cpu/reduce.js';
import { matmulF64 } from '../kernels/cpu/f64.js';
import { outSize, type Conv2dParams, type Pool2dParams } from '../kernels/backend.js';

type Axes = { axes: number[]; keepDims: boolean };
export interface ConvAttrs { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number }
export interface PoolAttrs { kernel: [number, number]; stride: [number, number]; padding: [number, number] }

/** The attributes each primitive takes. Adding a key here without a rule below fails the type check. */
interface Attrs {
  neg: null; abs: null; exp: null; log: null; sqrt: null; relu: null; sigmoid: null; tanh: null;
  add: null; sub: null; mul: null; div: null; pow: null; maximum: null; minimum: null;
  where: null;
  clamp: { lo: number; hi: number; dtype: DType };
  sum: Axes; max: Axes; min: Axes;
  reshape: { shape: number[] };
  permute: { perm: number[] };
  slice: { starts: number[]; steps: number[]; outShape: number[] };
  concat: { axis: number };
  broadcastTo: { shape: number[] };
  cast: { dtype: DType };
  matmul: null;
  linear: null;
  conv2d: ConvAttrs;
  maxPool2d: PoolAttrs;
  avgPool2d: PoolAttrs;
  logSoftmax: { axis: number };
}
export type Primitive = keyof Attrs;

interface Ctx { saved?: unknown }
interface OpDef<A> {
  forward(ctx: Ctx, x: Tensor[], attrs: A): Tensor;
  /** Gradients for each input given the output's; runs under noGrad. */
  backward(ctx: Ctx, g: Tensor, x: Tensor[], out: Tensor, attrs: A): (Tensor | null)[];
}

let debugNaN = false;
/** In debug mode every op checks its output and names itself when it produced NaN. */
export function setDebug(on: boolean): void { debugNaN = on; }

function apply<P extends Primitive>(p: P, inputs: Tensor[], attrs: Attrs[P]): Tensor {
  const def = RULES[p] as OpDef<Attrs[P]>;
  const ctx: Ctx = {};
  let out: Tensor;
  try {
    out = def.forward(ctx, inputs, attrs);
  } catch (e) {
    // V8 refuses a typed array past its limit (or past the memory it can get) with a RangeError that names no op:
    // said with the op and its operands, as tensor creation says it (allocateFor)
    if (e instanceof RangeError && /typed array length|Array buffer allocation failed|Invalid array buffer length/i.test(e.message)) {
      throw new ArgumentError(`${p}: the result does not fit in memory for operands ${inputs.map((t) => `${t.dtype} ${fmtShape(t.shape)}`).join(' and ')}; V8: ${e.message}`);
    }
    throw e;
  }
  if (debugNaN && isFloat(out.dtype)) {
    const hasNaNIn = inputs.some((t) => t.data.some(Number.isNaN));
    if (!hasNaNIn && out.data.some(Number.isNaN)) throw new NumericError(`${p}: produced NaN from finite inputs of shapes ${inputs.map((t) => fmtShape(t.shape)).join(', ')}`);
  }
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradNode = { op: p, parents: inputs, backward: (g) => def.backward(ctx, g, inputs, out, attrs) };
  }
  return out;
}

// ---- helpers for forwards ----

function unaryOut(x: Tensor, dtype: DType, f: Unary): Tensor {
  const out = allocate(dtype, x.size);
  unaryMap(x.data, out, f);
  return new Tensor(out, x.shape, dtype);
}

function binaryOut(op: string, a: Tensor, b: Tensor, dtype: DType, f: Binary): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  binaryBroadcast(a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), shape, out, f);
  return new Tensor(out, shape, dtype);
}

/** Sums a broadcast gradient back down to the shape of the input it came from. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(sum(g, axes, true), shape);
}

/** A number as a 0-d tensor of `dtype`, stored as the typed array stores it: rounded to a float, an integer modulo 2^bits. */
function scalarOf(v: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = v;
  return new Tensor(data, [], dtype);
}

/**
 * A number beside tensor `like` in arithmetic (add, sub, mul). As in PyTorch the number does not widen the tensor's
 * dtype, except that a fractional one (NaN, an infinity) lifts an integer tensor to float32. An integer that does not
 * fit an integer dtype enters modulo 2^bits, as the integer arithmetic itself wraps: int8 1 + 200 is -55 and
 * int32 0 + 3e9 is -1294967296, PyTorch's answers (the number had been saturated first: 1 + 127 wrapped to -128).
 */
function asTensor(v: Tensor | number, like: Tensor): Tensor {
  return typeof v === 'number' ? scalarOf(v, promoteScalar(like.dtype, v)) : v;
}

/** A number beside `like` in an op whose result is a float (div, pow): never squeezed into an integer dtype first. */
function asFloatOperand(v: Tensor | number, like: Tensor): Tensor {
  return typeof v === 'number' ? scalarOf(v, floatOf(promoteScalar(like.dtype, v))) : v;
}

/**
 * A number beside `like` in a comparison: against an integer or bool tensor it is compared as the number it is
 * (uint8 0 > -1, int8 127 != 1000); against a float tensor it is rounded to that float first, as PyTorch and NumPy
 * do, so float32 0.1 == 0.1.
 */
function asCompared(v: Tensor | number, like: Tensor): Tensor {
  return typeof v === 'number' ? scalarOf(v, isFloat(like.dtype) ? like.dtype : 'float64') : v;
}

/**
 * A number beside `like` in an op that picks one of its operands (maximum, minimum, where). An integer outside an
 * integer dtype's range cannot be picked, so it is refused where the result could hold it (`refuseAbove`/`refuseBelow`)
 * and otherwise saturated, which leaves the answer exact: maximum(uint8 x, -1) is x, maximum(uint8 x, 300) is refused.
 */
function asPicked(op: string, v: Tensor | number, like: Tensor, refuseAbove: boolean, refuseBelow: boolean): Tensor {
  if (typeof v !== 'number') return v;
  const dtype = promoteScalar(like.dtype, v);
  if (isFloat(dtype)) return scalarOf(v, dtype);
  const { min, max } = DTYPES[dtype];
  if ((v > max && refuseAbove) || (v < min && refuseBelow)) {
    throw new DTypeError(`${op}: a number must fit the tensor's dtype ${dtype} (${min}..${max}), got ${v}; cast the tensor to a wider dtype first`);
  }
  return scalarOf(v < min ? min : v > max ? max : v, dtype);
}

/** sub and neg refuse bool operands, as PyTorch does: true - true has no bool answer, and 0 - true is 255 in a byte. */
function refuseBool(op: string, hint: string, ...ts: Tensor[]): void {
  if (!ts.some((t) => t.dtype === 'bool')) return;
  throw new DTypeError(`${op}: operands must not be bool (${hint}), got ${ts.map((t) => t.dtype).join(' and ')}`);
}

function requireFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: operands must be float32 or float64, got ${t.dtype}`);
}
function requireF32(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new DTypeError(`${op}: operands must be float32, got ${t.dtype}`);
}

const F = {
  neg: (x: number) => -x, abs: Math.abs, exp: Math.exp, log: Math.log, sqrt: Math.sqrt,
  // NaN < 0 is false, so NaN passes through, as in PyTorch (x > 0 ? x : 0 had made it 0); -0 stays -0, as in PyTorch
  relu: (x: number) => (x < 0 ? 0 : x),
  sigmoid: (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: Math.tanh,
  add: (x: number, y: number) => x + y, or: (x: number, y: number) => (x || y ? 1 : 0), sub: (x: number, y: number) => x - y,
  mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y, pow: Math.pow,
  max: (x: number, y: number) => (x >= y || Number.isNaN(x) ? x : y), min: (x: number, y: number) => (x <= y || Number.isNaN(x) ? x : y),
};

// Reduction over arbitrary axes: permute the reduced axes to the back (when they are not one block), then reduceBlock.
function reduceForward(op: string, x: Tensor, axes: number[], keepDims: boolean, kind: ReduceKind, dtype: DType): Tensor {
  const rank = x.rank;
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keepShape : x.shape.filter((_, i) => !axes.includes(i));
  const contiguous = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
  let src = x;
  let first = axes[0] ?? rank;
  let last = axes[axes.length - 1] ?? rank - 1;
  if (!contiguous) {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = permute(x, [...kept, ...axes]);
    first = kept.length;
    last = rank - 1;
  }
  const outer = sizeOf(src.shape.slice(0, first));
  const r = sizeOf(src.shape.slice(first, last + 1));
  const inner = sizeOf(src.shape.slice(last + 1));
  if (r === 0 && kind !== 'sum') throw new ShapeError(`${op}: cannot reduce over an empty dimension, got ${fmtShape(x.shape)}`);
  const out = allocate(dtype, outer * inner);
  reduceBlock(src.data, outer, r, inner, kind, out);
  return new Tensor(out, outShape, dtype);
}

function convParams(op: string, x: Tensor, w: Tensor, a: ConvAttrs): Conv2dParams {
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N,C,H,W], got ${fmtShape(x.shape)}`);
  if (w.rank !== 4) throw new ShapeError(`${op}: weight must be [Cout,Cin/groups,kH,kW], got ${fmtShape(w.shape)}`);
  const [n, c, h, wd] = x.shape;
  const [co, cig, kh, kw] = w.shape;
  if (c !== cig * a.groups || co % a.groups !== 0) {
    throw new ShapeError(`${op}: input channels must equal weight channels x groups (${a.groups}) and Cout divide by groups, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }
  const p: Conv2dParams = {
    batch: n, inChannels: c, inHeight: h, inWidth: wd, outChannels: co, kernelH: kh, kernelW: kw,
    strideH: a.stride[0], strideW: a.stride[1], padH: a.padding[0], padW: a.padding[1],
    dilationH: a.dilation[0], dilationW: a.dilation[1], groups: a.groups,
  };
  if (outSize(h, kh, p.strideH, p.padH, p.dilationH) <= 0 || outSize(wd, kw, p.strideW, p.padW, p.dilationW) <= 0) {
    throw new ShapeError(`${op}: kernel larger than the padded input, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }
  return p;
}

function poolParams(op: string, x: Tensor, a: PoolAttrs): Pool2dParams {
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N,C,H,W], got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape;
  const p: Pool2dParams = {
    batch: n, channels: c, inHeight: h, inWidth: w, kernelH: a.kernel[0], kernelW: a.kernel[1],
    strideH: a.stride[0], strideW: a.stride[1], padH: a.padding[0], padW: a.padding[1],
  };
  if (a.padding[0] * 2 > a.kernel[0] || a.padding[1] * 2 > a.kernel[1]) throw new ShapeError(`${op}: padding must be at most half the kernel, got kernel [${a.kernel}] padding [${a.padding}]`);
  if (outSize(h, p.kernelH, p.strideH, p.padH) <= 0 || outSize(w, p.kernelW, p.strideW, p.padW) <= 0) {
    throw new ShapeError(`${op}: kernel larger than the padded input, got ${fmtShape(x.shape)} and kernel [${a.kernel}]`);
  }
  return p;
}

/** [outer, r, inner] around one axis. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

// ---- THE table ----

const RULES: { [P in Primitive]: OpDef<Attrs[P]> } = {
  neg: { forward: (_, [x]) => unaryOut(x, x.dtype, F.neg), backward: (_, g) => [neg(g)] },
  abs: { forward: (_, [x]) => unaryOut(x, x.dtype, F.abs), backward: (_, g, [x]) => [mul(g, unaryOut(x, x.dtype, Math.sign))] },
  exp: { forward: (_, [x]) => unaryOut(x, floatOf(x.dtype), F.exp), backward: (_, g, _x, out) => [mul(g, out)] },
  log: { forward: (_, [x]) => unaryOut(x, floatOf(x.dtype), F.log), backward: (_, g, [x]) => [div(g, x)] },
  sqrt: { forward: (_, [x]) => unaryOut(x, floatOf(x.dtype), F.sqrt), backward: (_, g, _x, out) => [div(g, mul(out, 2))] },
  // the gradient passes where the input is NaN, as PyTorch's (it zeroes only where the output is <= 0)
  relu: { forward: (_, [x]) => unaryOut(x, x.dtype, F.relu), backward: (_, g, [x]) => [binaryOut('relu', g, x, g.dtype, (gv, xv) => (xv <= 0 ? 0 : gv))] },
  sigmoid: { forward: (_, [x]) => unaryOut(x, floatOf(x.dtype), F.sigmoid), backward: (_, g, _x, out) => [binaryOut('sigmoid', g, out, g.dtype, (gv, s) => gv * s * (1 - s))] },
  tanh: { forward: (_, [x]) => unaryOut(x, floatOf(x.dtype), F.tanh), backward: (_, g, _x, out) => [binaryOut('tanh', g, out, g.dtype, (gv, t) => gv * (1 - t * t))] },

  // bool + bool is logical or, as in PyTorch: a bool tensor holds 0 and 1 only (true + true had stored 2)
  add: { forward: (_, [a, b]) => { const d = promote(a.dtype, b.dtype); return binaryOut('add', a, b, d, d === 'bool' ? F.or : F.add); }, backward: (_, g, [a, b]) => [sumToShape(g, a.shape), sumToShape(g, b.shape)] },
  sub: { forward: (_, [a, b]) => binaryOut('sub', a, b, promote(a.dtype, b.dtype), F.sub), backward: (_, g, [a, b]) => [sumToShape(g, a.shape), b.requiresGrad ? sumToShape(neg(g), b.shape) : null] },
  mul: {
    // int32 products wrap modulo 2^32 exactly (Math.imul): a double holds 2147483647^2 only to 53 bits
    forward: (_, [a, b]) => { const d = promote(a.dtype, b.dtype); return binaryOut('mul', a, b, d, d === 'int32' ? Math.imul : F.mul); },
    backward: (_, g, [a, b]) => [a.requiresGrad ? sumToShape(mul(g, b), a.shape) : null, b.requiresGrad ? sumToShape(mul(g, a), b.shape) : null],
  },
  div: {
    forward: (_, [a, b]) => binaryOut('div', a, b, floatOf(promote(a.dtype, b.dtype)), F.div),
    backward: (_, g, [a, b], out) => [a.requiresGrad ? sumToShape(div(g, b), a.shape) : null, b.requiresGrad ? sumToShape(neg(div(mul(g, out), b)), b.shape) : null],
  },
  pow: {
    forward: (_, [a, b]) => binaryOut('pow', a, b, floatOf(promote(a.dtype, b.dtype)), F.pow),
    backward: (_, g, [a, b], out) => [
      a.requiresGrad ? sumToShape(mul(g, mul(b, pow(a, sub(b.dtype === 'bool' ? cast(b, 'float32') : b, 1)))), a.shape) : null,
      b.requiresGrad ? sumToShape(mul(g, mul(out, log(a))), b.shape) : null,
    ],
  },
  // Ties send the gradient to the first operand, as the forward picks it.
  maximum: {
    forward: (_, [a, b]) => binaryOut('maximum', a, b, promote(a.dtype, b.dtype), F.max),
    backward: (_, g, [a, b]) => { const m = ge(a, b); return [sumToShape(where(m, g, 0), a.shape), sumToShape(where(m, 0, g), b.shape)]; },
  },
  minimum: {
    forward: (_, [a, b]) => binaryOut('minimum', a, b, promote(a.dtype, b.dtype), F.min),
    backward: (_, g, [a, b]) => { const m = le(a, b); return [sumToShape(where(m, g, 0), a.shape), sumToShape(where(m, 0, g), b.shape)]; },
  },
  where: {
    forward: (_, [c, a, b]) => {
      const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
      const cc = broadcastTo(c, shape).data, aa = broadcastTo(a, shape).data, bb = broadcastTo(b, shape).data;
      const dtype = promote(a.dtype, b.dtype);
      const out = allocate(dtype, sizeOf(shape));
      for (let i = 0; i < out.length; i++) out[i] = cc[i] ? aa[i] : bb[i];
      return new Tensor(out, shape, dtype);
    },
    backward: (_, g, [c, a, b]) => [null, a.requiresGrad ? sumToShape(where(c, g, 0), a.shape) : null, b.requiresGrad ? sumToShape(where(c, 0, g), b.shape) : null],
  },
  clamp: {
    forward: (_, [x], { lo, hi, dtype }) => unaryOut(x, dtype, (v) => (v < lo ? lo : v > hi ? hi : v)),
    backward: (_, g, [x], _o, { lo, hi }) => [binaryOut('clamp', g, x, g.dtype, (gv, xv) => (xv >= lo && xv <= hi ? gv : 0))],
  },

  sum: {
    forward: (_, [x], { axes, keepDims }) => (isFloat(x.dtype) ? reduceForward('sum', x, axes, keepDims, 'sum', x.dtype) : intSum(x, axes, keepDims)),
    backward: (_, g, [x], _o, { axes }) => [broadcastTo(reshape(g, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))), x.shape)],
  },
  max: {
    forward: (_, [x], { axes, keepDims }) => reduceForward('max', x, axes, keepDims, 'max', x.dtype),
    backward: (_, g, [x], out, a) => [extremumGrad(g, x, out, a)],
  },
  min: {
    forward: (_, [x], { axes, keepDims }) => reduceForward('min', x, axes, keepDims, 'min', x.dtype),
    backward: (_, g, [x], out, a) => [extremumGrad(g, x, out, a)],
  },

  // reshape shares the data buffer (a view, as PyTorch's view): ops never write into their inputs.
  reshape: { forward: (_, [x], { shape }) => new Tensor(x.data, shape, x.dtype), backward: (_, g, [x]) => [reshape(g, x.shape)] },
  permute: {
    forward: (_, [x], { perm }) => {
      const st = stridesOf(x.shape);
      const shape = perm.map((p) => x.shape[p]);
      return new Tensor(stridedCopy(x.data, 0, perm.map((p) => st[p]), shape, allocate(x.dtype, x.size)), shape, x.dtype);
    },
    backward: (_, g, _x, _o, { perm }) => { const inv = new Array<number>(perm.length); perm.forEach((p, i) => (inv[p] = i)); return [permute(g, inv)]; },
  },
  slice: {
    forward: (_, [x], { starts, steps, outShape }) => {
      const st = stridesOf(x.shape);
      const offset = starts.reduce((acc, s, i) => acc + s * st[i], 0);
      return new Tensor(stridedCopy(x.data, offset, st.map((s, i) => s * steps[i]), outShape, allocate(x.dtype, sizeOf(outShape))), outShape, x.dtype);
    },
    backward: (_, g, [x], _o, { starts, steps, outShape }) => {
      const st = stridesOf(x.shape);
      const dx = zeros(x.shape, { dtype: g.dtype });
      stridedAddInto(dx.data, starts.reduce((acc, s, i) => acc + s * st[i], 0), st.map((s, i) => s * steps[i]), outShape, g.data);
      return [dx];
    },
  },
  concat: {
    forward: (_, xs, { axis }) => {
      const dtype = xs.map((t) => t.dtype).reduce(promote);
      const shape = [...xs[0].shape];
      shape[axis] = xs.reduce((acc, t) => acc + t.shape[axis], 0);
      const outer = sizeOf(shape.slice(0, axis));
      const rowOut = sizeOf(shape.slice(axis));
      const out = allocate(dtype, sizeOf(shape));
      let col = 0;
      for (const t of xs) {
        const row = sizeOf(t.shape.slice(axis));
        const src = t.dtype === dtype ? t.data : castArray(t.data, dtype);
        for (let o = 0; o < outer; o++) out.set(src.subarray(o * row, (o + 1) * row), o * rowOut + col);
        col += row;
      }
      return new Tensor(out, shape, dtype);
    },
    backward: (_, g, xs, _o, { axis }) => {
      let at = 0;
      return xs.map((t) => {
        const starts = g.shape.map((_d, i) => (i === axis ? at : 0));
        const ends = g.shape.map((d, i) => (i === axis ? at + t.shape[axis] : d));
        at += t.shape[axis];
        return t.requiresGrad ? slice(g, starts, ends) : null;
      });
    },
  },
  broadcastTo: {
    forward: (_, [x], { shape }) => new Tensor(stridedCopy(x.data, 0, broadcastStrides(x.shape, shape), shape, allocate(x.dtype, sizeOf(shape))), shape, x.dtype),
    backward: (_, g, [x]) => [sumToShape(g, x.shape)],
  },
  cast: {
    forward: (_, [x], { dtype }) => new Tensor(castArray(x.data, dtype), x.shape, dtype),
    backward: (_, g, [x]) => [isFloat(x.dtype) ? cast(g, x.dtype) : null],
  },

  // Batched matmul over [...batch, m, k] x [...batch, k, n]; each operand's batch is either full or 1 (broadcast).
  matmul: {
    forward: (_, [a, b]) => {
      const [batch, m, k, n, sa, sb] = mmDims(a, b);
      const batchShape = (a.rank >= b.rank ? a : b).shape.slice(0, -2);
      const data = mm(a.dtype, a.data, b.data, batch, m, k, n, { strideA: sa, strideB: sb });
      return new Tensor(data, [...batchShape, m, n], a.dtype);
    },
    backward: (_, g, [a, b]) => {
      const [batch, m, k, n, sa, sb] = mmDims(a, b);
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (a.requiresGrad) {
        const d = mm(a.dtype, g.data, b.data, batch, m, n, k, { transB: true, strideB: sb });
        da = sumToShape(new Tensor(d, [...g.shape.slice(0, -2), m, k], a.dtype), a.shape);
      }
      if (b.requiresGrad) {
        const d = mm(a.dtype, a.data, g.data, batch, k, m, n, { transA: true, strideA: sa });
        db = sumToShape(new Tensor(d, [...g.shape.slice(0, -2), k, n], a.dtype), b.shape);
      }
      return [da, db];
    },
  },
  // y = x W^T + b with W [out, in] (PyTorch layout), x [..., in]; one GEMM each way, no transposed copies.
  linear: {
    forward: (_, [x, w, b]) => {
      // rows from the shape, not size / inF: a layer may have no inputs (a table whose every column was left out)
      const inF = w.shape[1], outF = w.shape[0], rows = sizeOf(x.shape.slice(0, -1));
      const y = mm(x.dtype, x.data, w.data, 1, rows, inF, outF, { transB: true });
      if (b) for (let r = 0; r < rows; r++) for (let j = 0; j < outF; j++) y[r * outF + j] += b.data[j];
      return new Tensor(y, [...x.shape.slice(0, -1), outF], x.dtype);
    },
    backward: (_, g, [x, w, b]) => {
      const inF = w.shape[1], outF = w.shape[0], rows = sizeOf(x.shape.slice(0, -1));
      const dx = x.requiresGrad ? new Tensor(mm(x.dtype, g.data, w.data, 1, rows, outF, inF), x.shape, x.dtype) : null;
      const dw = w.requiresGrad ? new Tensor(mm(x.dtype, g.data, x.data, 1, outF, rows, inF, { transA: true }), w.shape, w.dtype) : null;
      let dbias: Tensor | null = null;
      if (b && b.requiresGrad) dbias = new Tensor(reduceBlock(g.data, 1, rows, outF, 'sum', allocate(b.dtype, outF)), b.shape, b.dtype);
      return b ? [dx, dw, dbias] : [dx, dw];
    },
  },
  conv2d: {
    forward: (ctx, [x, w, b], a) => {
      const p = convParams('conv2d', x, w, a);
      ctx.saved = p;
      const y = getBackend().conv2d(x.data as Float32Array, w.data as Float32Array, b ? (b.data as Float32Array) : null, p);
      return new Tensor(y, [p.batch, p.outChannels, outSize(p.inHeight, p.kernelH, p.strideH, p.padH, p.dilationH), outSize(p.inWidth, p.kernelW, p.strideW, p.padW, p.dilationW)], 'float32');
    },
    backward: (ctx, g, [x, w, b]) => {
      const p = ctx.saved as Conv2dParams;
      const be = getBackend();
      const dx = x.requiresGrad ? new Tensor(be.conv2dBackwardInput(g.data as Float32Array, w.data as Float32Array, p), x.shape) : null;
      const dw = w.requiresGrad ? new Tensor(be.conv2dBackwardWeight(g.data as Float32Array, x.data as Float32Array, p), w.shape) : null;
      const [n, co, h, wd] = g.shape;
      let dbias: Tensor | null = null;
      if (b && b.requiresGrad) {
        const perImage = reduceBlock(g.data, n * co, h * wd, 1, 'sum', new Float64Array(n * co));
        const s = new Float32Array(co);
        for (let i = 0; i < n; i++) for (let c = 0; c < co; c++) s[c] += perImage[i * co + c];
        dbias = new Tensor(s, b.shape);
      }
      return b ? [dx, dw, dbias] : [dx, dw];
    },
  },
  maxPool2d: {
    forward: (ctx, [x], a) => {
      const p = poolParams('maxPool2d', x, a);
      const { out, argmax } = getBackend().maxPool2d(x.data as Float32Array, p);
      ctx.saved = argmax;
      return new Tensor(out, [p.batch, p.channels, outSize(p.inHeight, p.kernelH, p.strideH, p.padH), outSize(p.inWidth, p.kernelW, p.strideW, p.padW)], 'float32');
    },
    backward: (ctx, g, [x]) => [new Tensor(getBackend().maxPool2dBackward(g.data as Float32Array, ctx.saved as Int32Array, x.size), x.shape)],
  },
  avgPool2d: {
    forward: (_, [x], a) => {
      const p = poolParams('avgPool2d', x, a);
      return new Tensor(getBackend().avgPool2d(x.data as Float32Array, p), [p.batch, p.channels, outSize(p.inHeight, p.kernelH, p.strideH, p.padH), outSize(p.inWidth, p.kernelW, p.strideW, p.padW)], 'float32');
    },
    backward: (_, g, [x], _o, a) => [new Tensor(getBackend().avgPool2dBackward(g.data as Float32Array, poolParams('avgPool2d', x, a)), x.shape)],
  },
  // Stable: x - max - log(sum(exp(x - max))) along the axis.
  logSoftmax: {
    forward: (_, [x], { axis }) => {
      const [outer, r, inner] = around(x.shape, axis);
      const out = allocate(x.dtype, x.size);
      const src = x.data;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const base = o * r * inner + j;
          let mx = -Infinity;
          for (let i = 0; i < r; i++) mx = Math.max(mx, src[base + i * inner]);
          let s = 0;
          for (let i = 0; i < r; i++) s += Math.exp(src[base + i * inner] - mx);
          const lse = mx + Math.log(s);
          for (let i = 0; i < r; i++) out[base + i * inner] = src[base + i * inner] - lse;
        }
      }
      return new Tensor(out, x.shape, x.dtype);
    },
    backward: (_, g, _x, out, { axis }) => [sub(g, mul(exp(out), sum(g, [axis], true)))],
  },
};

function extremumGrad(g: Tensor, x: Tensor, out: Tensor, { axes }: Axes): Tensor {
  // The gradient is shared evenly among tied extrema (as PyTorch's amax).
  // A NaN extremum is the NaN entries' (the forward keeps the first NaN): eq alone matched nothing there, and 0/0 made
  // the whole slice's gradient NaN.
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const mask = binaryOut('max', x, reshape(out, keepShape), x.dtype, (xv, ov) => (xv === ov || (xv !== xv && ov !== ov) ? 1 : 0));
  const count = sum(mask, axes, true);
  return mul(mask, div(reshape(g, keepShape), count));
}

/**
 * The sum of an integer or bool tensor, int32 as before, and never wrapped: PyTorch sums into int64, which we lack, so
 * a result outside int32 is refused (a uint8 sum of 20e6 x 200 had come back as -294967296). The sum is exact: it runs
 * in doubles, and an int32 input too long for that (past 2^22 elements, where 2^31 x n passes 2^53) is summed as
 * its high and low 16 bits apart. Cast to float64 first for a sum past 2^31.
 */
function intSum(x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const r = axes.reduce((acc, a) => acc * x.shape[a], 1);
  let total: Tensor;
  if (x.dtype !== 'int32' || r <= 2 ** 22) total = reduceForward('sum', x, axes, keepDims, 'sum', 'float64');
  else {
    const hi = new Int32Array(x.size), lo = new Int32Array(x.size);
    for (let i = 0; i < x.size; i++) { hi[i] = x.data[i] >> 16; lo[i] = x.data[i] & 0xffff; }
    total = reduceForward('sum', new Tensor(hi, x.shape), axes, keepDims, 'sum', 'float64');
    const low = reduceForward('sum', new Tensor(lo, x.shape), axes, keepDims, 'sum', 'float64').data;
    for (let i = 0; i < total.size; i++) total.data[i] = total.data[i] * 65536 + low[i];
  }
  const out = new Int32Array(total.size);
  for (let i = 0; i < out.length; i++) {
    const v = total.data[i];
    if (v < -2147483648 || v > 2147483647) {
      throw new NumericError(`sum: a sum of ${x.dtype} values must fit int32, got ${v}${total.size > 1 ? ` at output ${i} of ${fmtShape(total.shape)}` : ''}; cast to float64 first`);
    }
    out[i] = v;
  }
  return new Tensor(out, total.shape, 'int32');
}

function mmDims(a: Tensor, b: Tensor): [number, number, number, number, number, number] {
  const m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1];
  const ba = sizeOf(a.shape.slice(0, -2)), bb = sizeOf(b.shape.slice(0, -2));
  const batch = Math.max(ba, bb);
  return [batch, m, k, n, ba === 1 && batch > 1 ? 0 : m * k, bb === 1 && batch > 1 ? 0 : k * n];
}

function mm(dtype: DType, a: ArrayLike<number>, b: ArrayLike<number>, batch: number, m: number, k: number, n: number,
  opts: { transA?: boolean; transB?: boolean; strideA?: number; strideB?: number } = {}): Float32Array | Float64Array {
  if (dtype === 'float64') return matmulF64(a as Float64Array, b as Float64Array, batch, m, k, n, opts);
  return getBackend().matmul(a as Float32Array, b as Float32Array, batch, m, k, n, opts);
}

// ---- the public functions ----

export const neg = (x: Tensor): Tensor => { refuseBool('neg', 'to invert a mask use eq(mask, 0)', x); return apply('neg', [x], null); };
export const abs = (x: Tensor): Tensor => apply('abs', [x], null);
export const exp = (x: Tensor): Tensor => apply('exp', [x], null);
export const log = (x: Tensor): Tensor => apply('log', [x], null);
export const sqrt = (x: Tensor): Tensor => apply('sqrt', [x], null);
export const relu = (x: Tensor): Tensor => apply('relu', [x], null);
export const sigmoid = (x: Tensor): Tensor => apply('sigmoid', [x], null);
export const tanh = (x: Tensor): Tensor => apply('tanh', [x], null);

/** Integer arithmetic wraps modulo 2^bits (int8 100 + 100 is -56), a number that does not fit included (see asTensor). */
export const add = (a: Tensor, b: Tensor | number): Tensor => apply('add', [a, asTensor(b, a)], null);
export const sub = (a: Tensor, b: Tensor | number): Tensor => { const bt = asTensor(b, a); refuseBool('sub', 'for exclusive or use ne(a, b), to invert a mask eq(mask, 0)', a, bt); return apply('sub', [a, bt], null); };
export const mul = (a: Tensor, b: Tensor | number): Tensor => apply('mul', [a, asTensor(b, a)], null);
export const div = (a: Tensor, b: Tensor | number): Tensor => apply('div', [a, asFloatOperand(b, a)], null);
export const pow = (a: Tensor, b: Tensor | number): Tensor => apply('pow', [a, asFloatOperand(b, a)], null);
export const maximum = (a: Tensor, b: Tensor | number): Tensor => apply('maximum', [a, asPicked('maximum', b, a, true, false)], null);
export const minimum = (a: Tensor, b: Tensor | number): Tensor => apply('minimum', [a, asPicked('minimum', b, a, false, true)], null);

/** Elementwise select: cond ? a : b, all three broadcast together. A number must fit the other operand's dtype. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? full([], 0) : b) : a;
  return apply('where', [cond, asPicked('where', a, like, true, true), asPicked('where', b, like, true, true)], null);
}
/**
 * Values limited to [lo, hi]; NaN stays NaN, as in PyTorch. An integer tensor stays in its dtype (a bool one becomes
 * int32, a fractional bound makes it float32); a bound outside the dtype's range is exact as long as the result fits
 * (clamp(int8 x, -1000, 1000) is x), and refused where it does not (clamp(int8 x, 200, 300)).
 */
export function clamp(x: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  if (lo > hi) throw new ShapeError(`clamp: lo must not exceed hi, got ${lo} > ${hi}`);
  const fractional = [lo, hi].some((v) => Number.isFinite(v) && !Number.isInteger(v));
  const dtype = isFloat(x.dtype) ? x.dtype : fractional ? 'float32' : x.dtype === 'bool' ? 'int32' : x.dtype;
  if (!isFloat(dtype)) {
    const { min, max } = DTYPES[dtype];
    if (lo > max || hi < min) throw new DTypeError(`clamp: the range must meet the tensor's dtype ${dtype} (${min}..${max}), got [${lo}, ${hi}]; cast the tensor to a wider dtype first`);
  }
  return apply('clamp', [x], { lo, hi, dtype });
}

const cmp = (op: string, f: Binary) => (a: Tensor, b: Tensor | number): Tensor => binaryOut(op, a, asCompared(b, a), 'bool', f);
/**
 * Comparisons give bool tensors and carry no gradient. Tensors of different dtypes, and an integer tensor with a
 * number, compare as the numbers they hold (uint8 [0].gt(-1) is true; it had been false, -1 squeezed to 0 first).
 */
export const eq = cmp('eq', (x, y) => (x === y ? 1 : 0));
export const ne = cmp('ne', (x, y) => (x !== y ? 1 : 0));
export const lt = cmp('lt', (x, y) => (x < y ? 1 : 0));
export const le = cmp('le', (x, y) => (x <= y ? 1 : 0));
export const gt = cmp('gt', (x, y) => (x > y ? 1 : 0));
export const ge = cmp('ge', (x, y) => (x >= y ? 1 : 0));

export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => apply('sum', [x], { axes: normAxes('sum', axes, x.rank), keepDims });
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => apply('max', [x], { axes: normAxes('max', axes, x.rank), keepDims });
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => apply('min', [x], { axes: normAxes('min', axes, x.rank), keepDims });
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normAxes('mean', axes, x.rank);
  const count = ax.reduce((acc, a) => acc * x.shape[a], 1);
  return div(sum(isFloat(x.dtype) ? x : cast(x, 'float32'), ax, keepDims), count);
}
/** Variance with Bessel-style correction (0: population, 1: sample), as torch.var(correction=). */
export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false, correction = 0): Tensor {
  const ax = normAxes('variance', axes, x.rank);
  const count = ax.reduce((acc, a) => acc * x.shape[a], 1);
  const xf = x.dtype === 'bool' ? cast(x, 'float32') : x;
  const d = sub(xf, mean(xf, ax, true));
  return div(sum(mul(d, d), ax, keepDims), Math.max(count - correction, 0));
}
function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  if (axis === undefined) return argReduce(op, reshape(x, [x.size]), 0, false);
  const ax = normAxis(op, axis, x.rank);
  return reduceForward(op, x, [ax], keepDims, op, 'int32');
}
export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmax', x, axis, keepDims);
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduce('argmin', x, axis, keepDims);

export const logSoftmax = (x: Tensor, axis = -1): Tensor => { requireFloat('logSoftmax', x); return apply('logSoftmax', [x], { axis: normAxis('logSoftmax', axis, x.rank) }); };
export const softmax = (x: Tensor, axis = -1): Tensor => exp(logSoftmax(x, axis));

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferReshape('reshape', x.shape, shape);
  return shapesEqual(target, x.shape) ? x : apply('reshape', [x], { shape: target });
}
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis('flatten', startDim, x.rank), e = normAxis('flatten', endDim, x.rank);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis('permute', a, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) throw new ShapeError(`permute: perm must order all ${x.rank} axes once, got [${perm.join(',')}] for ${fmtShape(x.shape)}`);
  return p.every((a, i) => a === i) ? x : apply('permute', [x], { perm: p });
}
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  if (x.rank < 2) return x;
  const perm = x.shape.map((_, i) => i);
  const i = normAxis('transpose', a, x.rank), j = normAxis('transpose', b, x.rank);
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}
/** Python-style slicing per dimension: negative indices count from the end, ends are clamped, steps positive. */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly number[], steps?: readonly number[]): Tensor {
  const st: number[] = [], sp: number[] = [], outShape: number[] = [];
  for (let d = 0; d < x.rank; d++) {
    const n = x.shape[d];
    const step = steps?.[d] ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new ShapeError(`slice: steps must be positive integers, got ${step} for dimension ${d}`);
    const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const s = norm(starts[d] ?? 0);
    const e = norm(ends?.[d] ?? n);
    st.push(s);
    sp.push(step);
    outShape.push(Math.max(0, Math.ceil((e - s) / step)));
  }
  return apply('slice', [x], { starts: st, steps: sp, outShape });
}
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: needs at least one tensor, got 0');
  const ax = normAxis('concat', axis, xs[0].rank);
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat: shapes must agree except on axis ${ax}, got ${xs.map((u) => fmtShape(u.shape)).join(' and ')}`);
    }
  }
  return xs.length === 1 ? xs[0] : apply('concat', [...xs], { axis: ax });
}
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('stack: needs at least one tensor, got 0');
  for (const t of xs) if (!shapesEqual(t.shape, xs[0].shape)) throw new ShapeError(`stack: shapes must be equal, got ${xs.map((u) => fmtShape(u.shape)).join(' and ')}`);
  const ax = normAxis('stack', axis, xs[0].rank + 1);
  return concat(xs.map((t) => unsqueeze(t, ax)), ax);
}
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normAxes('squeeze', axes, x.rank);
  for (const a of ax) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} must have size 1, got ${fmtShape(x.shape)}`);
  return reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  return shapesEqual(x.shape, shape) ? x : apply('broadcastTo', [x], { shape: [...shape] });
}
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : apply('cast', [x], { dtype });
}

/** Matrix product: 2-D, batched (batch dims broadcast), and 1-D operands as NumPy's matmul treats them. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  requireFloat('matmul', a, b);
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: operands must share a dtype, got ${a.dtype} and ${b.dtype}`);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: operands must have at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  // checked on the shapes as given, before a 1-D operand is promoted: [3] x [4] had read '[1,3] and [4,1]'
  if (a.shape[a.rank - 1] !== b.shape[Math.max(0, b.rank - 2)]) throw new ShapeError(`matmul: inner dimensions must agree, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.rank > 2 || b.rank > 2) {
    try {
      broadcastShapes('matmul', a.shape.slice(0, Math.max(0, a.rank - 2)), b.shape.slice(0, Math.max(0, b.rank - 2)));
    } catch {
      throw new ShapeError(`matmul: batch dimensions must broadcast, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (batches ${fmtShape(a.shape.slice(0, -2))} and ${fmtShape(b.shape.slice(0, -2))})`);
    }
  }
  // 1-D by 1-D is the dot product, a 0-D tensor (NumPy's): it had failed squeezing an axis the result lacks
  if (a.rank === 1 && b.rank === 1) return squeeze(matmul(unsqueeze(a, 0), unsqueeze(b, -1)), [0, 1]);
  if (a.rank === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.rank === 1) return squeeze(matmul(a, unsqueeze(b, -1)), -1);
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) throw new ShapeError(`matmul: inner dimensions must agree, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const fit = (t: Tensor): Tensor => {
    const tb = t.shape.slice(0, -2);
    if (sizeOf(tb) === 1 || shapesEqual(tb, batch)) return t;
    return broadcastTo(t, [...batch, ...t.shape.slice(-2)]);
  };
  return apply('matmul', [fit(a), fit(b)], null);
}

/** y = x W^T + b, W of shape [out, in] as PyTorch stores it. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  requireFloat('linear', x, w);
  if (w.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== w.shape[1]) throw new ShapeError(`linear: input features must equal weight columns, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) throw new ShapeError(`linear: bias must be [${w.shape[0]}], got ${fmtShape(b.shape)}`);
  if (x.dtype !== w.dtype) throw new DTypeError(`linear: input and weight must share a dtype, got ${x.dtype} and ${w.dtype}`);
  return apply('linear', b ? [x, w, b] : [x, w], null);
}

const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface Conv2dOptions { stride?: number | [number, number]; padding?: number | [number, number]; dilation?: number | [number, number]; groups?: number }
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  requireF32('conv2d', x, w);
  const attrs: ConvAttrs = { stride: pair(o.stride ?? 1), padding: pair(o.padding ?? 0), dilation: pair(o.dilation ?? 1), groups: o.groups ?? 1 };
  convParams('conv2d', x, w, attrs);
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) throw new ShapeError(`conv2d: bias must be [${w.shape[0]}], got ${fmtShape(b.shape)}`);
  return apply('conv2d', b ? [x, w, b] : [x, w], attrs);
}
export interface Pool2dOptions { stride?: number | [number, number]; padding?: number | [number, number] }
export function maxPool2d(x: Tensor, kernel: number | [number, number], o: Pool2dOptions = {}): Tensor {
  requireF32('maxPool2d', x);
  return apply('maxPool2d', [x], { kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.padding ?? 0) });
}
export function avgPool2d(x: Tensor, kernel: number | [number, number], o: Pool2dOptions = {}): Tensor {
  requireF32('avgPool2d', x);
  return apply('avgPool2d', [x], { kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.padding ?? 0) });
}

/** One-hot rows for integer labels (no gradient). */
export function oneHot(labels: Tensor, numClasses: number, dtype: DType = 'float32'): Tensor {
  const out = zeros([...labels.shape, numClasses], { dtype });
  for (let i = 0; i < labels.size; i++) {
    const c = labels.data[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new ShapeError(`oneHot: labels must be integers in [0,${numClasses - 1}], got ${c} at ${i}`);
    out.data[i * numClasses + c] = 1;
  }
  return out;
}

/**
 * A differentiable op with a hand-written gradient: `forward` runs without recording, `backward` maps the
 * output's gradient to one gradient per input. Straight-through estimators for fake quantization use this.
 */
export function customGrad(inputs: readonly Tensor[], forward: (...xs: Tensor[]) => Tensor, backward: (g: Tensor, ...xs: Tensor[]) => (Tensor | null)[], name = 'customGrad'): Tensor {
  const prev = isGradEnabled();
  const out = withoutGrad(() => forward(...inputs));
  if (prev && inputs.some((t) => t.requiresGrad)) {
    const o = out.detach();
    o.requiresGrad = true;
    o.gradNode = { op: name, parents: [...inputs], backward: (g) => backward(g, ...inputs) };
    return o;
  }
  return out;
}

