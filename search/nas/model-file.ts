// NAS models on disk: the state dict as safetensors with the layer list as `arch` (core's model spec, so
// `loadModel` and `whittle predict` open it like any whittle model) and the search configuration as `nasArch`,
// so that `loadNasModel(path)` rebuilds the model from the file alone.

import { FormatError } from '../../core/errors.js';
import { loadModelWeights, loadTensors, saveModelWithSpec } from '../../core/io/model-file.js';
import type { Sequential } from '../../core/nn/layers.js';
import { buildModel, type NasArch } from './builder.js';

/** Saves `model` (built from `arch`) with `{ arch: JSON }` and any extra metadata. */
export function saveNasModel(path: string, model: Sequential, arch: NasArch, metadata: Record<string, string> = {}): void {
  saveModelWithSpec(path, model, { ...metadata, nasArch: JSON.stringify(arch) });
}

/** Reads the architecture of a saved NAS model. */
export function readNasArch(path: string): NasArch {
  const { metadata } = loadTensors(path);
  return parseArch(path, metadata.nasArch);
}

/** Rebuilds the model of a file written by saveNasModel and loads its weights (returned in eval mode). */
export function loadNasModel(path: string): { model: Sequential; arch: NasArch; metadata: Record<string, string> } {
  const arch = readNasArch(path);
  const model = buildModel(arch);
  const metadata = loadModelWeights(path, model);
  model.eval();
  return { model, arch, metadata };
}

function parseArch(path: string, text: string | undefined): NasArch {
  if (text === undefined) throw new FormatError('NAS model file must carry metadata "nasArch", got none', path);
  let arch: unknown;
  try {
    arch = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`metadata "nasArch" must be JSON, got ${(e as Error).message}`, path);
  }
  const a = arch as Partial<NasArch>;
  if (typeof a !== 'object' || a === null || typeof a.config !== 'object' || !Array.isArray(a.inputShape) || typeof a.classes !== 'number') {
    throw new FormatError('metadata "nasArch" must be { config, inputShape, classes }', path);
  }
  return a as NasArch;
}
