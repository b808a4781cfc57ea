// Models on disk: a state dict as safetensors (PyTorch-compatible names and layouts) plus string metadata,
// e.g. the architecture as JSON so that a file alone can rebuild its model.
import { Tensor, zeros } from '../tensor.js';
import { ArgumentError, FormatError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../autograd.js';
import { Sequential } from '../nn/layers.js';
import { normalizationOf, type Normalization } from '../data/mnist.js';

import type { Module, StateDict } from '../nn/module.js';
import { modelToSpec, modelFromSpec, specLayerSizes } from '../nn/spec.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import type { TensorRecord } from './record.js';
import type { DType, TypedArray } from '../dtype.js';

const TENSOR_DTYPES = new Set(['float32', 'float64', 'int32', 'int8', 'uint8', 'bool']);

/** Saves tensors (atomically: temp file + rename) with metadata. */
export function saveTensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const rec: Record<string, TensorRecord> = {};
  // bool is written as safetensors BOOL (it had been U8, and came back as uint8)
  for (const [k, t] of Object.entries(tensors)) rec[k] = { dtype: t.dtype, shape: [...t.shape], data: t.data };
  saveSafetensors(path, rec, metadata);
}

/** Loads every tensor of a safetensors file as a Tensor; int16/int64 tensors widen or narrow to int32 when exact. */
export function loadTensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const file = loadSafetensors(path);
  const tensors: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  for (const [name, r] of file.tensors) {
    let data = r.data as TypedArray;
    let dtype = r.dtype as DType;
    if (!TENSOR_DTYPES.has(r.dtype)) {
      if (r.dtype === 'int64' || r.dtype === 'int16') {
        const src = r.data as unknown as ArrayLike<number | bigint>;
        const out = new Int32Array(src.length);
        for (let i = 0; i < src.length; i++) {
          const v = Number(src[i]);
          if (v < -2147483648 || v > 2147483647) throw new FormatError(`tensor ${name}: ${r.dtype} value ${v} does not fit int32`, path, `tensor ${name}[${i}]`);
          out[i] = v;
        }
        data = out;
        dtype = 'int32';
      } else {
        throw new FormatError(`tensor ${name}: unsupported dtype ${r.dtype}`, path, `tensor ${name}`);
      }
    }
    tensors[name] = new Tensor(data, r.shape, dtype);
  }
  return { tensors, metadata: file.metadata };
}

/**
 * Saves a model's stateDict; `metadata.format` says what kind of whittle file it is. An image model's metadata says
 * what it reads (imageMetadata): a `normalize` that is not one is refused here rather than where the file is read.
 */
export function saveModel(path: string, model: Module, metadata: Record<string, string> = {}): void {
  if (metadata.normalize !== undefined && parseNormalization(metadata.normalize) === undefined) {
    throw new ArgumentError(`saveModel: metadata.normalize must be ${NORMALIZE_FORMS}, got ${metadata.normalize}`);
  }
  saveTensors(path, model.stateDict(), { format: 'whittle-model', ...metadata });
}

/** Loads weights into an existing model (strict key and shape match), returning the file's metadata. */
export function loadModelWeights(path: string, model: Module): Record<string, string> {
  const { tensors, metadata } = loadTensors(path);
  const sd: StateDict = {};
  for (const [k, t] of Object.entries(tensors)) sd[k] = t;
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new FormatError((e as Error).message, path);
  }
  return metadata;
}


/**
 * Saves a model with its architecture spec in the metadata, so loadModel() needs nothing but the file. For an image
 * model, give what it reads, `imageMetadata({ shape: [1, 28, 28], normalize: false })` for pixels in [0,1], so
 * that `whittle predict` and `compress` read new images as it was trained; a file without `normalize` is read
 * with MNIST's (what `whittle train` and `nas` train on, as mnistDataset does).
 */
export function saveModelWithSpec(path: string, model: Module, metadata: Record<string, string> = {}): void {
  saveModel(path, model, { arch: JSON.stringify(modelToSpec(model)), ...metadata });
}

