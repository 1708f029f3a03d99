import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's node bundle registers no gradients (tfjs-layers' bundle does); without layers, load them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { silu } from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmMemoryLike } from '../src/backend.js';
import { registerWasmKernels } from '../src/index.js';
import { BATCH_NORM_GRAD_SUMS, MEAN_GRAD, SILU_GRAD } from '../src/names.js';
import { simdKernels } from '../src/simd.js';

// The fused wasm kernels against tfjs's own composite ops and gradients on the cpu backend, on
// random shapes (channel counts with and without a multiple of 4: SIMD and scalar paths). Float32
// sums in another order: tolerance 1e-5 of the largest magnitude (+1e-6); elementwise kernels
// differ from the composite only by the rounding of a re-associated formula (same tolerance).
function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}
function close(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (const v of b) max = Math.max(max, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  expect(worst).toBeLessThanOrEqual(1e-5 * max + 1e-6);
}
async function on<T extends tf.TensorContainer>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return tf.tidy(f);
}
/** Runs f, counting the calls of each kernel name. */
function kernelCalls(f: () => void): Map<string, number> {
  const counts = new Map<string, number>();
  const engine = tf.engine() as unknown as {
    runKernel(name: string, ...rest: unknown[]): unknown;
  };
  const orig = engine.runKernel;
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return orig.call(this, name, ...rest);
  };
  try {
    f();
  } finally {
    engine.runKernel = orig;
  }
  return counts;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmKernels();
});

