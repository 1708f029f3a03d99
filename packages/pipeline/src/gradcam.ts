import { type GradCamOptions, type GradCamResult, gradCam as zooGradCam } from '@op-screen/efficientnet';
import { registerWasmKernels } from '@op-screen/wasm-kernels';
import type * as tfl from '@tensorflow/tfjs-layers';

export type { GradCamOptions, GradCamResult };

/**
 * @op-screen/efficientnet's `gradCam`, working on the default backend: on wasm, where it refuses
 * with `KERNELS_MISSING` until the training gradients are registered (the zoo cannot register
 * them itself: @op-screen/wasm-kernels depends on it), this registers them and runs it again.
 * Nothing is registered on other backends, or before Grad-CAM is asked for.
 */
export async function gradCam(
  model: tfl.LayersModel,
  x: Float32Array,
  shape: [number, number, number],
  opts: GradCamOptions = {},
): Promise<GradCamResult> {
  try {
    return await zooGradCam(model, x, shape, opts);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'KERNELS_MISSING') throw err;
    registerWasmKernels();
    return zooGradCam(model, x, shape, opts);
  }
}
