// Seeded initializers (PyTorch's formulas). fanIn/fanOut of a weight: [out, in, ...kernel] -> in*k, out*k.
import type { Tensor } from '../tensor.js';
import { getRandom, type Random } from '../random.js';
import { ArgumentError } from '../errors.js';

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new ArgumentError(`init: weight must have at least 2 dimensions to have fans, got [${shape.join(',')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type Nonlinearity = 'relu' | 'leakyRelu' | 'linear' | 'tanh' | 'sigmoid';

export function gain(nl: Nonlinearity, negativeSlope = 0.01): number {
  switch (nl) {
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
    case 'tanh': return 5 / 3;
    default: return 1;
  }
}

function fillUniform(t: Tensor, bound: number, rng: Random): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-bound, bound);
  return t;
}
function fillNormal(t: Tensor, std: number, rng: Random): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(0, std);
  return t;
}

export interface InitOptions { mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity; a?: number; rng?: Random }

/** He et al. 2015: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform(t: Tensor, o: InitOptions = {}): Tensor {
  const f = fans(t.shape);
  const fan = o.mode === 'fanOut' ? f.fanOut : f.fanIn;
  const g = o.a !== undefined ? gain('leakyRelu', o.a) : gain(o.nonlinearity ?? 'relu');
  return fillUniform(t, g * Math.sqrt(3 / fan), o.rng ?? getRandom());
}
/** He et al. 2015: N(0, (gain / sqrt(fan))^2). */
export function kaimingNormal(t: Tensor, o: InitOptions = {}): Tensor {
  const f = fans(t.shape);
  const fan = o.mode === 'fanOut' ? f.fanOut : f.fanIn;
  const g = o.a !== undefined ? gain('leakyRelu', o.a) : gain(o.nonlinearity ?? 'relu');
  return fillNormal(t, g / Math.sqrt(fan), o.rng ?? getRandom());
}
/** Glorot & Bengio 2010: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, o: { gain?: number; rng?: Random } = {}): Tensor {
  const f = fans(t.shape);
  return fillUniform(t, (o.gain ?? 1) * Math.sqrt(6 / (f.fanIn + f.fanOut)), o.rng ?? getRandom());
}
export function xavierNormal(t: Tensor, o: { gain?: number; rng?: Random } = {}): Tensor {
  const f = fans(t.shape);
  return fillNormal(t, (o.gain ?? 1) * Math.sqrt(2 / (f.fanIn + f.fanOut)), o.rng ?? getRandom());
}
export function uniform(t: Tensor, lo: number, hi: number, rng: Random = getRandom()): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(lo, hi);
  return t;
}
