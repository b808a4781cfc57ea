// Turns a NAS configuration into an nn.Sequential, and counts its parameters analytically (the
// tests hold the two equal). An architecture is a configuration plus the input shape and class
// count: plain JSON, so a saved model can be rebuilt from its file's metadata alone.

import { ArgumentError, ShapeError, fmtShape } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import {
  AvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, GELU, LeakyReLU, Linear, MaxPool2d, ReLU, Sequential, Sigmoid, Tanh,
} from '../../core/nn/layers.js';
import type { Module } from '../../core/nn/module.js';
import type { Config } from '../space.js';
import { ACTIVATIONS, type Activation, type CnnConfig, type MlpConfig, type NasConfig } from './spaces.js';

/** Everything needed to rebuild a model: the configuration, input shape (no batch axis) and classes. */
export interface NasArch {
  readonly config: Config;
  /** [C,H,W] for images, [F] for flat features. */
  readonly inputShape: readonly number[];
  readonly classes: number;
}

export interface BuildOptions {
  /** Seed of weight init and dropout (default 0). */
  seed?: number;
}

/** A checked, typed view of a configuration: which family it is and its layers. */
export function readConfig(config: Config): NasConfig {
  const family = config.family ?? ('convLayers' in config ? 'cnn' : 'mlp');
  const num = (k: string, fallback?: number): number => {
    const v = config[k] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`buildModel: config.${k} must be a number, got ${JSON.stringify(config[k])}`);
    return v;
  };
  const activation = (config.activation ?? 'relu') as Activation;
  if (!ACTIVATIONS.includes(activation)) throw new ArgumentError(`buildModel: config.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(config.activation)}`);
  const common = { activation, dropout: num('dropout', 0), lr: num('lr', 1e-3), batchSize: num('batchSize', 64) };
  if (family === 'mlp') {
    const c: MlpConfig = { family, depth: num('depth'), width1: num('width1'), ...common };
    for (let i = 2; i <= c.depth; i++) (c as unknown as Record<string, number>)[`width${i}`] = num(`width${i}`);
    return c;
  }
  if (family === 'cnn') {
    const pool = config.pool ?? 'max';
    if (pool !== 'max' && pool !== 'avg') throw new ArgumentError(`buildModel: config.pool must be 'max' or 'avg', got ${JSON.stringify(pool)}`);
    const c: CnnConfig = { family, convLayers: num('convLayers'), channels1: num('channels1'), kernel1: num('kernel1'), pool, batchNorm: config.batchNorm === true, fcWidth: num('fcWidth', 0), ...common };
    for (let i = 2; i <= c.convLayers; i++) {
      (c as unknown as Record<string, number>)[`channels${i}`] = num(`channels${i}`);
      (c as unknown as Record<string, number>)[`kernel${i}`] = num(`kernel${i}`);
    }
    convBlocks(c).forEach(({ kernel }, i) => {
      if (!(Number.isInteger(kernel) && kernel >= 1)) throw new ArgumentError(`buildModel: config.kernel${i + 1} must be a positive integer, got ${kernel}`);
    });
    return c;
  }
  throw new ArgumentError(`buildModel: config.family must be 'mlp' or 'cnn', got ${JSON.stringify(family)}`);
}

function hiddenWidths(c: MlpConfig): number[] {
  const r = c as unknown as Record<string, number>;
  return Array.from({ length: c.depth }, (_, i) => r[`width${i + 1}`]);
}

function convBlocks(c: CnnConfig): Array<{ channels: number; kernel: number }> {
  const r = c as unknown as Record<string, number>;
  return Array.from({ length: c.convLayers }, (_, i) => ({ channels: r[`channels${i + 1}`], kernel: r[`kernel${i + 1}`] }));
}

function activationLayer(a: Activation): Module {
  switch (a) {
    case 'relu': return new ReLU();
    case 'tanh': return new Tanh();
    case 'gelu': return new GELU();
    case 'leakyRelu': return new LeakyReLU();
    case 'sigmoid': return new Sigmoid();
  }
}

/**
 * Each conv block's output size [H, W] before its pooling: padding floor(k/2) keeps the size for an odd kernel and
 * grows it by one for an even one (k=4 on 28x28 gives 29x29); each 2x2 pooling then halves it (floor).
 */
