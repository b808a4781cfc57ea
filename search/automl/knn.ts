// k-nearest neighbours by brute force in Euclidean distance; the pipeline standardizes features first when asked.
import { ArgumentError } from '../../core/errors.js';
import { type Learner, type LearnerJSON, type Task, arr, expectKind, notFitted, registerLearner } from './learner.js';
import { type Matrix, type Target, argmaxRows, checkCols, checkXy, countClasses, matrix } from './matrix.js';
import { checkDeadline } from './deadline.js';
import { JsonFields, type ParamRule, checkParams, paramsFromJSON, rule } from './json-fields.js';

export interface KnnParams {
  k: number;
  /** 'distance': votes weighted by 1/distance (an exact match takes the vote alone). */
  weights: 'uniform' | 'distance';
}

export const defaultKnnParams: KnnParams = { k: 5, weights: 'uniform' };

/** What each parameter must be (the constructor's and fromJSON's checks). */
export const knnParamRules: Record<keyof KnnParams, ParamRule> = { k: rule.integer(1), weights: rule.oneOf(['uniform', 'distance']) };

export class KNearestNeighbors implements Learner {
  readonly kind = 'knn';
  readonly params: KnnParams;
  task: Task = 'classification';
  nClasses = 0;
  x: Matrix | null = null;
  y: Target = new Int32Array(0);

  constructor(params: Partial<KnnParams> = {}) {
    this.params = { ...defaultKnnParams, ...params };
    checkParams('KNearestNeighbors', this.params as unknown as Record<string, unknown>, knnParamRules);
  }

  fit(x: Matrix, y: Target): this {
    checkXy('KNearestNeighbors.fit', x, y, { finite: true });
    this.task = y instanceof Int32Array ? 'classification' : 'regression';
    this.nClasses = this.task === 'classification' ? countClasses(y as Int32Array) : 0;
    this.x = { data: Float64Array.from(x.data), rows: x.rows, cols: x.cols };
    this.y = y.slice();
    return this;
  }

  /** Calls visit(trainRow, weight) for the k nearest training rows of query row r. */
  private neighbours(q: Matrix, r: number, visit: (row: number, w: number) => void): void {
    const x = this.x!;
    const k = Math.min(this.params.k, x.rows);
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    // A query far outside the training values (1e300 in a column) makes every squared distance Infinity, which
    // ranks no row: predictProba had given a row of zeros and a regressor NaN. Such a query's distances are taken
    // again on the values divided by one common scale (the largest |value| in the query and the training rows, so
    // every difference is at most 2); the ranking and the distance weights, which are normalized, are those of the
    // true distances up to that factor (but for differences below ~1e-300 of it).
    for (let pass = 0; pass < 2; pass++) {
      const inv = pass === 0 ? 1 : 1 / this.distanceScale(q, r);
      bestD.fill(Infinity);
      bestI.fill(-1);
      for (let i = 0; i < x.rows; i++) {
        let d = 0;
        for (let j = 0; j < x.cols; j++) {
          const diff = inv === 1 ? x.data[i * x.cols + j] - q.data[r * q.cols + j] : x.data[i * x.cols + j] * inv - q.data[r * q.cols + j] * inv;
          d += diff * diff;
        }
        if (d >= bestD[k - 1]) continue;
        let p = k - 1;
        while (p > 0 && bestD[p - 1] > d) {
          bestD[p] = bestD[p - 1];
          bestI[p] = bestI[p - 1];
          p--;
        }
        bestD[p] = d;
        bestI[p] = i;
      }
      if (bestI[k - 1] >= 0) break;
    }
    if (bestI[k - 1] < 0) throw new ArgumentError(`KNearestNeighbors.predict: row ${r} must hold numbers, got ${Array.from(q.data.subarray(r * q.cols, (r + 1) * q.cols)).join(', ')}`);
    if (this.params.weights === 'distance' && bestD[0] === 0) {
      for (let p = 0; p < k && bestD[p] === 0; p++) visit(bestI[p], 1);
      return;
    }
    for (let p = 0; p < k; p++) visit(bestI[p], this.params.weights === 'distance' ? 1 / Math.sqrt(bestD[p]) : 1);
  }

  /**
   * The largest |value| in query row r and the training rows (1 if all are 0). Found anew for each query that
   * overflowed (its second ranking reads every row anyway), so a refit cannot leave a stale one behind.
   */
  private distanceScale(q: Matrix, r: number): number {
    let m = 0;
    for (const v of this.x!.data) m = Math.max(m, Math.abs(v));
    for (let j = 0; j < q.cols; j++) m = Math.max(m, Math.abs(q.data[r * q.cols + j]));
    return m || 1;
  }

  predictProba(q: Matrix): Matrix {
    this.check(q);
    if (this.task !== 'classification') throw new ArgumentError('KNearestNeighbors.predictProba: needs a classifier, got a regressor');
    const k = this.nClasses;
    const out = matrix(q.rows, k);
    for (let r = 0; r < q.rows; r++) {
      if ((r & 63) === 0) checkDeadline('k-nearest neighbours predict');
      let total = 0;
      this.neighbours(q, r, (row, w) => {
        out.data[r * k + this.y[row]] += w;
        total += w;
      });
      for (let c = 0; c < k; c++) out.data[r * k + c] /= total;
    }
    return out;
  }

  predict(q: Matrix): Target {
    if (this.task === 'classification') return argmaxRows(this.predictProba(q));
    this.check(q);
    const out = new Float64Array(q.rows);
    for (let r = 0; r < q.rows; r++) {
      if ((r & 63) === 0) checkDeadline('k-nearest neighbours predict');
      let s = 0;
      let total = 0;
      this.neighbours(q, r, (row, w) => {
        s += w * this.y[row];
        total += w;
      });
      out[r] = s / total;
    }
    return out;
  }

  private check(q: Matrix): void {
    if (!this.x) notFitted('KNearestNeighbors.predict');
    checkCols('KNearestNeighbors.predict', q, this.x.cols, { finite: true });
  }

  toJSON(): LearnerJSON {
    if (!this.x) notFitted('KNearestNeighbors.toJSON');
    return { kind: this.kind, version: 1, task: this.task, nClasses: this.nClasses, params: this.params, rows: this.x.rows, cols: this.x.cols, x: arr(this.x.data), y: arr(this.y) };
  }

  static fromJSON(json: LearnerJSON): KNearestNeighbors {
    expectKind(json, 'knn');
    const m = new KNearestNeighbors(paramsFromJSON<KnnParams>('KNearestNeighbors.fromJSON', json.params, knnParamRules));
    // the neighbours are read as rows x cols numbers with one target each: a shorter x had made distances NaN, a
    // class index past nClasses an undefined class
    const fields = new JsonFields('KNearestNeighbors.fromJSON');
    ({ task: m.task, nClasses: m.nClasses } = fields.taskAndClasses(json));
    const rows = fields.at('rows').integer(json.rows, 1);
    const cols = fields.at('cols').integer(json.cols, 0);
    m.x = { data: Float64Array.from(fields.at('x').numbers(json.x, rows * cols)), rows, cols };
    m.y = m.task === 'classification' ? Int32Array.from(fields.at('y').indices(json.y, m.nClasses, rows)) : Float64Array.from(fields.at('y').numbers(json.y, rows));
    return m;
  }
}
registerLearner('knn', KNearestNeighbors.fromJSON);
