/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/wasm-kernels' as const;

// @op-screen/wasm-kernels: training gradients and fused kernels for tfjs-backend-wasm.
// Nothing is registered at import: call registerWasmKernels() (idempotent) before training.
export { BATCH_NORM_GRAD_SUMS, MEAN_GRAD, SILU_GRAD } from './fused-ops.js';
export type { WasmBackendLike } from './simd-row.js';
export {
  clearDerivedFilters,
  registerWasmGradientKernels as registerWasmKernels,
  setConvFilterGradStrategy,
  setConvInputGradStrategy,
  WASM_GRADIENT_KERNELS as WASM_KERNELS,
} from './wasm-grad-kernels.js';
