// Softmax (multinomial logistic) regression and linear least squares, both fitted by FISTA (Beck & Teboulle 2009):
// accelerated proximal gradient with backtracking, so L2 lives in the smooth part and L1 is a soft-threshold prox.
// The objective is mean loss + lambda * penalty with lambda = 1 / (C * n), as sklearn's C; the intercept is not
// penalized. Features are standardized internally, so the penalty acts on standardized coefficients.
import { ArgumentError, FormatError } from '../../core/errors.js';
import { type Learner, type LearnerJSON, type Task, arr, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, matrix, softmaxRows } from './matrix.js';
import { type ColumnScale, applyColumnScale, columnScaleFromJSON, columnScaleToJSON, fitColumnScale } from './scaling.js';

export interface LinearParams {
  penalty: 'l2' | 'l1' | 'none';
  /** Inverse regularization strength. */
  C: number;
  maxIter: number;
  tol: number;
}

export const defaultLinearParams: LinearParams = { penalty: 'l2', C: 1, maxIter: 500, tol: 1e-6 };

export class LinearModel implements Learner {
  readonly kind = 'linear';
  readonly params: LinearParams;
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;
  /** [(nFeatures + 1) * outputs]: row j < nFeatures holds feature j's weights, the last row the intercepts. */
  weights = new Float64Array(0);
  scale: ColumnScale | null = null;
  /** Iterations FISTA ran in the last fit. */
  iterations = 0;

  constructor(params: Partial<LinearParams> = {}) {
    this.params = { ...defaultLinearParams, ...params };
    if (!(this.params.C > 0)) throw new ArgumentError(`LinearModel: C must be > 0, got ${this.params.C}`);
  }

  get outputs(): number {
    return this.task === 'classification' ? this.nClasses : 1;
  }

  fit(x0: Matrix, y: Target): this {
    checkXy('LinearModel.fit', x0, y);
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? countClasses(y as Int32Array) : 0;
    this.nFeatures = x0.cols;
    this.scale = fitColumnScale(x0);
    const x = applyColumnScale(x0, this.scale);
    const k = this.outputs;
    const d = x.cols;
    const n = x.rows;
    const lambda = this.params.penalty === 'none' ? 0 : 1 / (this.params.C * n);
    const l2 = this.params.penalty === 'l2' ? lambda : 0;
    const l1 = this.params.penalty === 'l1' ? lambda : 0;
    const size = (d + 1) * k;
    const scores = new Float64Array(k);
    // smooth objective and its gradient at w
    const smooth = (w: Float64Array, grad: Float64Array | null): number => {
      if (grad) grad.fill(0);
      let loss = 0;
      for (let r = 0; r < n; r++) {
        const off = r * d;
        for (let c = 0; c < k; c++) {
          let s = w[d * k + c];
          for (let j = 0; j < d; j++) s += x.data[off + j] * w[j * k + c];
          scores[c] = s;
        }
        if (this.task === 'classification') {
          let max = -Infinity;
          for (let c = 0; c < k; c++) if (scores[c] > max) max = scores[c];
          let z = 0;
          for (let c = 0; c < k; c++) z += Math.exp(scores[c] - max);
          loss += Math.log(z) + max - scores[y[r]];
          if (grad) {
            for (let c = 0; c < k; c++) scores[c] = Math.exp(scores[c] - max) / z - (y[r] === c ? 1 : 0);
          }
        } else {
          const e = scores[0] - y[r];
          loss += 0.5 * e * e;
          scores[0] = e;
        }
        if (grad) {
          for (let c = 0; c < k; c++) {
            const g = scores[c] / n;
            if (g === 0) continue;
            for (let j = 0; j < d; j++) grad[j * k + c] += g * x.data[off + j];
            grad[d * k + c] += g;
          }
        }
      }
      loss /= n;
      let pen = 0;
      for (let i = 0; i < d * k; i++) pen += w[i] * w[i];
      if (grad) for (let i = 0; i < d * k; i++) grad[i] += l2 * w[i];
      return loss + 0.5 * l2 * pen;
    };
    const prox = (v: Float64Array, step: number): void => {
      if (l1 === 0) return;
      const t = l1 * step;
      for (let i = 0; i < d * k; i++) v[i] = Math.sign(v[i]) * Math.max(Math.abs(v[i]) - t, 0);
    };
    let w = new Float64Array(size);
    const z = new Float64Array(size);
    const g = new Float64Array(size);
    let cand = new Float64Array(size);
    let t = 1;
    let L = 1;
    this.iterations = 0;
    for (let it = 0; it < this.params.maxIter; it++) {
      this.iterations = it + 1;
      const fz = smooth(z, g);
      for (;;) {
        for (let i = 0; i < size; i++) cand[i] = z[i] - g[i] / L;
        prox(cand, 1 / L);
        let lin = 0;
        let quad = 0;
        for (let i = 0; i < size; i++) {
          const diff = cand[i] - z[i];
          lin += g[i] * diff;
          quad += diff * diff;
        }
        if (smooth(cand, null) <= fz + lin + (L / 2) * quad + 1e-12 || L > 1e12) break;
        L *= 2;
      }
      const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      let change = 0;
      let norm = 0;
      for (let i = 0; i < size; i++) {
        const diff = cand[i] - w[i];
        change += diff * diff;
        norm += cand[i] * cand[i];
        z[i] = cand[i] + ((t - 1) / tNext) * diff;
      }
      [w, cand] = [cand, w];
      t = tNext;
      L *= 0.9;
      if (Math.sqrt(change) <= this.params.tol * Math.max(1, Math.sqrt(norm))) break;
    }
    this.weights = w;
    return this;
  }

  decisionFunction(x0: Matrix): Matrix {
    if (!this.scale) notFitted('LinearModel.predict');
    checkCols('LinearModel.predict', x0, this.nFeatures);
    const x = applyColumnScale(x0, this.scale);
    const k = this.outputs;
    const d = x.cols;
    const out = matrix(x.rows, k);
    for (let r = 0; r < x.rows; r++)
      for (let c = 0; c < k; c++) {
        let s = this.weights[d * k + c];
        for (let j = 0; j < d; j++) s += x.data[r * d + j] * this.weights[j * k + c];
        out.data[r * k + c] = s;
      }
    return out;
  }

  predictProba(x: Matrix): Matrix {
    if (this.task !== 'classification') throw new ArgumentError('LinearModel.predictProba: needs a classifier, got a regressor');
    return softmaxRows(this.decisionFunction(x));
  }

  predict(x: Matrix): Target {
    if (this.task === 'classification') return argmaxRows(this.predictProba(x));
    return Float64Array.from(this.decisionFunction(x).data);
  }

  toJSON(): LearnerJSON {
    if (!this.scale) notFitted('LinearModel.toJSON');
    return { kind: this.kind, version: 1, task: this.task, nClasses: this.nClasses, nFeatures: this.nFeatures, params: this.params, weights: arr(this.weights), scale: columnScaleToJSON(this.scale) };
  }

  static fromJSON(json: LearnerJSON): LinearModel {
    expectKind(json, 'linear');
    if (!Array.isArray(json.weights)) throw new FormatError(`LinearModel.fromJSON: weights must be an array, got ${typeof json.weights}`);
    const m = new LinearModel(json.params as LinearParams);
    m.task = json.task as Task;
    m.nClasses = json.nClasses as number;
    m.nFeatures = json.nFeatures as number;
    m.weights = Float64Array.from(json.weights as number[]);
    m.scale = columnScaleFromJSON(json.scale as { mean: number[]; scale: number[] });
    return m;
  }
}
registerLearner('linear', LinearModel.fromJSON);
