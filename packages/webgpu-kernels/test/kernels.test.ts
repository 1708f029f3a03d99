import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  BATCH_NORM_GRAD_SUMS,
  MEAN_GRAD,
  registerWebGpuKernels,
  SILU_GRAD,
  WEBGPU_KERNELS,
} from '../src/index.js';
import { on, relativeError, webgpuReady } from './helpers.js';

const TOL = 1e-4;

function rand(shape: number[], seed: number, lo = -2, hi = 2): Float32Array {
  return tf.tidy(() => tf.randomUniform(shape, lo, hi, 'float32', seed).dataSync() as Float32Array);
}

beforeAll(async () => {
  console.log(`webgpu adapter: ${await webgpuReady()}`);
}, 120_000);

describe('registerWebGpuKernels', () => {
  test('registers every kernel once and nothing at import', () => {
    expect(WEBGPU_KERNELS.map((k) => k.kernelName)).toEqual([
      SILU_GRAD,
      BATCH_NORM_GRAD_SUMS,
      MEAN_GRAD,
      'AddN',
    ]);
    for (const k of WEBGPU_KERNELS) expect(tf.getKernel(k.kernelName, 'webgpu')).toBeDefined();
    expect(registerWebGpuKernels()).toEqual([]);
  });
});

describe('WGSL kernels match the cpu backend within 1e-4 relative', () => {
  test.each([[[2, 5, 7, 3]], [[1000]], [[3, 17, 13, 64]]])('SiLU gradient, shape %j', async (shape) => {
    const x = rand(shape, 1, -6, 6);
    const dy = rand(shape, 2);
    const ref = await on('cpu', () => {
      const xt = tf.tensor(x, shape);
      const s = tf.sigmoid(xt);
      return tf.mul(tf.tensor(dy, shape), tf.mul(s, tf.add(1, tf.mul(xt, tf.sub(1, s)))));
    });
    const got = await on('webgpu', () => {
      const xt = tf.tensor(x, shape);
      return tf
        .engine()
        .runKernel(SILU_GRAD, { x: xt, s: tf.sigmoid(xt), dy: tf.tensor(dy, shape) }, {}) as tf.Tensor;
    });
    expect(relativeError(ref[0] as Float32Array, got[0] as Float32Array)).toBeLessThan(TOL);
  });

  test.each([[[2, 9, 9, 24]], [[4, 3, 3, 1152]], [[16, 56, 56, 8]], [[5, 7]]])(
    'BatchNorm gradient sums, shape %j',
    async (shape) => {
      const c = shape[shape.length - 1] as number;
      const x = rand(shape, 3, 0, 4);
      const dy = rand(shape, 4);
      const mean = rand([c], 5, 1.5, 2.5);
      const ref = await on('cpu', () => {
        const axes = shape.slice(0, -1).map((_, i) => i);
        const d = tf.tensor(dy, shape);
        return [tf.sum(d, axes), tf.sum(tf.mul(tf.sub(tf.tensor(x, shape), tf.tensor(mean)), d), axes)];
      });
      const got = await on('webgpu', () => {
        const inputs = { x: tf.tensor(x, shape), mean: tf.tensor(mean), dy: tf.tensor(dy, shape) };
        return tf.engine().runKernel(BATCH_NORM_GRAD_SUMS, inputs, {}) as unknown as tf.Tensor[];
      });
      expect(got.map((g) => g.length)).toEqual([c, c]);
      expect(relativeError(ref[0] as Float32Array, got[0] as Float32Array)).toBeLessThan(TOL);
      expect(relativeError(ref[1] as Float32Array, got[1] as Float32Array)).toBeLessThan(TOL);
    },
  );

  test.each([
    [
      [2, 7, 7, 16],
      [1, 2],
    ],
    [[3, 11, 5], [1]],
    [[4, 6], [0]],
    [[4, 6], [1]],
    [
      [2, 3, 4, 5],
      [0, 1, 2, 3],
    ],
  ])('Mean gradient, shape %j axes %j', async (shape, axes) => {
    const dyShape = shape.filter((_, i) => !axes.includes(i));
    const dy = rand(dyShape, 7);
    const r = axes.reduce((p, a) => p * (shape[a] as number), 1);
    // what tfjs's gradient of mean() computes, on the cpu backend: dy * ones(x.shape) / R
    const ref = await on('cpu', () => {
      const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return tf.div(tf.mul(tf.reshape(tf.tensor(dy, dyShape), keep), tf.ones(shape)), r);
    });
    const got = await on(
      'webgpu',
      () =>
        tf
          .engine()
          .runKernel(MEAN_GRAD, { dy: tf.tensor(dy, dyShape) }, { shape, axes } as never) as tf.Tensor,
    );
    expect(relativeError(ref[0] as Float32Array, got[0] as Float32Array)).toBeLessThan(TOL);
  });

  test.each([[3], [15], [16], [40], [214]])(
    'AddN of %i tensors (past the storage-buffer limit)',
    async (n) => {
      const parts = Array.from({ length: n }, (_, i) => rand([3, 5, 7], 100 + i));
      const ref = await on('cpu', () => tf.addN(parts.map((p) => tf.tensor(p, [3, 5, 7]))));
      const got = await on('webgpu', () => tf.addN(parts.map((p) => tf.tensor(p, [3, 5, 7]))));
      expect(relativeError(ref[0] as Float32Array, got[0] as Float32Array)).toBeLessThan(TOL);
    },
  );

  test('refuses mismatched shapes with the kernel name in the message', async () => {
    await tf.setBackend('webgpu');
    expect(() =>
      tf
        .engine()
        .runKernel(SILU_GRAD, { x: tf.zeros([2, 3]), s: tf.zeros([2, 3]), dy: tf.zeros([3, 2]) }, {}),
    ).toThrow(/OpScreenSiluGrad: x, s and dy must have one shape/);
    expect(() =>
      tf.engine().runKernel(MEAN_GRAD, { dy: tf.zeros([2]) }, { shape: [2, 3, 4], axes: [0, 2] } as never),
    ).toThrow(/contiguous/);
  });
});
