// Sparse storage of pruned weights as Deep Compression (Han et al. 2016) stores them: for each nonzero, the gap
// to the previous one as a uint8 (a gap over 255 inserts a filler entry of value 0) and its value, as float32 or
// as int8 with one symmetric scale per output channel, or as an index into a per-layer k-means codebook (weight
// sharing, linear initialization as Han et al. found best); optionally both byte streams Huffman coded.
// Files are safetensors: dense tensors as themselves, sparse ones as <name>.gaps/.values/.scale plus metadata.
import { ArgumentError, FormatError, Tensor, fmtShape, loadTensors, modelFromTensors, saveTensors, type Module } from '../core/index.js';
import { nodeBuiltin } from '../core/node-builtins.js';
import { huffmanDecode, huffmanEncode } from './huffman.js';
import { prunableParameters } from './prune.js';
import { quantizedModelFromTensors } from './quantize.js';
import { quantizePerChannel } from '../core/quantized.js';

export type SparseValues = 'float32' | 'int8' | 'codebook';

export interface SparseTensor {
  shape: number[];
  /** Entries (nonzeros plus fillers). */
  count: number;
  gaps: Uint8Array;
  values: Float32Array | Int8Array | Uint8Array;
  /** Per output channel (shape[0]) scales when values are int8. */
  scale?: Float32Array;
  /** Shared values when values are codebook indices; entry 0 is 0 (fillers). */
  codebook?: Float32Array;
}

/**
 * 1-D k-means over the nonzeros with centroids initialized evenly over [min, max] (Deep Compression's linear
 * initialization); entry 0 of the result is 0. Nonzeros with at most 2^bits - 1 distinct values give those values.
 */
export function kmeansCodebook(w: Float32Array, bits: number, iterations = 30): Float32Array {
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw new ArgumentError(`kmeansCodebook: bits must be an integer in [1,8], got ${bits}`);
  const nz = w.filter((v) => v !== 0);
  const k = 2 ** bits - 1;
  const c = new Float64Array(k);
  if (nz.length === 0) return new Float32Array(k + 1);
  // Weights that already share at most k values (after WeightSharing fine-tuning) are their own codebook:
  // k-means would converge to them, and taking them as they are keeps the encoding exact.
  const distinct = [...new Set(nz)].sort((a, b) => a - b);
  if (distinct.length <= k) {
    const out = new Float32Array(distinct.length + 1);
    out.set(distinct, 1);
    return out;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of nz) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  for (let j = 0; j < k; j++) c[j] = k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * j) / (k - 1);
  const sorted = Float64Array.from(nz).sort();
  for (let it = 0; it < iterations; it++) {
    // Centroids stay sorted, so each cluster is a contiguous run of the sorted values.
    const sum = new Float64Array(k), cnt = new Float64Array(k);
    let j = 0;
    for (const v of sorted) {
      while (j + 1 < k && Math.abs(v - c[j + 1]) < Math.abs(v - c[j])) j++;
      sum[j] += v; cnt[j]++;
    }
    let moved = false;
    for (let q = 0; q < k; q++) if (cnt[q] > 0) { const nc = sum[q] / cnt[q]; if (nc !== c[q]) moved = true; c[q] = nc; }
    c.sort();
    if (!moved) break;
  }
  const out = new Float32Array(k + 1);
  out.set(c, 1);
  return out;
}

/** Index (from 1) of the codebook entry nearest to v; entry 0 is the pruned zero and never chosen. */
export function nearestCodeword(codebook: ArrayLike<number>, v: number): number {
  let best = 1, d = Infinity;
  for (let j = 1; j < codebook.length; j++) { const e = Math.abs(codebook[j] - v); if (e < d) { d = e; best = j; } }
  return best;
}

/** Encodes a dense weight (row-major over shape) as relative indices + values. */
export function encodeSparse(w: Float32Array, shape: readonly number[], values: SparseValues = 'float32', codebookBits = 5): SparseTensor {
  if (values !== 'float32' && values !== 'int8' && values !== 'codebook') throw new ArgumentError(`encodeSparse: values must be 'float32', 'int8' or 'codebook', got ${String(values)}`);
  const codebook = values === 'codebook' ? kmeansCodebook(w, codebookBits) : undefined;
  const rows = shape.length > 0 ? shape[0] : 1, per = w.length / Math.max(rows, 1);
  // int8: the codes and per-row scales of quantizePerChannel, as the quantized model holds them
  const int8 = values === 'int8' ? quantizePerChannel(new Tensor(w, [rows, per], 'float32')) : undefined;
  const scale = int8?.scale;
  const gaps: number[] = [], vals: number[] = [];
  let prev = -1;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    let gap = i - prev;
    while (gap > 255) { gaps.push(255); vals.push(0); gap -= 255; }
    gaps.push(gap);
    vals.push(int8 ? int8.q.data[i] : codebook ? nearestCodeword(codebook, w[i]) : w[i]);
    prev = i;
  }
  const v = scale ? Int8Array.from(vals) : codebook ? Uint8Array.from(vals) : Float32Array.from(vals);
  return { shape: [...shape], count: gaps.length, gaps: Uint8Array.from(gaps), values: v, scale, codebook };
}

