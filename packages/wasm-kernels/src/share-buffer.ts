import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend.js';
import { runBuiltin } from './builtins.js';

/**
 * Identity (every tensor the tape saves for the backward pass goes through it, ~1,500 times per
 * EfficientNet-B0 step) and same-dtype Cast as a second reference to the input's buffer, like the
 * cpu backend and the wasm backend's own Reshape do, instead of a copy. Safe because kernels never
 * write into their inputs; a buffer is freed when its last reference goes.
 */
export function shareBuffer(name: string, castTo?: boolean) {
  return (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackendLike;
    attrs: { dtype?: string };
  }): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string' || (castTo && args.attrs.dtype !== x.dtype)) {
      return runBuiltin(name, args);
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
