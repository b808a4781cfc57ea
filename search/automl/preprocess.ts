// Column-wise preprocessing fitted on training rows only: impute numeric columns (mean/median/most frequent) and categorical
// ones (most frequent), standardize numeric columns, one-hot encode categorical ones. A category unseen in
// training becomes an all-zero one-hot block, like sklearn's handle_unknown='ignore'.
import { FormatError } from '../../core/errors.js';
import { type Frame, type Table, categoricalValues, frameRows, numericValues } from './frame.js';
import { type Matrix, matrix } from './matrix.js';

export interface PreprocessConfig {
  numericImpute: 'mean' | 'median' | 'most-frequent';
  scale: 'standard' | 'none';
}

export const defaultPreprocess: PreprocessConfig = { numericImpute: 'median', scale: 'standard' };

export type FittedColumn =
  | { name: string; kind: 'numeric'; fill: number; mean: number; std: number }
  | { name: string; kind: 'categorical'; fill: string | null; categories: string[] };

export class Preprocessor {
  readonly config: PreprocessConfig;
  columns: FittedColumn[] = [];

  constructor(config: Partial<PreprocessConfig> = {}) {
    this.config = { ...defaultPreprocess, ...config };
  }

  /** Fits on the feature columns of a table (its target, if held apart, is ignored). */
  fit(table: Table): this {
    this.columns = table.columns.map((c): FittedColumn => {
      if (c.kind === 'numeric') {
        const present = Float64Array.from(c.values.filter((v) => !Number.isNaN(v))).sort();
        let fill = 0;
        if (present.length > 0) {
          if (this.config.numericImpute === 'most-frequent') fill = mostFrequentNumber(present);
          else if (this.config.numericImpute === 'median') {
            const m = present.length >> 1;
            fill = present.length % 2 ? present[m] : (present[m - 1] + present[m]) / 2;
          } else fill = present.reduce((a, b) => a + b, 0) / present.length;
        }
        let mean = 0;
        let std = 1;
        if (this.config.scale === 'standard' && c.values.length > 0) {
          const filled = Float64Array.from(c.values, (v) => (Number.isNaN(v) ? fill : v));
          mean = filled.reduce((a, b) => a + b, 0) / filled.length;
          const variance = filled.reduce((a, b) => a + (b - mean) ** 2, 0) / filled.length;
          std = variance > 1e-24 ? Math.sqrt(variance) : 1;
        }
        return { name: c.name, kind: 'numeric', fill, mean, std };
      }
      const counts = new Map<string, number>();
      for (const v of c.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      let fill: string | null = null;
      for (const [v, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (fill === null || n > counts.get(fill)!) fill = v;
      return { name: c.name, kind: 'categorical', fill, categories: [...counts.keys()].sort() };
    });
    return this;
  }

  get featureNames(): string[] {
    return this.columns.flatMap((c) => (c.kind === 'numeric' ? [c.name] : c.categories.map((v) => `${c.name}=${v}`)));
  }

  transform(frame: Frame): Matrix {
    const n = frameRows(frame);
    const width = this.columns.reduce((w, c) => w + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
    const out = matrix(n, width);
    let at = 0;
    for (const c of this.columns) {
      if (c.kind === 'numeric') {
        const v = numericValues('Pipeline.predict', frame, c.name);
        for (let r = 0; r < n; r++) out.data[r * width + at] = ((Number.isNaN(v[r]) ? c.fill : v[r]) - c.mean) / c.std;
        at += 1;
      } else {
        const v = categoricalValues('Pipeline.predict', frame, c.name);
        const index = new Map(c.categories.map((cat, i) => [cat, i]));
        for (let r = 0; r < n; r++) {
          const code = index.get(v[r] ?? c.fill ?? '');
          if (code !== undefined) out.data[r * width + at + code] = 1;
        }
        at += c.categories.length;
      }
    }
    return out;
  }

  toJSON(): { config: PreprocessConfig; columns: FittedColumn[] } {
    return { config: this.config, columns: this.columns };
  }

  static fromJSON(json: { config: PreprocessConfig; columns: FittedColumn[] }): Preprocessor {
    if (!json || !Array.isArray(json.columns)) throw new FormatError('Preprocessor.fromJSON: columns must be an array, got none');
    const p = new Preprocessor(json.config);
    p.columns = json.columns;
    return p;
  }
}

/** The most frequent value of a sorted array (the smallest on ties). */
function mostFrequentNumber(sorted: Float64Array): number {
  let best = sorted[0];
  let bestRun = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestRun) {
      bestRun = j - i;
      best = sorted[i];
    }
    i = j;
  }
  return best;
}