/** The dense weight back from its sparse encoding. */
export function decodeSparse(s: SparseTensor, file = '<sparse>'): Float32Array {
  const size = s.shape.reduce((a, b) => a * b, 1);
  const rows = s.shape.length > 0 ? s.shape[0] : 1, per = size / Math.max(rows, 1);
  const out = new Float32Array(size);
  let pos = -1;
  for (let e = 0; e < s.count; e++) {
    pos += s.gaps[e];
    if (pos >= size) throw new FormatError(`sparse weight: entry ${e} points past the end of ${fmtShape(s.shape)}`, file, `entry ${e}`);
    const v = s.values[e];
    if (s.codebook) {
      if (v >= s.codebook.length) throw new FormatError(`sparse weight: entry ${e} indexes past the codebook of ${s.codebook.length}`, file, `entry ${e}`);
      out[pos] = s.codebook[v];
    } else if (v !== 0) out[pos] = s.scale ? v * s.scale[Math.floor(pos / per)] : v;
  }
  return out;
}

export interface SparseSaveOptions {
  values?: SparseValues;
  /** Bits per codebook index when values are 'codebook' (2^bits - 1 shared values plus 0), default 5. */
  codebookBits?: number;
  /** Huffman-code the gap and value byte streams (Deep Compression's third stage). */
  huffman?: boolean;
  /** Which tensors to store sparse (default: every prunable weight); an int8 one keeps its own values, no scale. */
  names?: readonly string[];
  /**
   * More __metadata__, e.g. the architecture (`arch`, or a quantized model's `layers`) and what the model reads,
   * so that the file alone rebuilds a model that predicts (loadSparseNetwork).
   */
  metadata?: Record<string, string>;
}

/** Per sparse tensor in `metadata.sparse`; `dtype: 'int8'` marks an int8 tensor (a quantized model's weightQ) stored as its own values. */
interface SparseLayer { shape: number[]; count: number; values: SparseValues; huffman: boolean; valueBytes: number; dtype?: 'int8' }

export interface SparseSaveResult {
  /** The file's real size in bytes. */
  bytes: number;
  /** What the same state dict takes as dense float32 (tensor bytes only). */
  denseBytes: number;
  nonzeros: number;
  entries: number;
}

/** Code lengths without the trailing zeros (symbols never used), as a uint8 tensor. */
function trimmedLengths(lengths: Uint8Array): Tensor {
  let n = lengths.length;
  while (n > 1 && lengths[n - 1] === 0) n--;
  return new Tensor(lengths.slice(0, n), [n], 'uint8');
}
function padLengths(t: Tensor): Uint8Array {
  const out = new Uint8Array(256);
  out.set((t.data as Uint8Array).subarray(0, 256));
  return out;
}

/** Saves a model's state dict with its prunable weights sparse-encoded. */
export function saveSparseModel(path: string, model: Module, o: SparseSaveOptions = {}): SparseSaveResult {
  const values = o.values ?? 'float32';
  const sparseNames = new Set(o.names ?? prunableParameters(model).map(([k]) => k));
  const out: Record<string, Tensor> = {};
  const layers: Record<string, SparseLayer> = {};
  let denseBytes = 0, nonzeros = 0, entries = 0;
  for (const [k, t] of Object.entries(model.stateDict())) {
    denseBytes += t.size * 4;
    if (!sparseNames.has(k)) { out[k] = t; continue; }
    // int8 weights are already quantized (with their scales in another tensor): their values are stored as they are
    const int8 = t.dtype === 'int8';
    const s = int8 ? encodeSparse(Float32Array.from(t.data), t.shape, 'float32') : encodeSparse(t.data as Float32Array, t.shape, values, o.codebookBits);
    if (int8) s.values = Int8Array.from(s.values);
    for (let i = 0; i < t.size; i++) if (t.data[i] !== 0) nonzeros++;
    entries += s.count;
    const valueBytes = new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength);
    if (o.huffman) {
      const g = huffmanEncode(s.gaps), v = huffmanEncode(valueBytes);
      out[`${k}.gaps`] = new Tensor(g.bits, [g.bits.length], 'uint8');
      out[`${k}.gaps_code`] = trimmedLengths(g.lengths);
      out[`${k}.values`] = new Tensor(v.bits, [v.bits.length], 'uint8');
      out[`${k}.values_code`] = trimmedLengths(v.lengths);
    } else {
      out[`${k}.gaps`] = new Tensor(s.gaps, [s.count], 'uint8');
      out[`${k}.values`] = new Tensor(s.values, [s.count], int8 || values === 'int8' ? 'int8' : values === 'codebook' ? 'uint8' : 'float32');
    }
    if (s.scale) out[`${k}.scale`] = new Tensor(s.scale, [s.scale.length], 'float32');
    if (s.codebook) out[`${k}.codebook`] = new Tensor(s.codebook, [s.codebook.length], 'float32');
    layers[k] = int8 ? { shape: s.shape, count: s.count, values: 'int8', huffman: !!o.huffman, valueBytes: valueBytes.length, dtype: 'int8' }
      : { shape: s.shape, count: s.count, values, huffman: !!o.huffman, valueBytes: valueBytes.length };
  }
  saveTensors(path, out, { ...o.metadata, format: 'whittle-sparse', sparse: JSON.stringify(layers) });
  return { bytes: nodeBuiltin('fs', 'saveSparseModel').statSync(path).size, denseBytes, nonzeros, entries };
}

