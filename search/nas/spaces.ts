// The built-in NAS search spaces: an MLP space (depth, widths, activation, dropout) and a small-CNN
// space (conv blocks with channels and kernel sizes, pooling, optional hidden layer), both with the
// training hyperparameters (learning rate, batch size). Per-layer parameters are conditional on the
// depth, so a depth-1 MLP has no width2. Every configuration holds `family`, which the builder reads.

import { ArgumentError } from '../../core/errors.js';
import { space, type Space } from '../space.js';

export const ACTIVATIONS = ['relu', 'tanh', 'gelu', 'leakyRelu', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** What the builder reads from a configuration; conditional keys are absent when inactive. */
export interface MlpConfig {
  family: 'mlp';
  depth: number;
  width1: number;
  width2?: number;
  width3?: number;
  width4?: number;
  activation: Activation;
  dropout: number;
  lr: number;
  batchSize: number;
}

export interface CnnConfig {
  family: 'cnn';
  convLayers: number;
  channels1: number;
  kernel1: number;
  channels2?: number;
  kernel2?: number;
  channels3?: number;
  kernel3?: number;
  pool: 'max' | 'avg';
  batchNorm?: boolean;
  fcWidth: number;
  activation: Activation;
  dropout: number;
  lr: number;
  batchSize: number;
}

export type NasConfig = MlpConfig | CnnConfig;

export interface MlpSpaceOptions {
  /** Hidden layers, 1..4 (default 3). */
  maxDepth?: number;
  /** Range of each hidden width, log scale (default [16, 512]). */
  widths?: [number, number];
  activations?: readonly Activation[];
  /** Upper end of dropout (default 0.5; 0 leaves dropout out at 0). */
  maxDropout?: number;
  lr?: [number, number];
  batchSizes?: readonly number[];
}

export interface CnnSpaceOptions {
  /** Conv blocks (conv, activation, 2x2 pool), 1..3 (default 3). */
  maxConvLayers?: number;
  /** Channel range of each block: [low, high, step] (default [4, 32, 4]). */
  channels?: [number, number, number];
  /** Kernel sizes of each block (default [3, 5]); an even kernel grows the image by one, as padding is floor(k/2). */
  kernels?: readonly number[];
  /** Hidden fully connected widths; 0 means none (default [0, 32, 64, 128]). */
  fcWidths?: readonly number[];
  pools?: readonly ('max' | 'avg')[];
  /** Offer batch normalization after each conv (default false: it is slow on our CPU kernels). */
  batchNorm?: boolean;
  activations?: readonly Activation[];
  maxDropout?: number;
  lr?: [number, number];
  batchSizes?: readonly number[];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const atLeast = (n: number, max: number) => range(max).filter((d) => d >= n);

function checkDepth(op: string, d: number, max: number): void {
  if (!Number.isInteger(d) || d < 1 || d > max) throw new ArgumentError(`${op}: depth must be an integer in [1, ${max}], got ${d}`);
}

/** MLP space: depth, one width per active layer, activation, dropout, lr, batch size. */
export function mlpSpace(o: MlpSpaceOptions = {}): Space {
  const maxDepth = o.maxDepth ?? 3;
  checkDepth('mlpSpace', maxDepth, 4);
  const [wLo, wHi] = o.widths ?? [16, 512];
  let b = space().categorical('family', ['mlp']).categorical('depth', range(maxDepth));
  for (let i = 1; i <= maxDepth; i++) {
    b = b.int(`width${i}`, wLo, wHi, { log: true, when: i === 1 ? undefined : { depth: atLeast(i, maxDepth) } });
  }
  return withTraining(b.categorical('activation', o.activations ?? ['relu', 'tanh', 'gelu', 'leakyRelu']), o).build() as Space;
}

/** Small-CNN space: conv blocks (channels, kernel), pooling, hidden width, activation, dropout, lr, batch size. */
export function cnnSpace(o: CnnSpaceOptions = {}): Space {
  const maxConv = o.maxConvLayers ?? 3;
  checkDepth('cnnSpace', maxConv, 3);
  const [cLo, cHi, cStep] = o.channels ?? [4, 32, 4];
  const kernels = o.kernels ?? [3, 5];
  if (!kernels.every((k) => Number.isInteger(k) && k >= 1)) throw new ArgumentError(`cnnSpace: kernels must be positive integers, got [${kernels.join(', ')}]`);
  let b = space().categorical('family', ['cnn']).categorical('convLayers', range(maxConv));
  for (let i = 1; i <= maxConv; i++) {
    const when = i === 1 ? undefined : { convLayers: atLeast(i, maxConv) };
    b = b.int(`channels${i}`, cLo, cHi, { step: cStep, when }).categorical(`kernel${i}`, kernels, { when });
  }
  b = b.categorical('pool', o.pools ?? ['max', 'avg']);
  if (o.batchNorm) b = b.categorical('batchNorm', [false, true]);
  b = b.categorical('fcWidth', o.fcWidths ?? [0, 32, 64, 128]).categorical('activation', o.activations ?? ['relu', 'gelu', 'leakyRelu']);
  return withTraining(b, o).build() as Space;
}

// The builder's type grows with every call; here only the runtime parameter list matters.
function withTraining(b: any, o: { maxDropout?: number; lr?: [number, number]; batchSizes?: readonly number[] }): any {
  const maxDropout = o.maxDropout ?? 0.5;
  const [lrLo, lrHi] = o.lr ?? [3e-4, 1e-2];
  let out = maxDropout > 0 ? b.float('dropout', 0, maxDropout) : b.categorical('dropout', [0]);
  out = out.logFloat('lr', lrLo, lrHi).categorical('batchSize', o.batchSizes ?? [32, 64, 128]);
  return out;
}
