// whittle/search/nas: neural architecture search over MLP and small-CNN spaces.
//
//   const r = await nas({
//     data: 'mnist', space: 'cnn', objectives: ['accuracy', 'params', 'latency'],
//     strategy: 'hyperband', budgetSeconds: 600, epochsPerTrial: 2, workers: 2,
//     constraints: { maxParams: 100_000 }, retrain: { epochs: 4 },
//   });
//   r.paretoFront; r.best; r.model?.testAccuracy;
//   saveNasModel('best.safetensors', r.model!.model, r.model!.arch);
//   const { model } = loadNasModel('best.safetensors');

export { nas, type NasOptions, type NasResult, type NasTrial, type StrategyName } from './nas.js';
export { mlpSpace, cnnSpace, ACTIVATIONS, type Activation, type MlpConfig, type CnnConfig, type NasConfig, type MlpSpaceOptions, type CnnSpaceOptions } from './spaces.js';
export { buildModel, countParameters, countMacs, readConfig, type NasArch, type BuildOptions } from './builder.js';
export { saveNasModel, loadNasModel, readNasArch } from './model-file.js';
export { measureLatency, type LatencyOptions } from './latency.js';
export { compressAndScore, type CompressionOptions, type CompressedScore } from './compression.js';
export { runTrial, objectiveValues, OBJECTIVE_DIRECTIONS, type NasObjective, type TrialTask, type TrialMetrics } from './trial.js';
export { nasObjective, loadSplit, writeTaskFolder, type DataSpec } from './objective.js';
export { retrainModel, type RetrainOptions, type RetrainedModel } from './retrain.js';
export { trainEpochs, type TrainLoopOptions } from './train-loop.js';
