// Column centring and scaling that gradient-based learners apply internally so their step sizes do not depend on
// the units of the input; the pipeline's own standardization makes this a no-op.
import type { JsonFields } from './json-fields.js';
import type { Matrix } from './matrix.js';

export interface ColumnScale {
  mean: Float64Array;
  scale: Float64Array;
}

export function fitColumnScale(x: Matrix): ColumnScale {
  const mean = new Float64Array(x.cols);
  const scale = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) mean[c] += x.data[r * x.cols + c] / x.rows;
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) scale[c] += (x.data[r * x.cols + c] - mean[c]) ** 2 / x.rows;
  for (let c = 0; c < x.cols; c++) scale[c] = scale[c] > 1e-24 ? Math.sqrt(scale[c]) : 1;
  return { mean, scale };
}

export function applyColumnScale(x: Matrix, s: ColumnScale): Matrix {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) out[r * x.cols + c] = (x.data[r * x.cols + c] - s.mean[c]) / s.scale[c];
  return { data: out, rows: x.rows, cols: x.cols };
}

export function columnScaleToJSON(s: ColumnScale): { mean: number[]; scale: number[] } {
  return { mean: Array.from(s.mean), scale: Array.from(s.scale) };
}

/** A saved scale of `width` columns; its scales are divided by, so each must be positive. */
export function columnScaleFromJSON(fields: JsonFields, j: unknown, width: number): ColumnScale {
  const o = fields.object(j);
  return { mean: Float64Array.from(fields.at('mean').numbers(o.mean, width)), scale: Float64Array.from(fields.at('scale').numbers(o.scale, width, true)) };
}
