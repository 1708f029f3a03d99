import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { addNConfig, wrapOriginalAddN } from './add-n.js';
import { BATCH_NORM_GRAD_SUMS, batchNormGradSumsConfig } from './batch-norm-grad-sums.js';
import { MEAN_GRAD, meanGradConfig } from './mean-grad.js';
import { SILU_GRAD, siluGradConfig } from './silu-grad.js';

export { BATCH_NORM_GRAD_SUMS, MEAN_GRAD, SILU_GRAD };

/**
 * Every kernel of this package, one `KernelConfig` each (backend `webgpu`): three WGSL gradient
 * kernels and AddN, which splits sums past the device's storage-buffer limit.
 */
export const WEBGPU_KERNELS: readonly KernelConfig[] = [
  siluGradConfig,
  batchNormGradSumsConfig,
  meanGradConfig,
  addNConfig,
];

/** Kernels of tfjs-backend-webgpu that an entry of WEBGPU_KERNELS replaces (and calls). */
const WRAPS: Record<string, (original: KernelConfig) => void> = { [addNConfig.kernelName]: wrapOriginalAddN };

/**
 * Registers {@link WEBGPU_KERNELS} for the `webgpu` backend; idempotent (a kernel already
 * registered under its name is left alone, except tfjs-backend-webgpu's AddN, which is wrapped
 * once: load that package first). Nothing is registered at import.
 * Returns the names registered by this call.
 */
export function registerWebGpuKernels(): string[] {
  const added: string[] = [];
  for (const config of WEBGPU_KERNELS) {
    const current = getKernel(config.kernelName, config.backendName);
    const wrap = WRAPS[config.kernelName];
    if (current && (!wrap || current.kernelFunc === config.kernelFunc)) continue;
    if (current && wrap) {
      wrap(current);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