/** Rebuilds a model from a file written by saveModelWithSpec (or any whittle model file carrying `arch`). */
export function loadModel(path: string): { model: Module; metadata: Record<string, string> } {
  const { tensors, metadata } = loadTensors(path);
  return { model: modelFromTensors(tensors, metadata, path), metadata };
}

/**
 * The model described by `metadata.arch` with these weights; `path` names the file in errors. Shared by every
 * format that stores a float network's architecture (the dense file, the sparse file once decoded).
 */
export function modelFromTensors(tensors: Record<string, Tensor>, metadata: Record<string, string>, path: string): Module {
  if (!metadata.arch) throw new FormatError('not a whittle model file with an architecture (no "arch" in __metadata__)', path, '__metadata__');
  let spec: unknown;
  try {
    spec = JSON.parse(metadata.arch);
  } catch (e) {
    throw new FormatError(`"arch" metadata is not valid JSON: ${(e as Error).message}`, path, '__metadata__.arch');
  }
  refuseLargerThanFile(specLayerSizes(spec, 'arch').reduce((a, l) => a + l.parameters, 0), tensors, path, '__metadata__.arch');
  let model: Module;
  try {
    model = modelFromSpec(spec, 0, 'arch');
  } catch (e) {
    throw new FormatError((e as Error).message, path, '__metadata__.arch');
  }
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new FormatError((e as Error).message, path);
  }
  checkClassesMetadata(model, metadata, path);
  return model;
}

/**
 * The weights an architecture in a file's metadata declares must be in the file: a damaged or hostile "in": 1e9
 * would otherwise allocate and initialize billions of values (a minute and gigabytes) before loadStateDict said that
 * the tensors do not fit. `where` names the metadata field.
 */
export function refuseLargerThanFile(parameters: number, tensors: Record<string, Tensor>, path: string, where: string): void {
  const held = Object.values(tensors).reduce((a, t) => a + t.size, 0);
  if (parameters > held) throw new FormatError(`the architecture declares ${parameters.toLocaleString('en-US')} weights where the file holds ${held.toLocaleString('en-US')} values`, path, where);
}

/** Layers in order with containers dropped: what a sample passes through. */
export function leafModules(model: Module): Module[] {
  return model.namedModules().map(([, m]) => m).filter((m) => m.namedChildren().length === 0);
}

/**
 * How many outputs the model gives per sample, read from its last layer that sets a width (a Linear or a
 * quantized one: anything with `outFeatures`); undefined when a convolution or an unknown layer decides it.
 */
export function outputFeatures(model: Module): number | undefined {
  const layers = leafModules(model);
  for (let i = layers.length - 1; i >= 0; i--) {
    const m = layers[i] as Module & { outFeatures?: unknown; outChannels?: unknown };
    if (typeof m.outFeatures === 'number') return m.outFeatures;
    // a width set by anything else (a convolution's channels times its map) cannot be read off the layer
    if (typeof m.outChannels === 'number' || (m.parameters().length > 0 && !/^BatchNorm/.test(m.constructor.name))) return undefined;
  }
  return undefined;
}

/**
 * A table model names its classes in metadata; prediction i is classes[i], so a list shorter than the outputs
 * would name some predictions `undefined` (and crash whoever quotes them) and a longer one would shift the
 * probability columns. Checked when the file is read, so the error names the file rather than a later op.
 */
export function checkClassesMetadata(model: Module, metadata: Record<string, string>, path: string): void {
  if (metadata.classes === undefined) return;
  let classes: unknown;
  try {
    classes = JSON.parse(metadata.classes);
  } catch (e) {
    throw new FormatError(`"classes" metadata is not valid JSON: ${(e as Error).message}`, path, '__metadata__.classes');
  }
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw new FormatError('"classes" metadata must be a JSON array of class names', path, '__metadata__.classes');
  const outputs = outputFeatures(model);
  if (outputs !== undefined && outputs !== classes.length) {
    throw new FormatError(`the metadata lists ${classes.length} ${classes.length === 1 ? 'class' : 'classes'} (${classes.map((c) => JSON.stringify(c)).join(', ')}) where the model has ${outputs} outputs`, path, '__metadata__.classes');
  }
}

