import { getKernel, type KernelConfig, registerKernel } from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD_SUMS, batchNormGradSumsConfig } from './batch-norm-grad-sums.js';
import { MEAN_GRAD, meanGradConfig } from './mean-grad.js';
import { SILU_GRAD, siluGradConfig } from './silu-grad.js';

export { BATCH_NORM_GRAD_SUMS, MEAN_GRAD, SILU_GRAD };

/** Every WGSL kernel of this package, one `KernelConfig` each (backend `webgpu`). */
export const WEBGPU_KERNELS: readonly KernelConfig[] = [
  siluGradConfig,
  batchNormGradSumsConfig,
  meanGradConfig,
];

/**
 * Registers {@link WEBGPU_KERNELS} for the `webgpu` backend; idempotent (a kernel already
 * registered under its name is left alone). Nothing is registered at import.
 * Returns the names registered by this call.
 */
export function registerWebGpuKernels(): string[] {
  const added: string[] = [];
  for (const config of WEBGPU_KERNELS) {
    if (getKernel(config.kernelName, config.backendName)) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