describe('fused wasm training kernels', () => {
  it('assembles every SIMD function (the column sums of Sum/Mean included)', async () => {
    await tf.setBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm?: { memory?: WasmMemoryLike } } }).wasm.asm
      ?.memory;
    const fns = simdKernels(memory);
    expect(fns).not.toBeNull();
    for (const name of ['dwrow', 'colsum', 'bnsums', 'silugrad'] as const)
      expect(typeof fns?.[name]).toBe('function');
  });

  it('wasm Identity and same-dtype Cast share the buffer (no copy) and survive disposing the input', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor([1.5, -2, 3, 4]);
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers - before).toBe(1); // one buffer for three tensors
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4]);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1.5, -2, 3, 4]);
    z.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
    // casts that change the dtype still convert
    const i = tf.cast(tf.tensor([1.7, -2.2]), 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2]);
    i.dispose();
  });

  it("Mean's gradient (one broadcast kernel on wasm) equals tfjs-core's on cpu", async () => {
    const cases: Array<[number[], number[], boolean]> = [
      [[3, 5, 4, 8], [0, 1, 2], false],
      [[3, 5, 4, 7], [1, 2], true],
      [[3, 5, 4, 7], [3], false],
      [[130, 3], [0], false],
      [[3, 5, 4, 7], [0, 2], false], // not contiguous: tfjs's gradient
      [[2, 3, 4, 5], [0, 1, 2, 3], false],
    ];
    for (const [shape, axes, keep] of cases) {
      const f = (x: tf.Tensor) => {
        const m = tf.mean(x, axes, keep);
        return tf.sum(tf.mul(m, rand(m.shape, 5)));
      };
      const ref = await on('cpu', () => tf.grad(f)(rand(shape, 3)).dataSync() as Float32Array);
      let calls = new Map<string, number>();
      const got = await on('wasm', () => {
        let d: Float32Array = new Float32Array(0);
        calls = kernelCalls(() => {
          d = tf.grad(f)(rand(shape, 3)).dataSync() as Float32Array;
        });
        return d;
      });
      expect(calls.has(MEAN_GRAD)).toBe(axes.every((v, i) => v === (axes[0] as number) + i));
      close(got, ref);
    }
  });

  it('the BatchNorm gradient with fused per-channel sums on wasm equals tfjs-core’s on cpu', async () => {
    for (const [shape, seed] of [
      [[3, 5, 4, 8], 1],
      [[2, 9, 13, 12], 2], // > 64 rows: several float32 blocks
      [[3, 5, 4, 6], 3], // C % 4 != 0: scalar path
      [[70, 16], 4],
    ] as Array<[number[], number]>) {
      const c = shape[shape.length - 1] as number;
      const axes = shape.slice(0, -1).map((_, i) => i);
      const grads = () => {
        const x = tf.add(tf.mul(rand(shape, seed), 2), 0.5);
        const dy = rand(shape, seed + 10);
        const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, axes);
          return tf.sum(tf.mul(tf.batchNorm(xx, mean, variance, b, g, 1e-3), dy));
        };
        return tf
          .grads(f)([x, rand([c], seed + 20), rand([c], seed + 30)])
          .map((g) => g.dataSync() as Float32Array);
      };
      const ref = await on('cpu', grads);
      let calls = new Map<string, number>();
      const got = await on('wasm', () => {
        let out: Float32Array[] = [];
        calls = kernelCalls(() => {
          out = grads();
        });
        return out;
      });
      expect(calls.get(BATCH_NORM_GRAD_SUMS)).toBe(1);
      ref.forEach((r, i) => {
        close(got[i] as Float32Array, r);
      });
    }
  });

  it('the wasm FusedBatchNorm forward (one SIMD pass) equals the cpu kernel, with and without scale/offset', async () => {
    for (const [shape, withAffine] of [
      [[2, 5, 3, 8], true],
      [[2, 5, 3, 8], false],
      [[70, 12], true],
      [[2, 3, 3, 6], true], // C % 4 != 0: the backend's kernel
    ] as Array<[number[], boolean]>) {
      const c = shape[shape.length - 1] as number;
      const run = () => {
        const x = tf.add(tf.mul(rand(shape, 1), 3), 1);
        const mean = rand([c], 2);
        const variance = rand([c], 3, 0.1, 2);
        const offset = withAffine ? rand([c], 4) : undefined;
        const scale = withAffine ? rand([c], 5) : undefined;
        return tf.batchNorm(x, mean, variance, offset, scale, 1e-3).dataSync() as Float32Array;
      };
      close(await on('wasm', run), await on('cpu', run));
    }
  });

  it('wasm Slice (memmoves of contiguous runs) equals the cpu kernel for every rank, cut and dtype', async () => {
    const cases: Array<[number[], number[], number[]]> = [
      [
        [4, 9, 9, 6],
        [0, 1, 1, 0],
        [4, 7, 7, 6],
      ], // PadV2's gradient
      [
        [4, 9, 9, 6],
        [1, 2, 0, 0],
        [2, 3, 9, 6],
      ],
      [
        [4, 9, 9, 6],
        [0, 0, 0, 2],
        [4, 9, 9, 3],
      ],
      [
        [4, 9, 9, 6],
        [3, 8, 8, 5],
        [1, 1, 1, 1],
      ],
      [
        [2, 3, 4, 5, 6],
        [1, 0, 2, 1, 0],
        [1, 3, 2, 3, 6],
      ],
      [[17], [5], [9]],
      [
        [6, 5],
        [0, 0],
        [6, 5],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const run = () => {
          const v = tf.mul(rand(shape, 7), 10);
          const x = dtype === 'bool' ? tf.greater(v, 0) : tf.cast(v, dtype);
          const y = tf.slice(x, begin, size);
          return [y.dataSync(), tf.tensor(y.shape)] as [tf.TypedArray, tf.Tensor];
        };
        const [got, gotShape] = await on('wasm', run);
        const [ref, refShape] = await on('cpu', run);
        expect(Array.from(gotShape.dataSync())).toEqual(Array.from(refShape.dataSync()));
        expect(Array.from(got)).toEqual(Array.from(ref));
      }
    }
  });

  it('silu equals x * sigmoid(x) bitwise; its one-pass wasm gradient equals autodiff of that on cpu', async () => {
    for (const [shape, seed] of [
      [[2, 7, 5, 8], 1],
      [[3, 11], 2], // 33 elements: SIMD body plus a scalar tail
      [[1], 3],
    ] as Array<[number[], number]>) {
      const composite = (x: tf.Tensor) => tf.sum(tf.mul(tf.mul(x, tf.sigmoid(x)), rand(shape, seed + 5)));
      const fused = (x: tf.Tensor) => tf.sum(tf.mul(silu(x), rand(shape, seed + 5)));
      const [refY, refG] = await on('cpu', () => {
        const x = rand(shape, seed, -6, 6);
        return [tf.mul(x, tf.sigmoid(x)).dataSync(), tf.grad(composite)(x).dataSync()] as Float32Array[];
      });
      const cpuFused = await on(
        'cpu',
        () =>
          tf
            .grad(fused)(rand(shape, seed, -6, 6))
            .dataSync() as Float32Array,
      );
      close(cpuFused, refG as Float32Array);
      for (let run = 0; run < 2; run++) {
        let calls = new Map<string, number>();
        const [y, g, yRef] = await on('wasm', () => {
          const x = rand(shape, seed, -6, 6);
          let gd: Float32Array = new Float32Array(0);
          calls = kernelCalls(() => {
            gd = tf.grad(fused)(x).dataSync() as Float32Array;
          });
          return [silu(x).dataSync(), gd, tf.mul(x, tf.sigmoid(x)).dataSync()] as Float32Array[];
        });
        expect(calls.get(SILU_GRAD)).toBe(1);
        expect(Array.from(y as Float32Array)).toEqual(Array.from(yRef as Float32Array));
        close(y as Float32Array, refY as Float32Array);
        close(g as Float32Array, refG as Float32Array);
      }
    }
  });

  it('a training step through the fused ops is deterministic on wasm (bitwise equal gradients)', async () => {
    const step = () =>
      on('wasm', () => {
        const x = rand([4, 6, 6, 8], 11);
        const gamma = rand([8], 12);
        const beta = rand([8], 13);
        const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, [0, 1, 2]);
          const h = silu(tf.batchNorm(xx, mean, variance, b, g, 1e-3));
          return tf.sum(tf.mul(tf.mean(h, [1, 2]), rand([4, 8], 14)));
        };
        return tf
          .grads(f)([x, gamma, beta])
          .map((t) => Array.from(t.dataSync()));
      });
    expect(await step()).toEqual(await step());
  });
});
