// Linear SVM, one-vs-rest, hinge loss, trained by dual coordinate descent (Hsieh et al. 2008, LIBLINEAR's L1-loss
// solver) with the bias as an extra constant feature. Probabilities are a softmax over the decision values: they
// rank like the margins and sum to 1, but are not calibrated.
import { Random } from '../../core/random.js';
import { type Learner, type LearnerJSON, arr, expectKind, notFitted, registerLearner, requireClassification } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, matrix, softmaxInPlace } from './matrix.js';
import { type ColumnScale, applyColumnScale, columnScaleFromJSON, columnScaleToJSON, fitColumnScale } from './scaling.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

export interface SvmParams {
  C: number;
  maxIter: number;
  tol: number;
  seed: number;
}

export const defaultSvmParams: SvmParams = { C: 1, maxIter: 1000, tol: 1e-4, seed: 0 };

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const svmParamRules: Record<keyof SvmParams, ParamRule> = { C: rule.above(0), maxIter: rule.integer(1), tol: rule.atLeast(0), seed: rule.finite };

export class LinearSVM implements Learner {
  readonly kind = 'linear-svm';
  readonly params: SvmParams;
  nClasses = 0;
  nFeatures = 0;
  /** [nClasses * (nFeatures + 1)]: per class its weights then its bias. */
  weights = new Float64Array(0);
  scale: ColumnScale | null = null;

  constructor(params: Partial<SvmParams> = {}) {
    this.params = { ...defaultSvmParams, ...params };
    checkParams('LinearSVM', this.params as unknown as Record<string, unknown>, svmParamRules);
  }

  fit(x0: Matrix, yAny: Target): this {
    checkXy('LinearSVM.fit', x0, yAny, { finite: true });
    const y = requireClassification('LinearSVM.fit', yAny);
    const k = (this.nClasses = countClasses(y));
    const d = (this.nFeatures = x0.cols);
    this.scale = fitColumnScale(x0);
    const x = applyColumnScale(x0, this.scale);
    const n = x.rows;
    const rng = new Random(this.params.seed);
    const C = this.params.C;
    const qii = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 1;
      for (let j = 0; j < d; j++) s += x.data[i * d + j] ** 2;
      qii[i] = s;
    }
    this.weights = new Float64Array(k * (d + 1));
    // with two classes one binary problem suffices; class 0 gets the mirrored weights
    const problems = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
    for (const c of problems) {
      const w = this.weights.subarray(c * (d + 1), (c + 1) * (d + 1));
      const alpha = new Float64Array(n);
      for (let it = 0; it < this.params.maxIter; it++) {
        checkDeadline('linear SVM fit');
        const perm = rng.permutation(n);
        let maxPG = -Infinity;
        let minPG = Infinity;
        for (const i of perm) {
          const yi = y[i] === c ? 1 : -1;
          let s = w[d];
          for (let j = 0; j < d; j++) s += w[j] * x.data[i * d + j];
          const G = yi * s - 1;
          const PG = alpha[i] === 0 ? Math.min(G, 0) : alpha[i] === C ? Math.max(G, 0) : G;
          if (PG > maxPG) maxPG = PG;
          if (PG < minPG) minPG = PG;
          if (Math.abs(PG) > 1e-12) {
            const old = alpha[i];
            alpha[i] = Math.min(Math.max(old - G / qii[i], 0), C);
            const delta = (alpha[i] - old) * yi;
            for (let j = 0; j < d; j++) w[j] += delta * x.data[i * d + j];
            w[d] += delta;
          }
        }
        if (maxPG - minPG < this.params.tol) break;
      }
    }
    if (k === 2) for (let j = 0; j <= d; j++) this.weights[j] = -this.weights[d + 1 + j];
    return this;
  }

  decisionFunction(x0: Matrix): Matrix {
    if (!this.scale) notFitted('LinearSVM.predict');
    checkCols('LinearSVM.predict', x0, this.nFeatures, { finite: true });
    const x = applyColumnScale(x0, this.scale);
    const k = this.nClasses;
    const d = this.nFeatures;
    const out = matrix(x.rows, k);
    for (let r = 0; r < x.rows; r++)
      for (let c = 0; c < k; c++) {
        let s = this.weights[c * (d + 1) + d];
        for (let j = 0; j < d; j++) s += this.weights[c * (d + 1) + j] * x.data[r * d + j];
        out.data[r * k + c] = s;
      }
    return out;
  }

  predictProba(x: Matrix): Matrix {
    const out = this.decisionFunction(x);
    for (let r = 0; r < out.rows; r++) softmaxInPlace(out.data, r * out.cols, out.cols);
    return out;
  }

  predict(x: Matrix): Int32Array {
    return argmaxRows(this.decisionFunction(x));
  }

  toJSON(): LearnerJSON {
    if (!this.scale) notFitted('LinearSVM.toJSON');
    return { kind: this.kind, version: 1, params: this.params, nClasses: this.nClasses, nFeatures: this.nFeatures, weights: arr(this.weights), scale: columnScaleToJSON(this.scale) };
  }

  static fromJSON(json: LearnerJSON): LinearSVM {
    expectKind(json, 'linear-svm');
    const m = new LinearSVM(paramsFromJSON<SvmParams>('LinearSVM.fromJSON', json.params, svmParamRules));
    // decisionFunction reads nClasses x (nFeatures + 1) weights: a shorter array had read past its end
    const fields = new JsonFields('LinearSVM.fromJSON');
    m.nClasses = fields.at('nClasses').integer(json.nClasses, 1);
    m.nFeatures = fields.at('nFeatures').integer(json.nFeatures, 0);
    m.weights = Float64Array.from(fields.at('weights').numbers(json.weights, m.nClasses * (m.nFeatures + 1)));
    m.scale = columnScaleFromJSON(fields.at('scale'), json.scale, m.nFeatures);
    return m;
  }
}
registerLearner('linear-svm', LinearSVM.fromJSON);