/** Reads a file written by saveSparseModel into a state dict of dense tensors. */
export function loadSparseStateDict(path: string): { state: Record<string, Tensor>; metadata: Record<string, string> } {
  const { tensors, metadata } = loadTensors(path);
  if (metadata.format !== 'whittle-sparse' || metadata.sparse === undefined) throw new FormatError(`sparse model: metadata format must be 'whittle-sparse', got ${String(metadata.format)}`, path, 'header');
  let layers: Record<string, SparseLayer>;
  try { layers = JSON.parse(metadata.sparse); } catch { throw new FormatError('sparse model: metadata.sparse must be JSON', path, 'header'); }
  const state: Record<string, Tensor> = {};
  const used = new Set<string>();
  const need = (name: string): Tensor => {
    const t = tensors[name];
    if (!t) throw new FormatError(`sparse model: tensor ${name} is missing`, path);
    used.add(name);
    return t;
  };
  for (const [k, l] of Object.entries(layers)) {
    let gaps = need(`${k}.gaps`).data as Uint8Array;
    let valueBytes = need(`${k}.values`).data;
    if (l.huffman) {
      gaps = huffmanDecode(gaps, padLengths(need(`${k}.gaps_code`)), l.count, path);
      valueBytes = huffmanDecode(valueBytes as Uint8Array, padLengths(need(`${k}.values_code`)), l.valueBytes, path);
    }
    const raw = new Uint8Array(valueBytes.buffer, valueBytes.byteOffset, valueBytes.byteLength).slice();
    const values = l.values === 'int8' ? new Int8Array(raw.buffer) : l.values === 'codebook' ? raw : new Float32Array(raw.buffer);
    const scale = l.values === 'int8' && l.dtype !== 'int8' ? (need(`${k}.scale`).data as Float32Array) : undefined;
    const codebook = l.values === 'codebook' ? (need(`${k}.codebook`).data as Float32Array) : undefined;
    if (gaps.length !== l.count || values.length !== l.count) throw new FormatError(`sparse model: ${k} must have ${l.count} entries, got ${gaps.length} gaps and ${values.length} values`, path, k);
    const dense = decodeSparse({ shape: l.shape, count: l.count, gaps, values, scale, codebook }, path);
    state[k] = l.dtype === 'int8' ? new Tensor(Int8Array.from(dense), l.shape, 'int8') : new Tensor(dense, l.shape, 'float32');
  }
  for (const [k, t] of Object.entries(tensors)) if (!used.has(k)) state[k] = t;
  return { state, metadata };
}

/** Loads a sparse model file into an existing model of the same architecture. */
export function loadSparseModel(path: string, model: Module): Record<string, string> {
  const { state, metadata } = loadSparseStateDict(path);
  try { model.loadStateDict(state); } catch (e) { throw new FormatError((e as Error).message, path); }
  return metadata;
}

/**
 * Rebuilds the model a sparse file holds from the file alone: a float network from `metadata.arch` (pruned
 * weights come back as dense tensors with their zeros), a quantized one from `metadata.layers` (int8 weights
 * decoded to the very values the runtime file holds, so it predicts as that file does).
 */
export function loadSparseNetwork(path: string): { model: Module; metadata: Record<string, string> } {
  const { state, metadata } = loadSparseStateDict(path);
  if (metadata.layers !== undefined) return { model: quantizedModelFromTensors(state, metadata, path), metadata };
  if (metadata.arch !== undefined) return { model: modelFromTensors(state, metadata, path), metadata };
  throw new FormatError('sparse model: no architecture in __metadata__ ("arch" or "layers"), so the file alone cannot rebuild its model; files from an older whittle compress lack it: load it into a model of the same architecture with loadSparseModel, or run whittle compress again', path, '__metadata__');
}
