import { TrainError } from './errors.js';
import type { TrainBatch } from './loop.js';

export interface BatchesOptions {
  batchSize: number;
  /** The images to batch, in this order (default: all, in input order). */
  indices?: readonly number[];
  /** 0/1 label per input (default: zeros, for scoring). */
  labels?: ArrayLike<number>;
  /** Applied to each image on its way into a batch (e.g. a seeded augmentation). */
  transform?: (x: Float32Array) => Float32Array;
}

/**
 * Batches of `batchSize` images (the last one smaller) from per-image NHWC inputs of equal size:
 * what {@link fineTune}'s data and {@link predictProbabilities} take. A fresh generator per call,
 * so an epoch can ask for its batches again.
 */
export async function* batchesOf(
  inputs: readonly Float32Array[],
  opts: BatchesOptions,
): AsyncGenerator<TrainBatch> {
  const { batchSize, labels, transform } = opts;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new TrainError('BAD_BATCH', `batchesOf: batchSize must be a positive integer, got ${batchSize}`);
  const indices = opts.indices ?? inputs.map((_, i) => i);
  const perImage = indices.length > 0 ? (inputs[indices[0] as number] as Float32Array).length : 0;
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = indices.slice(s, s + batchSize);
    const x = new Float32Array(idx.length * perImage);
    const y = new Float32Array(idx.length);
    idx.forEach((i, j) => {
      const xi = inputs[i] as Float32Array;
      if (xi.length !== perImage)
        throw new TrainError(
          'BAD_BATCH',
          `batchesOf: input ${i} holds ${xi.length} values, input ${indices[0]} ${perImage}; every image must have the same size`,
        );
      x.set(transform ? transform(xi) : xi, j * perImage);
      if (labels) y[j] = labels[i] as number;
    });
    yield { x, y, n: idx.length };
  }
}
