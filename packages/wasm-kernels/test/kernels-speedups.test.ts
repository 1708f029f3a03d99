import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's node bundle registers no gradients (tfjs-layers' bundle does); without layers, load them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../src/index.js';

// The BatchNorm gradient replacement and the wasm leading-axes Sum must not change results:
// compared with tfjs-core's own gradient and the cpu Sum. Float32 sums in another order:
// tolerance 1e-5 of the largest magnitude (+1e-6).
function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}
function close(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (const v of b) max = Math.max(max, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  expect(worst).toBeLessThanOrEqual(1e-5 * max + 1e-6);
}

/** Gradients of a training-mode BatchNorm (moments of x, as tfjs-layers computes it). */
function bnGrads(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.add(tf.mul(rand([3, 5, 4, 6], 1), 2), 0.5);
    const gamma = rand([6], 2);
    const beta = rand([6], 3);
    const dy = rand([3, 5, 4, 6], 4);
    const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, b, g, 1e-3), dy));
    };
    return tf
      .grads(f)([x, gamma, beta])
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe('training speed-ups', () => {
  it('the closed-form BatchNorm gradient equals tfjs-core’s (dx, dgamma, dbeta on cpu)', async () => {
    await tf.setBackend('cpu');
    const before = bnGrads();
    const original = tf.getGradient('FusedBatchNorm');
    registerWasmKernels();
    expect(tf.getGradient('FusedBatchNorm')).not.toBe(original); // the replacement is in use
    const after = bnGrads();
    before.forEach((b, i) => {
      close(after[i] as Float32Array, b);
    });
  });

  it('wasm Sum and Mean over contiguous non-last axes equal the cpu kernels; other reductions still work', async () => {
    registerWasmKernels();
    const cases: Array<[number[], number[], boolean]> = [
      [[4, 7, 5, 9], [0, 1, 2], false],
      [[4, 7, 5, 9], [0, 1, 2], true],
      [[130, 3], [0], false],
      [[4, 7, 5, 9], [1, 2], true],
      [[4, 7, 5, 9], [3], false],
      [[4, 7, 5, 9], [1], false],
      [[4, 7, 5, 9], [0, 2], false],
      [[4, 7, 5, 9], [0, 1, 2, 3], false],
      // channel counts divisible by 4 take the SIMD column-sum path (r > 64: several blocks)
      [[4, 7, 5, 12], [0, 1, 2], false],
      [[3, 70, 8], [1], true],
      [[2, 9, 9, 16], [1, 2], false],
    ];
    for (const [shape, axes, keep] of cases) {
      await tf.setBackend('cpu');
      const data = rand(shape, 9).dataSync() as Float32Array;
      for (const op of [tf.sum, tf.mean]) {
        await tf.setBackend('cpu');
        const ref = op(tf.tensor(data, shape), axes, keep);
        const refShape = ref.shape;
        const refData = ref.dataSync() as Float32Array;
        await tf.setBackend('wasm');
        const got = op(tf.tensor(data, shape), axes, keep);
        expect(got.shape).toEqual(refShape);
        close(got.dataSync() as Float32Array, refData);
      }
    }
  });
});
