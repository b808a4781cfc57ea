import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { automl, foldMeanScore } from '../../../search/automl/automl.js';
import { kFold, stratifiedKFold } from '../../../search/automl/cv.js';
import { matrix, takeTarget } from '../../../search/automl/matrix.js';
import { type MetricName, score } from '../../../search/automl/metrics.js';
import { Random } from '../../../core/random.js';

/** Naive reference: fold by fold, the stacked rows picked one at a time, then the plain mean. */
function naive(metric: MetricName, values: Float64Array, cols: number, folds: Int32Array[], y: ArrayLike<number>, k: number, n: number): number {
  const scores = folds.map((test, i) => {
    const rows = Array.from(test, (r) => Math.floor(i / k) * n + r);
    const ty = Array.from(test, (r) => y[r]);
    if (cols === 0) return score(metric, ty, { pred: rows.map((r) => values[r]) });
    const sub: number[] = [];
    for (const r of rows) for (let c = 0; c < cols; c++) sub.push(values[r * cols + c]);
    return score(metric, ty, { proba: matrix(rows.length, cols, Float64Array.from(sub)) });
  });
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

describe('foldMeanScore', () => {
  it('is the mean of each fold\'s score over the stacked repeats, for regression and classification', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 40 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (n, k, repeats, seed) => {
        const rng = new Random(seed);
        const y = Float64Array.from({ length: n }, () => rng.normal());
        const folds = Array.from({ length: repeats }, (_, r) => kFold(n, k, seed + r)).flat();
        const pred = Float64Array.from({ length: repeats * n }, () => rng.normal());
        const testY = folds.map((t) => takeTarget(y, t));
        for (const metric of ['r2', 'rmse'] as const) expect(foldMeanScore(metric, { pred }, folds, testY, k, n)).toBeCloseTo(naive(metric, pred, 0, folds, y, k, n), 12);
        const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
        const cfolds = Array.from({ length: repeats }, (_, r) => stratifiedKFold(labels, Math.min(k, 2), seed + r)).flat();
        const proba = Float64Array.from({ length: repeats * n * 3 }, () => rng.uniform());
        for (let r = 0; r < repeats * n; r++) {
          const s = proba[3 * r] + proba[3 * r + 1] + proba[3 * r + 2];
          for (let c = 0; c < 3; c++) proba[3 * r + c] /= s;
        }
        const ctestY = cfolds.map((t) => takeTarget(labels, t));
        for (const metric of ['accuracy', 'log-loss', 'balanced-accuracy'] as const) {
          expect(foldMeanScore(metric, { proba: matrix(repeats * n, 3, proba) }, cfolds, ctestY, Math.min(k, 2), n)).toBeCloseTo(naive(metric, proba, 3, cfolds, labels, Math.min(k, 2), n), 12);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("puts the ensemble's score on the leaderboard's scale: a blend of nearly one pipeline scores nearly its row", async () => {
    // 40 rows (a user's file), two linear pipelines: the selection gives the first 0.98 of its weight. Scored over
    // all stacked rows, r² had read 0.853 against that pipeline's 0.780 (its row: the mean over the folds)
    const csv = `a,b,c,y
0.093,0.510,0.723,0.886
0.439,0.827,0.446,1.553
0.517,0.107,0.436,1.750
0.865,0.002,0.514,3.401
0.691,0.797,0.438,2.281
0.627,0.883,0.275,2.092
0.510,0.301,0.680,2.140
0.761,0.235,0.217,2.398
0.998,0.571,0.951,3.432
0.186,0.754,0.849,1.463
0.138,0.369,0.270,0.616
0.981,0.707,0.672,3.383
0.455,0.106,0.977,1.942
0.220,0.698,0.436,1.043
0.549,0.252,0.614,2.344
0.076,0.214,0.357,0.354
0.646,0.825,0.474,2.396
0.203,0.967,0.172,1.279
0.317,0.942,0.170,1.280
0.335,0.484,0.774,1.125
0.000,0.978,0.576,0.049
0.336,0.016,0.169,1.305
0.007,0.774,0.522,0.290
0.752,0.962,0.178,2.373
0.411,0.940,0.643,1.276
0.311,0.946,0.894,1.149
0.751,0.939,0.159,3.207
0.521,0.192,0.689,2.509
0.776,0.237,0.943,3.119
0.328,0.430,0.933,1.392
0.583,0.545,0.156,1.756
0.507,0.257,0.348,1.663
0.484,0.981,0.036,2.096
0.852,0.261,0.574,2.650
0.957,0.325,0.737,3.581
0.223,0.102,0.310,1.571
0.737,0.208,0.394,2.222
0.341,0.589,0.073,1.754
0.531,0.025,0.220,2.552
0.399,0.722,0.976,2.075`;
    const [head, ...lines] = csv.split('\n');
    const names = head.split(',');
    const data = lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j], Number(v)])));
    const r = await automl({ data, target: 'y', learners: ['linear'], maxTrials: 2, workers: 1, budgetSeconds: 60, seed: 0 });
    expect(r.leaderboard.map((l) => l.score.toFixed(4))).toEqual(['0.7796', '-0.1518']);
    expect(r.ensemble!.weights[0]).toBeCloseTo(0.98, 12);
    expect(r.ensembleScore).toBeCloseTo(0.7803, 4);
    expect(r.ensembleObjective).toBe('r2');
  });
});
