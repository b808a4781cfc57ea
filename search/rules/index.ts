// Rule induction, the entry point: `rules({ data, target, algorithm })` fits readable rules on all the data and
// reports their stratified cross-validated accuracy, with RIPPER or with a pruned tree read as C4.5 rules.
//
//   const r = rules({ data: 'iris.csv', target: 'species', algorithm: 'ripper', seed: 1, folds: 10, print: true });
//   r.model.predict([{ petal_length: 1.4, petal_width: 0.2 }]);  r.model.explain({ petal_length: 5.1 }).text;
//   r.save('iris.rules.json');  loadRules('iris.rules.json');
//   await rulesAsync({ data: 'flights.csv', target: 'origin', workers: 4 });   // the same result, folds on worker threads
export * from './condition.js';
export * from './data.js';
export * from './drop-rules.js';
export * from './json.js';
export * from './mimic.js';
export * from './model.js';
export * from './pessimistic.js';
export * from './ripper.js';
export * from './run.js';
export * from './simplify.js';
export * from './tree-rules.js';

