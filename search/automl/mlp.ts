// Multi-layer perceptron on whittle's tensor engine: core/nn Linear + ReLU layers in a Sequential, softmax
// cross-entropy (classification) or MSE on a standardized target (regression), minibatch Adam with L2 weight decay
// (core/optim). Inputs are standardized internally; weights are float32, as everywhere in core.
import { noGrad } from '../../core/autograd.js';
import { ArgumentError, FormatError } from '../../core/errors.js';
import { Linear, ReLU, Sequential } from '../../core/nn/layers.js';
import { crossEntropy, mse } from '../../core/nn/losses.js';
import type { Module } from '../../core/nn/module.js';
import { Adam } from '../../core/optim/adam.js';
import { Random } from '../../core/random.js';
import { type Tensor, tensor } from '../../core/tensor.js';
import { type Learner, type LearnerJSON, type Task, arr, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, matrix, softmaxRows } from './matrix.js';
import { type ColumnScale, applyColumnScale, columnScaleFromJSON, columnScaleToJSON, fitColumnScale } from './scaling.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

const FLOAT32_MAX = 3.4028234663852886e38;

export interface MlpParams {
  hidden: number[];
  learningRate: number;
  /** Adam's (coupled) L2 weight decay. */
  l2: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export const defaultMlpParams: MlpParams = { hidden: [32], learningRate: 0.01, l2: 1e-4, epochs: 100, batchSize: 32, seed: 0 };

/** The network: Linear, ReLU, ..., Linear (logits or the one regression output). */
function buildNetwork(sizes: number[], rng: Random): { net: Sequential; linears: Linear[] } {
  const linears: Linear[] = [];
  const layers: Module[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const lin = new Linear(sizes[l], sizes[l + 1], { rng });
    linears.push(lin);
    layers.push(lin);
    if (l + 2 < sizes.length) layers.push(new ReLU());
  }
  return { net: new Sequential(...layers), linears };
}

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const mlpParamRules: Record<keyof MlpParams, ParamRule> = {
  hidden: { what: 'an array of integers >= 1', ok: (v) => Array.isArray(v) && v.every((h) => Number.isInteger(h) && h >= 1) },
  learningRate: rule.above(0),
  l2: rule.atLeast(0),
  epochs: rule.integer(1),
  batchSize: rule.integer(1),
  seed: rule.finite,
};

export class MLP implements Learner {
  readonly kind = 'mlp';
  readonly params: MlpParams;
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;
  net: Sequential | null = null;
  linears: Linear[] = [];
  scale: ColumnScale | null = null;
  /** Regression target standardization. */
  yMean = 0;
  yStd = 1;

  constructor(params: Partial<MlpParams> = {}) {
    this.params = { ...defaultMlpParams, ...params };
    checkParams('MLP', this.params as unknown as Record<string, unknown>, mlpParamRules);
  }

  private sizes(): number[] {
    return [this.nFeatures, ...this.params.hidden, this.task === 'classification' ? this.nClasses : 1];
  }

  fit(x0: Matrix, y: Target): this {
    checkXy('MLP.fit', x0, y, { finite: true });
    const p = this.params;
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? countClasses(y as Int32Array) : 0;
    this.nFeatures = x0.cols;
    this.scale = fitColumnScale(x0);
    const x = Float32Array.from(applyColumnScale(x0, this.scale).data);
    let yReg = new Float32Array(0);
    if (this.task === 'regression') {
      let m = 0;
      for (const v of y) m += v / y.length;
      let s = 0;
      for (const v of y) s += (v - m) ** 2 / y.length;
      this.yMean = m;
      this.yStd = s > 1e-24 ? Math.sqrt(s) : 1;
      yReg = Float32Array.from(y, (v) => (v - this.yMean) / this.yStd);
    }
    const rng = new Random(p.seed);
    const { net, linears } = buildNetwork(this.sizes(), rng);
    this.net = net.train();
    this.linears = linears;
    const opt = new Adam(net.parameters(), { lr: p.learningRate, weightDecay: p.l2 });
    const n = x0.rows;
    const d = x0.cols;
    const bs = Math.min(p.batchSize, n);
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      checkDeadline('MLP fit');
      const perm = rng.permutation(n);
      for (let start = 0; start < n; start += bs) {
        const batch = perm.subarray(start, Math.min(start + bs, n));
        const xb = new Float32Array(batch.length * d);
        batch.forEach((r, i) => xb.set(x.subarray(r * d, (r + 1) * d), i * d));
        const out = net.forward(tensor(xb, { shape: [batch.length, d] }));
        const loss =
          this.task === 'classification'
            ? crossEntropy(out, tensor(Int32Array.from(batch, (r) => y[r]), { shape: [batch.length] }))
            : mse(out, tensor(Float32Array.from(batch, (r) => yReg[r]), { shape: [batch.length, 1] }));
        opt.zeroGrad();
        loss.backward();
        opt.step();
      }
    }
    net.eval();
    return this;
  }

