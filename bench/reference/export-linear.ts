// Writes tmp/reference-linear/iris.json for sklearn_linear.py: iris' four features standardized (population std, as
// LinearModel does internally, so its own scaling is the identity), the species codes, and petal width as a
// regression target from the other three features.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iris } from '../../core/data/datasets.js';
import { encodeTarget } from '../../search/automl/pipeline.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const t = iris();
const enc = encodeTarget(t, 'species');
const cols = t.columns.filter((c) => c.kind === 'numeric').map((c) => Array.from(c.values as Float64Array));
const std = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  return v.map((x) => (x - m) / s);
};
const z = cols.map(std);
const x = Array.from({ length: t.nRows }, (_, r) => z.map((c) => c[r]));
const out = join(root, 'tmp', 'reference-linear', 'iris.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ names: t.columns.filter((c) => c.kind === 'numeric').map((c) => c.name), x, y: Array.from(enc.y), classes: enc.classes }));
console.log(`wrote ${out}`);
