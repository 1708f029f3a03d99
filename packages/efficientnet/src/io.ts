import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { registerZooLayers } from './layers.js';

export interface FileHandlerOptions {
  /** Largest weight shard in bytes (default 4 MiB, as the tfjs converter writes). */
  shardBytes?: number;
  /** The model file's name in `dir` (default `model.json`). */
  modelJson?: string;
}

/** A plain file name for a weight shard: nothing with a path in it. */
const SHARD = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const MODEL_JSON = 'model.json';

/**
 * A tfjs `IOHandler` over a directory: `save` writes `model.json` plus `group1-shardKofN.bin`
 * weight shards, `load` reads them back. tfjs-core has no file-system handler without tfjs-node,
 * and this one keeps the format byte-compatible with what tfjs-node and the tfjs converter write.
 */
export function fileSystemHandler(dir: string, options: FileHandlerOptions = {}): tf.io.IOHandler {
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new ZooError(
          'MODEL_FILES_INVALID',
          'saving a binary (graph-model) topology is not supported; save a layers model',
        );
      mkdirSync(dir, { recursive: true });
      const data = new tf.io.CompositeArrayBuffer(artifacts.weightData ?? new ArrayBuffer(0));
      const total = data.byteLength;
      const nShards = Math.max(1, Math.ceil(total / shardBytes));
      const paths: string[] = [];
      for (let i = 0; i < nShards; i++) {
        const name = `group1-shard${i + 1}of${nShards}.bin`;
        const part = data.slice(i * shardBytes, Math.min(total, (i + 1) * shardBytes));
        writeFileSync(join(dir, name), new Uint8Array(part));
        paths.push(name);
      }
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = join(dir, options.modelJson ?? MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new ZooError(
          'MODEL_FILES_INVALID',
          `cannot read ${file}: ${(err as Error).message.split('\n')[0]}; point to a directory written by saveModel`,
          file,
        );
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest))
        throw new ZooError(
          'MODEL_FILES_INVALID',
          `${file} has no modelTopology/weightsManifest; it is not a tfjs layers model`,
          file,
        );
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            if (!SHARD.test(p))
              throw new ZooError(
                'MODEL_FILES_INVALID',
                `${file} lists a weight shard with a path in its name: ${p}`,
                file,
              );
            const shard = join(dir, p);
            let bytes: Buffer;
            try {
              bytes = readFileSync(shard);
            } catch {
              throw new ZooError(
                'MODEL_FILES_INVALID',
                `weight shard ${p} named in ${file} is missing`,
                shard,
              );
            }
            buffers.push(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
            );
          }
        }
        const weightData = tf.io.concatenateArrayBuffers(buffers);
        const need = specs.reduce(
          (s, w) =>
            s + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1),
          0,
        );
        if (!specs.some((w) => w.quantization) && weightData.byteLength !== need)
          throw new ZooError(
            'MODEL_FILES_INVALID',
            `weight shards in ${dir} hold ${weightData.byteLength} bytes but ${file} describes ${need}`,
            file,
          );
        return [specs, weightData];
      });
    },
  };
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Saves a layers model (topology + weights) as `model.json` + shards in `dir`, as a fresh
 * directory: everything is written (and fsynced) into a temporary sibling, which then replaces
 * `dir` by rename, so no stale shard of an earlier save survives and a crash leaves either the
 * old or the new model, never a mix.
 */
export async function saveModel(
  model: tfl.LayersModel,
  dir: string,
  options: FileHandlerOptions = {},
): Promise<tf.io.SaveResult> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  try {
    const result = await model.save(fileSystemHandler(tmp, options));
    for (const f of [MODEL_JSON, ...weightFiles(tmp)]) fsyncPath(join(tmp, f));
    const had = existsSync(dir);
    if (had) renameSync(dir, old);
    renameSync(tmp, dir);
    fsyncPath(parent);
    if (had) rmSync(old, { recursive: true, force: true });
    return result;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function weightFiles(dir: string): string[] {
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
  return json.weightsManifest.flatMap((g) => g.paths);
}

/** Loads a layers model saved by {@link saveModel} (or tfjs-node / the tfjs converter). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  registerZooLayers();
  return tfl.loadLayersModel(fileSystemHandler(dir));
}
