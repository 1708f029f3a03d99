import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  createNodeGpu,
  describeAdapter,
  registerWebGpuBackend,
  registerWebGpuKernels,
} from '../src/index.js';

let ready: Promise<string> | null = null;

/** tfjs `webgpu` backend on the first adapter found (hardware, else Mesa llvmpipe) with this package's kernels. */
export function webgpuReady(): Promise<string> {
  ready ??= (async () => {
    const gpu = await createNodeGpu({ software: true });
    await registerWebGpuBackend(gpu);
    registerWebGpuKernels();
    return describeAdapter(gpu.summary);
  })();
  return ready;
}

/** max |a - b| / max |a|: the error relative to the tensor's scale (1e-4 is what the tests allow). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(a[i] as number));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}

/** Runs `f` on `backend` and returns every output as a Float32Array (inputs made there from `data`). */
export async function on(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  return data;
}
