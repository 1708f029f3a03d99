export { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from './wasm-grad-kernels.js';
