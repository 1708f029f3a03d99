import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultReplicas } from './auto-replicas.js';
import { TrainError } from './errors.js';
/** A batch to score: `x` NHWC float32 and `n` samples; a `y` may be present and is ignored. */
export interface PredictBatch {
  x: Float32Array;
  n: number;
  y?: Float32Array;
}

import { type ReplicaOptions, ReplicaPool } from './pool.js';
import { inputShapeOf } from './replica.js';

export interface PredictOptions extends ReplicaOptions {
  /** Replicas sharing each batch (default: {@link chooseReplicas}, as in fineTune). */
  workers?: number;
}

/**
 * Probability of class 1 for every sample, in input order, in inference mode (sigmoid of a
 * single logit, or softmax column 1 of a two-unit head). `y` of the batches is ignored.
 */
export async function predictProbabilities(
  model: tfl.LayersModel,
  batches: AsyncIterable<PredictBatch> | Iterable<PredictBatch>,
  opts: PredictOptions = {},
): Promise<Float32Array> {
  const backend = tf.getBackend();
  const replicas = opts.workers ?? defaultReplicas(model, backend, availableParallelism());
  const perSample = inputShapeOf(model).reduce((a, b) => a * b, 1);
  const pool = await ReplicaPool.create(model, replicas, opts);
  try {
    const parts: Float32Array[] = [];
    let total = 0;
    for await (const b of batches) {
      if (!(b.n > 0 && b.x instanceof Float32Array && b.x.length === b.n * perSample))
        throw new TrainError(
          'BAD_BATCH',
          `predictProbabilities: x must hold n * ${perSample} float32 values, got n=${b.n}, x=${b.x?.length}`,
        );
      const r = await pool.evaluate(b.x, undefined, b.n);
      parts.push(r.probs);
      total += b.n;
    }
    const out = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  } finally {
    await pool.close();
  }
}
