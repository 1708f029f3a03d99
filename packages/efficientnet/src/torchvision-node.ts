import { readFileSync } from 'node:fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import {
  type LoadOptions,
  type LoadReport,
  loadTorchvisionWeights as load,
  type WeightsInput,
} from './torchvision.js';

/**
 * {@link load} with file paths read from disk (the Node entry's version; the browser entry's
 * takes bytes or tensors only).
 */
/** Reads a file the user named; a missing or unreadable one is a typed error naming it. */
export function readUserFile(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ZooError(
      'FILE_NOT_FOUND',
      code === 'ENOENT'
        ? `${what} ${path} does not exist; check the path`
        : `${what} ${path} cannot be read (${code ?? (err as Error).message})`,
      path,
    );
  }
}

export function loadTorchvisionWeights(
  model: tfl.LayersModel,
  input: WeightsInput,
  options: LoadOptions = {},
): LoadReport {
  return load(model, input, options, (path) => readUserFile(path, 'weights file'));
}
