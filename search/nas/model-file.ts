// NAS models on disk: the state dict as safetensors with the architecture as JSON metadata
// (`arch`), so that `loadNasModel(path)` rebuilds the model from the file alone.

import { FormatError } from '../../core/errors.js';
import { loadModelWeights, loadTensors, saveModel } from '../../core/io/model-file.js';
import type { Sequential } from '../../core/nn/layers.js';
import { buildModel, type NasArch } from './builder.js';

/** Saves `model` (built from `arch`) with `{ arch: JSON }` and any extra metadata. */
export function saveNasModel(path: string, model: Sequential, arch: NasArch, metadata: Record<string, string> = {}): void {
  saveModel(path, model, { ...metadata, arch: JSON.stringify(arch) });
}

/** Reads the architecture of a saved NAS model. */
export function readNasArch(path: string): NasArch {
  const { metadata } = loadTensors(path);
  return parseArch(path, metadata.arch);
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
  if (text === undefined) throw new FormatError('NAS model file must carry metadata "arch", got none', path);
  let arch: unknown;
  try {
    arch = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`metadata "arch" must be JSON, got ${(e as Error).message}`, path);
  }
  const a = arch as Partial<NasArch>;
  if (typeof a !== 'object' || a === null || typeof a.config !== 'object' || !Array.isArray(a.inputShape) || typeof a.classes !== 'number') {
    throw new FormatError('metadata "arch" must be { config, inputShape, classes }', path);
  }
  return a as NasArch;
}
