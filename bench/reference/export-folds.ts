// Writes, for every bench set, the folds our cross-validation uses and each fold's preprocessed matrices
// (search/automl/folds.ts) to tmp/reference-folds/<set>.json, for bench/reference/sklearn_reference.py to read.
// Run: `npx tsx bench/reference/export-folds.ts` (then `/usr/bin/python3 bench/reference/sklearn_reference.py`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportFolds } from '../../search/automl/folds.js';
import { benchSets } from '../automl-sets.js';

export const referenceFolds = { k: 5, seed: 0 };
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'tmp', 'reference-folds');
mkdirSync(outDir, { recursive: true });
for (const set of benchSets) {
  const folds = exportFolds(set.load(), set.target, referenceFolds);
  writeFileSync(join(outDir, `${set.id}.json`), JSON.stringify({ id: set.id, ...folds }));
  console.log(`${set.id}: ${folds.y.length} rows, ${folds.folds[0].featureNames.length} encoded columns -> ${join(outDir, `${set.id}.json`)}`);
}
