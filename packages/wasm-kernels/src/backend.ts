import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The WebAssembly memory object the wasm backend exports (typed locally: no DOM lib here). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}

/** The part of tfjs-backend-wasm's BackendWasm that the kernels use (public methods). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined; has(dataId: object): boolean };
  wasm: { asm?: { memory?: WasmMemoryLike } };
}
