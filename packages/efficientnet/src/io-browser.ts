import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerZooLayers } from './layers.js';

/** Where a saved layers model comes from: a `model.json` URL, the picked/dropped `File`s (model.json + shards), or any tfjs IOHandler. */
export type ModelSource = string | File[] | tf.io.IOHandler;

/**
 * Loads a model saved by `saveModel` (or tfjs) from a URL, `File` objects or an IOHandler, with
 * the zoo's custom layers registered first. Works in browsers and in Node (URLs need `fetch`).
 */
export async function loadModelFrom(source: ModelSource): Promise<tfl.LayersModel> {
  registerZooLayers();
  if (typeof source === 'string') return tfl.loadLayersModel(source);
  if (Array.isArray(source)) return tfl.loadLayersModel(tf.io.browserFiles(source));
  return tfl.loadLayersModel(source);
}
