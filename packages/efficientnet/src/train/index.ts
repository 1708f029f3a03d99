// Training engine (fine-tuning, wasm gradient kernels, worker pool, checkpoints).
export { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from '../kernels/index.js';
