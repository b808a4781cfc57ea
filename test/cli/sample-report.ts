import type { ReportData } from '../../cli/report/html.js';

export const SAMPLE: ReportData = {
  title: 'test <report>',
  training: { model: 'LeNet-5', params: 431080, testAccuracy: 0.99, history: [1, 2, 3].map((e) => ({ epoch: e, loss: 1 / e, trainAccuracy: 0.9 + e / 100, valAccuracy: 0.91 + e / 100 })) },
  compression: {
    stages: [
      { stage: 'dense f32', params: 431080, nonzeros: 431080, bytes: 1724320, accuracy: 0.991, latencyMs: 0.5, speedup: 1 },
      { stage: 'pruned 92%', params: 431080, nonzeros: 34486, bytes: 180000, accuracy: 0.990 },
      { stage: 'pruned + int8', params: 431080, nonzeros: 34486, bytes: 60000, accuracy: 0.989, latencyMs: 0.4, speedup: 1.25 },
    ],
    sparsityCurve: [0, 0.5, 0.8, 0.9, 0.95].map((s) => ({ sparsity: s, accuracy: 0.99 - s * s * 0.02 })),
  },
  nas: {
    trials: [[0.97, 20000, true], [0.985, 80000, true], [0.98, 120000, false], [0.96, 5000, true], [0.95, 40000, false]].map(([a, p, f]) => ({ accuracy: a as number, params: p as number, pareto: f as boolean })),
    history: [{ trial: 0, best: 0.95 }, { trial: 1, best: 0.97 }, { trial: 2, best: 0.985 }],
  },
  automl: { metric: 'accuracy', leaderboard: [{ rank: 1, learner: 'forest', score: 0.98 }, { rank: 2, learner: 'knn', score: 0.95 }], history: [{ trial: 0, best: 0.95 }, { trial: 1, best: 0.98 }] },
  rules: {
    text: 'IF petal_length <= 2.45 THEN setosa (covers 50, 100% correct)',
    cvAccuracy: 0.95,
    nRules: 3,
    nConditions: 4,
    foldAccuracies: [0.9, 1, 0.95],
    confusion: { classes: ['setosa', 'versicolor', 'virginica'], counts: [[50, 0, 0], [0, 46, 4], [0, 3, 47]] },
  },
};
