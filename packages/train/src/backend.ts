import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { quietCpuBackend } from '@op-screen/backend';
import { registerBatchNormGradientGuard, registerWasmKernels } from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

/**
 * Initialises, inside a replica worker, the backend the main thread trains on: `wasm` (with the
 * training kernels of @op-screen/wasm-kernels, registered before the backend starts, as on the
 * main thread) or `cpu`. The wasm binaries are read from the installed package, never fetched.
 */
export async function initReplicaBackend(name: string): Promise<void> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    registerWasmKernels();
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  } else if (name === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    registerBatchNormGradientGuard();
  } else {
    throw new Error(`replica workers run on wasm or cpu, not '${name}'`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to initialise in a worker`);
  await tf.ready();
  quietCpuBackend();
}
