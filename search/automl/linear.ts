// Softmax (multinomial logistic) regression and linear least squares, both fitted by L-BFGS (sklearn's default
// solver), as OWL-QN (Andrew & Gao 2007) when the penalty is L1: the quasi-Newton step on a pseudo-gradient, kept
// inside the current orthant, so coefficients reach exact zeros. L2 lives in the smooth part.
// The objective is mean loss + lambda * penalty with lambda = 1 / (C * n), as sklearn's C; the intercept is not
// penalized. Features are standardized internally, so the penalty acts on standardized coefficients.
import { ArgumentError } from '../../core/errors.js';
import { type Learner, type LearnerJSON, type Task, arr, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, matrix, softmaxRows } from './matrix.js';
import { type ColumnScale, applyColumnScale, columnScaleFromJSON, columnScaleToJSON, fitColumnScale } from './scaling.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

export interface LinearParams {
  penalty: 'l2' | 'l1' | 'none';
  /** Inverse regularization strength. */
  C: number;
  maxIter: number;
  tol: number;
}

export const defaultLinearParams: LinearParams = { penalty: 'l2', C: 1, maxIter: 500, tol: 1e-4 };

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const linearParamRules: Record<keyof LinearParams, ParamRule> = { penalty: rule.oneOf(['l2', 'l1', 'none']), C: rule.above(0), maxIter: rule.integer(1), tol: rule.atLeast(0) };

export class LinearModel implements Learner {
  readonly kind = 'linear';
  readonly params: LinearParams;
  task: Task = 'classification';
  nClasses = 0;
  nFeatures = 0;
  /** [(nFeatures + 1) * outputs]: row j < nFeatures holds feature j's weights, the last row the intercepts. */
  weights = new Float64Array(0);
  scale: ColumnScale | null = null;
  /** Iterations the solver ran in the last fit. */
  iterations = 0;

  constructor(params: Partial<LinearParams> = {}) {
    this.params = { ...defaultLinearParams, ...params };
    checkParams('LinearModel', this.params as unknown as Record<string, unknown>, linearParamRules);
  }

  get outputs(): number {
    return this.task === 'classification' ? this.nClasses : 1;
  }

  fit(x0: Matrix, y: Target): this {
    checkXy('LinearModel.fit', x0, y, { finite: true });
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
    // intercepts (the last k entries) are not penalized
    const penalized = d * k;
    // the time limit is checked before every pass over the rows (each iteration's line search makes one or more)
    const checked = (w: Float64Array, grad: Float64Array | null): number => {
      checkDeadline('linear model fit');
      return smooth(w, grad);
    };
    this.weights = owlqn(size, penalized, l1, checked, this.params.maxIter, this.params.tol, (it) => (this.iterations = it));
    return this;
  }

  decisionFunction(x0: Matrix): Matrix {
    if (!this.scale) notFitted('LinearModel.predict');
    checkCols('LinearModel.predict', x0, this.nFeatures, { finite: true });
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
    const m = new LinearModel(paramsFromJSON<LinearParams>('LinearModel.fromJSON', json.params, linearParamRules));
    // predict reads (nFeatures + 1) x outputs weights: a shorter array had read past its end (NaN, the first class)
    const fields = new JsonFields('LinearModel.fromJSON');
    ({ task: m.task, nClasses: m.nClasses } = fields.taskAndClasses(json));
    m.nFeatures = fields.at('nFeatures').integer(json.nFeatures, 0);
    m.weights = Float64Array.from(fields.at('weights').numbers(json.weights, (m.nFeatures + 1) * m.outputs));
    m.scale = columnScaleFromJSON(fields.at('scale'), json.scale, m.nFeatures);
    return m;
  }
}
registerLearner('linear', LinearModel.fromJSON);

/**
 * Minimizes smooth(w) + l1 * sum_{i < penalized} |w_i| by OWL-QN (Andrew & Gao 2007; plain L-BFGS when l1 = 0):
 * a two-loop L-BFGS direction (memory 10) on the pseudo-gradient, its components that disagree in sign with the
 * steepest descent direction dropped, a backtracking line search that projects each trial point onto the orthant
 * of the current point. Stops when the largest pseudo-gradient component is <= tol, when an iteration improves the
 * objective by less than 64 machine epsilons relatively (scipy L-BFGS-B's ftol in sklearn), or after maxIter iterations.
 */