function convSizes(c: CnnConfig, inputShape: readonly number[]): Array<[number, number]> {
  if (inputShape.length !== 3) throw new ShapeError(`buildModel: a CNN needs inputShape [C,H,W], got ${fmtShape(inputShape)}`);
  let [, h, w] = inputShape;
  const sizes: Array<[number, number]> = [];
  for (const { kernel } of convBlocks(c)) {
    const grow = 2 * Math.floor(kernel / 2) - kernel + 1;
    sizes.push([h + grow, w + grow]);
    h = Math.floor((h + grow) / 2);
    w = Math.floor((w + grow) / 2);
    if (h < 1 || w < 1) throw new ShapeError(`buildModel: ${c.convLayers} pooled conv blocks shrink input ${fmtShape(inputShape)} to nothing`);
  }
  return sizes;
}

/** Features into the first dense layer: the last block's channels times its pooled size. */
function cnnFeatures(c: CnnConfig, inputShape: readonly number[]): number {
  const sizes = convSizes(c, inputShape);
  const [h, w] = sizes[sizes.length - 1];
  const blocks = convBlocks(c);
  return blocks[blocks.length - 1].channels * Math.floor(h / 2) * Math.floor(w / 2);
}

/** Builds the model of `arch`; input [N, ...inputShape], output logits [N, classes]. */
export function buildModel(arch: NasArch, o: BuildOptions = {}): Sequential {
  const rng = new Random(o.seed ?? 0);
  const c = readConfig(arch.config);
  const layers: Module[] = [];
  const act = () => activationLayer(c.activation);
  const dropout = () => (c.dropout > 0 ? [new Dropout(c.dropout, rng.fork())] : []);
  if (c.family === 'mlp') {
    layers.push(new Flatten());
    let fanIn = arch.inputShape.reduce((a, b) => a * b, 1);
    for (const width of hiddenWidths(c)) {
      layers.push(new Linear(fanIn, width, { rng }), act(), ...dropout());
      fanIn = width;
    }
    layers.push(new Linear(fanIn, arch.classes, { rng }));
    return new Sequential(...layers);
  }
  let cin = arch.inputShape[0];
  const features = cnnFeatures(c, arch.inputShape);
  for (const { channels, kernel } of convBlocks(c)) {
    layers.push(new Conv2d(cin, channels, kernel, { rng, padding: Math.floor(kernel / 2), bias: !c.batchNorm }));
    if (c.batchNorm) layers.push(new BatchNorm2d(channels));
    layers.push(act(), c.pool === 'max' ? new MaxPool2d(2) : new AvgPool2d(2));
    cin = channels;
  }
  layers.push(new Flatten(), ...dropout());
  if (c.fcWidth > 0) layers.push(new Linear(features, c.fcWidth, { rng }), act(), ...dropout(), new Linear(c.fcWidth, arch.classes, { rng }));
  else layers.push(new Linear(features, arch.classes, { rng }));
  return new Sequential(...layers);
}

/** Trainable parameters of `arch`'s model, counted from the configuration alone. */
export function countParameters(arch: NasArch): number {
  const c = readConfig(arch.config);
  const dense = (i: number, o: number) => i * o + o;
  if (c.family === 'mlp') {
    let n = 0;
    let fanIn = arch.inputShape.reduce((a, b) => a * b, 1);
    for (const w of hiddenWidths(c)) {
      n += dense(fanIn, w);
      fanIn = w;
    }
    return n + dense(fanIn, arch.classes);
  }
  let n = 0;
  let cin = arch.inputShape[0];
  for (const { channels, kernel } of convBlocks(c)) {
    // With batch norm the conv has no bias; BN adds a scale and a shift per channel.
    n += cin * channels * kernel * kernel + (c.batchNorm ? 2 * channels : channels);
    cin = channels;
  }
  const features = cnnFeatures(c, arch.inputShape);
  return n + (c.fcWidth > 0 ? dense(features, c.fcWidth) + dense(c.fcWidth, arch.classes) : dense(features, arch.classes));
}

/** Multiply-accumulates of one forward pass of one sample (convolutions and dense layers only). */
export function countMacs(arch: NasArch): number {
  const c = readConfig(arch.config);
  if (c.family === 'mlp') {
    let fanIn = arch.inputShape.reduce((a, b) => a * b, 1);
    let n = 0;
    for (const w of [...hiddenWidths(c), arch.classes]) {
      n += fanIn * w;
      fanIn = w;
    }
    return n;
  }
  const sizes = convSizes(c, arch.inputShape);
  let cin = arch.inputShape[0];
  let n = 0;
  convBlocks(c).forEach(({ channels, kernel }, i) => {
    n += cin * channels * kernel * kernel * sizes[i][0] * sizes[i][1];
    cin = channels;
  });
  const features = cnnFeatures(c, arch.inputShape);
  return n + (c.fcWidth > 0 ? features * c.fcWidth + c.fcWidth * arch.classes : features * arch.classes);
}
