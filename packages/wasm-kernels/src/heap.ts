// Small helpers over the wasm backend's heap and kernel registry, shared by the kernels.
import { getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend.js';

/** Byte offset of a tensor's buffer in the wasm heap. */
export function heapOffset(backend: WasmBackendLike, info: TensorInfo): number {
  return (backend.dataIdMap.get(info.dataId) as { memoryOffset: number }).memoryOffset;
}

/** Frees a buffer the kernel allocated and does not return. */
export function free(backend: WasmBackendLike, info: TensorInfo): void {
  backend.disposeData(info.dataId, true);
}

/** The same buffer seen with another shape (no copy, no new reference). */
export function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Runs the kernel currently registered for `name` on wasm (the backend's own, or ours). */
export function runWasm(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel == null) throw new Error(`wasm kernel ${name} is missing; is tfjs-backend-wasm loaded?`);
  return kernel.kernelFunc({ inputs, backend, attrs } as never) as TensorInfo;
}
