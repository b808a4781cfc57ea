// whittle/search: search spaces, studies, strategies and pruners shared by NAS and AutoML.
//
//   const s = space()
//     .categorical('learner', ['tree', 'linear'])
//     .int('maxDepth', 1, 12, { when: { learner: ['tree'] } })
//     .logFloat('lr', 1e-4, 1)
//     .build();
//   const result = await optimize({
//     space: s,
//     strategy: tpe(),                 // randomSearch(), gridSearch(), regularizedEvolution(), hyperband({ maxResource: 27 })
//     objective: (config, trial) => {  // or { module: '/abs/path/objective.js', exportName: 'objective' } + workers: 4
//       for (let epoch = 1; epoch <= (trial.budget ?? 10); epoch++) {
//         trial.report(epoch, validationLoss);
//         if (trial.shouldPrune()) trial.prune();
//       }
//       return validationLoss;         // or [loss, latencyMs] with directions: ['minimize', 'minimize']
//     },
//     trials: 100,
//     seed: 1,
//     journal: 'study.jsonl',          // resumes when the file exists
//   });
//   result.best; result.paretoFront; result.history;

export { space, Space, SpaceBuilder, paramContains, sampleParam, encodeParam, decodeParam } from './space.js';
export type { Value, Config, Condition, Param, CategoricalParam, IntParam, FloatParam, IntOptions, FloatOptions } from './space.js';
export { Study, optimize, TrialPruned } from './study.js';
export type { StudyOptions, StudyResult, HistoryPoint, Trial, ObjectiveFn, ObjectiveModule, TrialRecord, TrialState, Report } from './study.js';
export type { Strategy, Pruner, GenericStrategy, GenericPruner, AskContext, PruneContext, Suggestion, RunningTrial } from './strategies/types.js';
export { randomSearch } from './strategies/random.js';
export { gridSearch, gridPoints, type GridOptions } from './strategies/grid.js';
export { regularizedEvolution, mutate, type EvolutionOptions } from './strategies/evolution.js';
export { tpe, type TpeOptions } from './strategies/tpe.js';
export { hyperband, successiveHalving, type HyperbandOptions, type HyperbandStrategy } from './strategies/hyperband.js';
export { medianPruner, type MedianPrunerOptions } from './strategies/median.js';
export { bestFirst, mixSeed } from './strategies/util.js';
export { dominates, nonDominatedSort, paretoFront, rankOrder, type Direction } from './pareto.js';
export { Journal, readJournal, type JournalHeader, type JournalContents } from './journal.js';
export { consoleProgress, silentProgress, formatProgress, type ProgressReporter, type ProgressState, type ProgressStream } from './progress.js';
export { TrialWorkerPool, executeTrial, loadObjective, defaultWorkers } from './workers.js';
export { branin, braninSpace, BRANIN_MINIMUM, hartmann6, hartmann6Space, HARTMANN6_MINIMUM, HARTMANN6_ARGMIN } from './test-functions.js';
export * as nas from './nas/index.js';