function owlqn(
  size: number,
  penalized: number,
  l1: number,
  smooth: (w: Float64Array, grad: Float64Array | null) => number,
  maxIter: number,
  tol: number,
  onIterations: (it: number) => void = () => {},
): Float64Array<ArrayBuffer> {
  const m = 10;
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  let w = new Float64Array(size);
  let g = new Float64Array(size);
  let wNew = new Float64Array(size);
  let gNew = new Float64Array(size);
  const pg = new Float64Array(size);
  const dir = new Float64Array(size);
  const alpha = new Float64Array(m);
  const l1Norm = (v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < penalized; i++) s += Math.abs(v[i]);
    return l1 * s;
  };
  let f = smooth(w, g) + l1Norm(w);
  let it = 0;
  for (; it < maxIter; it++) {
    // pseudo-gradient: the steepest-descent direction of the non-smooth objective is -pg
    let pgMax = 0;
    for (let i = 0; i < size; i++) {
      let v = g[i];
      if (i < penalized && l1 > 0) {
        if (w[i] > 0) v = g[i] + l1;
        else if (w[i] < 0) v = g[i] - l1;
        else if (g[i] + l1 < 0) v = g[i] + l1;
        else if (g[i] - l1 > 0) v = g[i] - l1;
        else v = 0;
      }
      pg[i] = v;
      pgMax = Math.max(pgMax, Math.abs(v));
    }
    if (pgMax <= tol) break;
    // two-loop recursion: dir = -H pg
    for (let i = 0; i < size; i++) dir[i] = -pg[i];
    for (let j = sHist.length - 1; j >= 0; j--) {
      let a = 0;
      for (let i = 0; i < size; i++) a += sHist[j][i] * dir[i];
      a *= rho[j];
      alpha[j] = a;
      for (let i = 0; i < size; i++) dir[i] -= a * yHist[j][i];
    }
    if (sHist.length > 0) {
      const last = sHist.length - 1;
      let yy = 0;
      for (let i = 0; i < size; i++) yy += yHist[last][i] * yHist[last][i];
      const gamma = 1 / (rho[last] * yy);
      for (let i = 0; i < size; i++) dir[i] *= gamma;
    } else {
      // first step: along -pg, its largest component at most 1
      const scale = 1 / Math.max(pgMax, 1e-300);
      for (let i = 0; i < size; i++) dir[i] *= Math.min(1, scale);
    }
    for (let j = 0; j < sHist.length; j++) {
      let b = 0;
      for (let i = 0; i < size; i++) b += yHist[j][i] * dir[i];
      b *= rho[j];
      for (let i = 0; i < size; i++) dir[i] += sHist[j][i] * (alpha[j] - b);
    }
    // keep only components that descend along -pg; fall back to steepest descent (and drop the history) if the
    // direction does not descend
    let slope = 0;
    for (let i = 0; i < size; i++) {
      if (l1 > 0 && i < penalized && dir[i] * pg[i] >= 0) dir[i] = 0;
      slope += dir[i] * pg[i];
    }
    if (!(slope < 0)) {
      sHist.length = yHist.length = rho.length = 0;
      for (let i = 0; i < size; i++) dir[i] = -pg[i];
    }
    // backtracking (Armijo) line search, each trial point projected onto the orthant of w (sign of -pg where w = 0)
    let step = 1;
    let fNew = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 60; tries++) {
      let decrease = 0;
      for (let i = 0; i < size; i++) {
        let v = w[i] + step * dir[i];
        if (l1 > 0 && i < penalized) {
          const orthant = w[i] !== 0 ? Math.sign(w[i]) : -Math.sign(pg[i]);
          if (Math.sign(v) !== orthant) v = 0;
        }
        wNew[i] = v;
        decrease += pg[i] * (v - w[i]);
      }
      fNew = smooth(wNew, gNew) + l1Norm(wNew);
      if (fNew <= f + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    let sy = 0;
    for (let i = 0; i < size; i++) {
      s[i] = wNew[i] - w[i];
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
    }
    if (sy > 1e-12) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rho.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rho.push(1 / sy);
    }
    const improvement = f - fNew;
    [w, wNew] = [wNew, w];
    [g, gNew] = [gNew, g];
    f = fNew;
    if (improvement <= 64 * Number.EPSILON * Math.max(1, Math.abs(f))) {
      it++;
      break;
    }
  }
  onIterations(it);
  return w;
}