const describeImages = (s: readonly number[]): string => (s.length === 3 ? `${s[1]}x${s[2]}` : fmtShape(s));
const channels = (c: number): string => `${c} channel${c === 1 ? '' : 's'}`;

/**
 * Images must have the shape the model was trained on: a mismatch would surface as a low-level op's error
 * ('linear: input features must equal weight columns', 'conv2d: kernel larger than the padded input') that
 * names neither the model nor the images. Compares `sample` ([channels, rows, cols]) with the shape recorded
 * in `metadata.shape` or, for files without one, with what the first layer reads. `source` names the images.
 */
export function checkImageInput(model: Module, metadata: Record<string, string>, sample: readonly number[], source: string): void {
  let recorded: unknown;
  try {
    recorded = metadata.shape === undefined ? undefined : JSON.parse(metadata.shape);
  } catch {
    recorded = undefined;
  }
  const holds = (want: readonly number[]) => `${source} holds ${describeImages(sample)}${sample.length === 3 && want.length === 3 && sample[0] !== want[0] ? ` (${channels(sample[0])})` : ''}`;
  if (Array.isArray(recorded) && recorded.every((d) => Number.isInteger(d) && d > 0)) {
    const want = recorded as number[];
    if (want.length !== sample.length || want.some((d, i) => d !== sample[i])) {
      throw new ShapeError(`the model reads ${describeImages(want)} images${want.length === 3 ? ` (${channels(want[0])})` : ''}; ${holds(want)}`);
    }
    return;
  }
  // no shape recorded (a file from nas, or older): what the first layer with weights reads
  const first = leafModules(model).find((m) => m.parameters().length > 0 || (m as { weightQ?: unknown }).weightQ !== undefined) as (Module & { inFeatures?: unknown; inChannels?: unknown }) | undefined;
  const values = sample.reduce((a, b) => a * b, 1);
  if (typeof first?.inFeatures === 'number' && first.inFeatures !== values) {
    const side = Math.sqrt(first.inFeatures);
    throw new ShapeError(`the model reads images of ${first.inFeatures} values${Number.isInteger(side) ? ` (${side}x${side}, 1 channel)` : ''}; ${source} holds ${describeImages(sample)} (${values} values)`);
  }
  if (typeof first?.inChannels === 'number' && sample.length === 3 && first.inChannels !== sample[0]) {
    throw new ShapeError(`the model reads images of ${channels(first.inChannels)}; ${source} holds ${describeImages(sample)} (${channels(sample[0])})`);
  }
}

const NORMALIZE_FORMS = 'JSON {"mean": M, "std": S} (finite, S > 0), true (MNIST\'s) or false (pixels in [0,1])';

/** A `normalize` metadata value as a Normalization (JSON { mean, std }, or true / false as loadIdxImages takes them); undefined when it is not one. */
function parseNormalization(value: string): Normalization | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof v === 'boolean') return normalizationOf(v);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { mean, std } = v as Record<string, unknown>;
  if (typeof mean !== 'number' || typeof std !== 'number' || !Number.isFinite(mean) || !Number.isFinite(std) || !(std > 0)) return undefined;
  return { mean, std };
}

/**
 * The metadata an image model's file keeps so that whittle predict and compress read new images as training did:
 * `input`, the image `shape` ([channels, rows, cols]) and the pixels' `normalize` as loadIdxImages takes it (true:
 * MNIST's mean and std, false: pixels left in [0,1], or { mean, std }). For saveModelWithSpec's metadata.
 */
