// Latency on our own kernels: forward passes in eval mode without recording, after warmup; the
// median of repeated timings, divided by the batch size, in milliseconds per sample.

import { ArgumentError } from '../../core/errors.js';
import { noGrad } from '../../core/autograd.js';
import type { Module } from '../../core/nn/module.js';
import { Random } from '../../core/random.js';
import { Tensor } from '../../core/tensor.js';

export interface LatencyOptions {
  /** Samples per forward pass (default 1). */
  batch?: number;
  /** Untimed passes first (default 3). */
  warmup?: number;
  /** Timed passes; the median is reported (default 15). */
  repeats?: number;
  /** Stop repeating after this many milliseconds (at least 3 timed passes run; default 2000). */
  maxMs?: number;
}

/** What measureLatency does where an option is not given. */
export const LATENCY_DEFAULTS: Readonly<Required<LatencyOptions>> = { batch: 1, warmup: 3, repeats: 15, maxMs: 2000 };

/** Median forward time in ms per sample for inputs [batch, ...inputShape]. */
export function measureLatency(model: Module, inputShape: readonly number[], o: LatencyOptions = {}): number {
  const batch = o.batch ?? LATENCY_DEFAULTS.batch;
  const warmup = o.warmup ?? LATENCY_DEFAULTS.warmup;
  const repeats = o.repeats ?? LATENCY_DEFAULTS.repeats;
  const maxMs = o.maxMs ?? LATENCY_DEFAULTS.maxMs;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new ArgumentError(`measureLatency: batch must be a positive integer, got ${batch}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new ArgumentError(`measureLatency: repeats must be a positive integer, got ${repeats}`);
  const shape = [batch, ...inputShape];
  const rng = new Random(7);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const x = new Tensor(data, shape, 'float32');
  const wasTraining = model.training;
  model.eval();
  const times: number[] = [];
  try {
    noGrad(() => {
      for (let i = 0; i < warmup; i++) model.forward(x);
      const start = performance.now();
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        model.forward(x);
        times.push(performance.now() - t0);
        if (times.length >= 3 && performance.now() - start > maxMs) break;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return median / batch;
}
