import { readFileSync } from 'node:fs';
import type * as tfl from '@tensorflow/tfjs-layers';
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
export function loadTorchvisionWeights(
  model: tfl.LayersModel,
  input: WeightsInput,
  options: LoadOptions = {},
): LoadReport {
  return load(model, input, options, (path) => new Uint8Array(readFileSync(path)));
}