  private outputs(x0: Matrix): Matrix {
    if (!this.net || !this.scale) notFitted('MLP.predict');
    checkCols('MLP.predict', x0, this.nFeatures, { finite: true });
    const net = this.net;
    const x = tensor(Float32Array.from(applyColumnScale(x0, this.scale).data), { shape: [x0.rows, x0.cols] });
    const out: Tensor = noGrad(() => net.forward(x));
    return matrix(x0.rows, out.shape[1], Float64Array.from(out.data as Float32Array));
  }

  predictProba(x: Matrix): Matrix {
    if (this.task !== 'classification') throw new ArgumentError('MLP.predictProba: needs a classifier, got a regressor');
    return softmaxRows(this.outputs(x));
  }

  predict(x: Matrix): Target {
    if (this.task === 'classification') return argmaxRows(this.predictProba(x));
    return Float64Array.from(this.outputs(x).data, (v) => v * this.yStd + this.yMean);
  }

  toJSON(): LearnerJSON {
    if (!this.scale) notFitted('MLP.toJSON');
    return {
      kind: this.kind,
      version: 2,
      task: this.task,
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      params: this.params,
      scale: columnScaleToJSON(this.scale),
      yMean: this.yMean,
      yStd: this.yStd,
      // per Linear layer, PyTorch's layout: weight [out, in] row-major, bias [out]
      layers: this.linears.map((l) => ({ inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: arr(l.weight.data), bias: arr(l.bias!.data) })),
    };
  }

  static fromJSON(json: LearnerJSON): MLP {
    expectKind(json, 'mlp');
    if (!Array.isArray(json.layers)) throw new FormatError(`MLP.fromJSON: layers must be an array, got ${typeof json.layers}`);
    const m = new MLP(paramsFromJSON<MlpParams>('MLP.fromJSON', json.params, mlpParamRules));
    const fields = new JsonFields('MLP.fromJSON');
    ({ task: m.task, nClasses: m.nClasses } = fields.taskAndClasses(json));
    m.nFeatures = fields.at('nFeatures').integer(json.nFeatures, 0);
    m.scale = columnScaleFromJSON(fields.at('scale'), json.scale, m.nFeatures);
    m.yMean = json.yMean as number;
    m.yStd = json.yStd as number;
    const layers = json.layers as { inFeatures: number; outFeatures: number; weight: number[]; bias: number[] }[];
    const sizes = m.sizes();
    if (layers.length !== sizes.length - 1 || layers.some((l, i) => l.inFeatures !== sizes[i] || l.outFeatures !== sizes[i + 1] || l.weight.length !== l.inFeatures * l.outFeatures)) {
      throw new FormatError(`MLP.fromJSON: layers must match sizes [${sizes.join(',')}], got [${layers.map((l) => `${l.inFeatures}->${l.outFeatures}`).join(', ')}]`);
    }
    // the network holds float32: a saved 1e308 became Infinity there, and the predictions Infinity or NaN
    layers.forEach((l, i) => {
      for (const key of ['weight', 'bias'] as const) {
        const values = fields.at('layers').at(i).at(key).numbers(l[key], key === 'bias' ? l.outFeatures : undefined);
        const big = values.findIndex((v) => Math.abs(v) > FLOAT32_MAX);
        if (big >= 0) fields.at('layers').at(i).at(key).at(big).fail('a number float32 holds (at most 3.4e38 in size)', values[big]);
      }
    });
    if (m.task === 'regression') {
      fields.at('yMean').number(json.yMean);
      fields.at('yStd').number(json.yStd, true);
    }
    const { net, linears } = buildNetwork(sizes, new Random(0));
    linears.forEach((lin, i) => {
      (lin.weight.data as Float32Array).set(layers[i].weight);
      (lin.bias!.data as Float32Array).set(layers[i].bias);
    });
    m.net = net.eval();
    m.linears = linears;
    return m;
  }
}
registerLearner('mlp', MLP.fromJSON);
