import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../core/errors.js';
import { Module } from '../../../core/nn/module.js';
import type { Tensor } from '../../../core/tensor.js';
import { isGradEnabled } from '../../../core/autograd.js';
import { buildModel } from '../../../search/nas/builder.js';
import { measureLatency } from '../../../search/nas/latency.js';

/** Records the batches it sees and whether it ran in eval mode without recording. */
class Probe extends Module {
  calls: Array<{ shape: number[]; training: boolean; grad: boolean }> = [];
  forward(x: Tensor): Tensor {
    this.calls.push({ shape: [...x.shape], training: this.training, grad: isGradEnabled() });
    return x;
  }
}

describe('measureLatency', () => {
  it('runs warmup + repeats passes of the asked batch in eval mode without grad, then restores the mode', () => {
    const p = new Probe().train();
    const ms = measureLatency(p, [3, 4], { batch: 32, warmup: 2, repeats: 5 });
    expect(p.calls.length).toBe(7);
    for (const c of p.calls) expect(c).toEqual({ shape: [32, 3, 4], training: false, grad: false });
    expect(p.training).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(ms)).toBe(true);
  });

  it('reports milliseconds per sample of a real model', () => {
    const m = buildModel({ config: { family: 'mlp', depth: 1, width1: 32 }, inputShape: [1, 28, 28], classes: 10 });
    const ms = measureLatency(m, [1, 28, 28], { batch: 8, repeats: 3 });
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
  });

  it('checks its options', () => {
    expect(() => measureLatency(new Probe(), [2], { batch: 0 })).toThrow(ArgumentError);
    expect(() => measureLatency(new Probe(), [2], { repeats: 1.5 })).toThrow(ArgumentError);
  });
});
