/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/wasm-kernels' as const;

// @op-screen/wasm-kernels: training gradients and fused kernels for tfjs-backend-wasm, one
// KernelConfig per file in src/kernels/ and one GradConfig per file in src/gradients/.
// Nothing is registered at import: call registerWasmKernels() (idempotent) before training.
export type { WasmBackendLike } from './backend.js';
export { clearDerivedFilters } from './derived-filters.js';
export { setConvFilterGradStrategy } from './kernels/Conv2DBackpropFilter.js';
export { setConvInputGradStrategy } from './kernels/Conv2DBackpropInput.js';
export { BATCH_NORM_GRAD_SUMS, MEAN_GRAD, SILU_GRAD } from './names.js';
export {
  registerBatchNormGradientGuard,
  registerWasmKernels,
  WASM_GRADIENT_CONFIGS,
  WASM_KERNEL_CONFIGS,
  WASM_KERNELS,
} from './register.js';
