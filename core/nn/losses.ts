// Losses: stable cross-entropy from logits (with label smoothing), NLL, MSE, and KL divergence with temperature.
import { Tensor } from '../tensor.js';
import * as ops from '../ops.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { isFloat } from '../dtype.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'mean' ? ops.mean(x) : r === 'sum' ? ops.sum(x) : x;
}

/** Target distribution from integer labels [N] (with smoothing) or given probabilities [N,C]. */
function targetDistribution(op: string, logits: Tensor, target: Tensor, labelSmoothing: number): Tensor {
  const c = logits.shape[logits.rank - 1];
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new ArgumentError(`${op}: labelSmoothing must be in [0,1), got ${labelSmoothing}`);
  let q: Tensor;
  if (isFloat(target.dtype) && target.shape.join() === logits.shape.join()) q = target;
  else {
    if (target.rank !== logits.rank - 1 || target.shape.some((d, i) => d !== logits.shape[i])) {
      throw new ShapeError(`${op}: target must be labels of shape ${fmtShape(logits.shape.slice(0, -1))} or probabilities ${fmtShape(logits.shape)}, got ${fmtShape(target.shape)}`);
    }
    q = ops.oneHot(target, c, logits.dtype);
  }
  return labelSmoothing > 0 ? ops.add(ops.mul(q, 1 - labelSmoothing), labelSmoothing / c) : q;
}

/** Cross-entropy of logits [N,C] against labels [N] or probabilities [N,C]; log-softmax keeps it stable. */
export function crossEntropy(logits: Tensor, target: Tensor, o: { labelSmoothing?: number; reduction?: Reduction } = {}): Tensor {
  const q = targetDistribution('crossEntropy', logits, target, o.labelSmoothing ?? 0);
  return reduce(ops.neg(ops.sum(ops.mul(q, ops.logSoftmax(logits, -1)), -1)), o.reduction ?? 'mean');
}

/** Negative log-likelihood of log-probabilities [N,C] at integer labels [N]. */
export function nllLoss(logProbs: Tensor, labels: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  const q = targetDistribution('nllLoss', logProbs, labels, 0);
  return reduce(ops.neg(ops.sum(ops.mul(q, logProbs), -1)), o.reduction ?? 'mean');
}

export function mse(pred: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  if (pred.shape.join() !== target.shape.join()) throw new ShapeError(`mse: prediction and target shapes must agree, got ${fmtShape(pred.shape)} and ${fmtShape(target.shape)}`);
  const d = ops.sub(pred, target);
  return reduce(ops.mul(d, d), o.reduction ?? 'mean');
}

/**
 * KL(target || input) with `input` as log-probabilities, as torch.nn.functional.kl_div: sum(p * (log p - input)),
 * averaged over the batch ('batchmean', the mathematically correct mean). `logTarget` says the target is log-probabilities.
 */
export function klDiv(input: Tensor, target: Tensor, o: { logTarget?: boolean; reduction?: 'batchmean' | 'sum' | 'none' } = {}): Tensor {
  if (input.shape.join() !== target.shape.join()) throw new ShapeError(`klDiv: input and target shapes must agree, got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`);
  const logp = o.logTarget ? target : ops.log(ops.maximum(target, 1e-30));
  const p = o.logTarget ? ops.exp(target) : target;
  const pointwise = ops.mul(p, ops.sub(logp, input));
  const r = o.reduction ?? 'batchmean';
  if (r === 'none') return pointwise;
  const total = ops.sum(pointwise);
  return r === 'sum' ? total : ops.div(total, input.shape[0]);
}

/**
 * Hinton et al. 2015 soft-target loss: T^2 * KL(softmax(teacher/T) || softmax(student/T)), batch-averaged.
 * The T^2 keeps gradient magnitudes comparable across temperatures.
 */
export function distillationKL(studentLogits: Tensor, teacherLogits: Tensor, temperature: number): Tensor {
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new ArgumentError(`distillationKL: temperature must be a positive finite number, got ${temperature}`);
  const s = ops.logSoftmax(ops.div(studentLogits, temperature), -1);
  const t = ops.logSoftmax(ops.div(teacherLogits.detach(), temperature), -1);
  return ops.mul(klDiv(s, t, { logTarget: true }), temperature * temperature);
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  const pred = ops.argmax(logits, -1);
  let ok = 0;
  for (let i = 0; i < pred.size; i++) if (pred.data[i] === labels.data[i]) ok++;
  return pred.size === 0 ? 0 : ok / pred.size;
}