export function imageMetadata(o: { shape?: readonly number[]; normalize: boolean | Normalization }): Record<string, string> {
  const norm = normalizationOf(o.normalize);
  if (!(Number.isFinite(norm.mean) && Number.isFinite(norm.std) && norm.std > 0)) {
    throw new ArgumentError(`imageMetadata: normalize must be a finite mean and a positive finite std, got mean ${norm.mean}, std ${norm.std}`);
  }
  const meta: Record<string, string> = { input: 'images', normalize: JSON.stringify({ mean: norm.mean, std: norm.std }) };
  if (o.shape !== undefined) {
    if (o.shape.length !== 3 || !o.shape.every((d) => Number.isInteger(d) && d > 0)) throw new ShapeError(`imageMetadata: shape must be [channels, rows, cols] of positive integers, got ${fmtShape(o.shape)}`);
    meta.shape = JSON.stringify(o.shape);
  }
  return meta;
}

/**
 * How a model file says its images' pixels were normalized (its `normalize` metadata); undefined where it does not
 * say (saveModelWithSpec without imageMetadata, a PyTorch export, a whittle nas file from before it recorded one).
 * A value that is not one is a FormatError naming the file.
 */
export function recordedNormalization(metadata: Record<string, string>, path: string): Normalization | undefined {
  if (metadata.normalize === undefined) return undefined;
  const norm = parseNormalization(metadata.normalize);
  if (!norm) throw new FormatError(`"normalize" metadata must be ${NORMALIZE_FORMS}, got ${metadata.normalize}`, path, '__metadata__.normalize');
  return norm;
}

/**
 * Runs `x` (one sample is enough) through the model in eval mode without gradients, a plain Sequential layer by
 * layer, so that a layer that cannot take what reaches it is named: `layer 3, Linear(100, 10), gets [1,64]: linear:
 * input features must equal weight columns, ...` as a ShapeError, rather than the op's message alone (which names
 * no layer). Returns the output.
 */
export function forwardByLayer(model: Module, x: Tensor): Tensor {
  const run = (m: Module, h: Tensor, path: string): Tensor => {
    // a subclass of Sequential with its own forward (a quantized model) runs as it says
    if (m instanceof Sequential && m.forward === Sequential.prototype.forward) {
      m.layers.forEach((l, i) => { h = run(l, h, path ? `${path}.${i}` : String(i)); });
      return h;
    }
    try {
      return m.forward(h);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      throw new ShapeError(`${path ? `layer ${path}, ${m.describe()},` : m.describe()} gets ${fmtShape(h.shape)}: ${e.message}`);
    }
  };
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => run(model, x, ''));
  } finally {
    model.train(wasTraining);
  }
}

/**
 * One image of `images` ([n, channels, rows, cols]) through the model (forwardByLayer), after checkImageInput has
 * compared what it can: a file that records no `shape` (saveModelWithSpec's, a PyTorch export's) whose first layer
 * takes any size, a convolution, had failed in a later op as `maxPool2d: kernel larger than the padded input`,
 * naming neither file. The error names the model `file`, the images' `source` and, where a blank MNIST-sized image
 * runs, that the model reads 28x28. Returns the outputs per image.
 */
export function imageOutputs(model: Module, images: Tensor, source: string, file: string): number {
  const [c, h, w] = images.shape.slice(1) as [number, number, number];
  const theirs = `the ${h}x${w} images (${channels(c)}) of ${source}`;
  let out: Tensor;
  try {
    out = forwardByLayer(model, images.slice([0], [1]));
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    let mnistSized = false;
    try {
      forwardByLayer(model, zeros([1, c, 28, 28]));
      mnistSized = h !== 28 || w !== 28;
    } catch {
      // nor does MNIST's size fit: the model's size is not told
    }
    throw new ShapeError(`${mnistSized ? `the model ${file} reads 28x28 images (${channels(c)}), not ${theirs}` : `the model ${file} cannot read ${theirs}`}: ${e.message}`);
  }
  if (out.rank !== 2) throw new ShapeError(`the model ${file} gives ${fmtShape(out.shape.slice(1))} for each of ${theirs}; a classifier gives one score per class`);
  return out.shape[1]!;
}
