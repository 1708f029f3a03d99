// The built-in kernels and gradients that registerWasmKernels() replaced, kept as fallbacks for
// the inputs our kernels do not handle (other layouts, dtypes, filter sizes).
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

const kernels = new Map<string, KernelConfig>();
const gradients = new Map<string, GradConfig>();

/** Records the built-in kernel `config` replaced (register.ts, once). */
export function saveBuiltinKernel(config: KernelConfig): void {
  kernels.set(config.kernelName, config);
}

/** Records the built-in gradient `config` replaced (register.ts, once). */
export function saveBuiltinGradient(config: GradConfig): void {
  gradients.set(config.kernelName, config);
}

/** The built-in wasm kernel for `name` that ours replaced, if there was one. */
export function builtinKernel(name: string): KernelConfig | undefined {
  return kernels.get(name);
}

/** Runs the built-in wasm kernel for `name` on the same arguments. */
export function runBuiltin(name: string, args: unknown): TensorInfo {
  return (kernels.get(name) as KernelConfig).kernelFunc(args as never) as TensorInfo;
}

/** The built-in gradient for `name` that ours replaced. */
export function builtinGradient(name: string): GradConfig {
  return gradients.get(name) as GradConfig;
}
