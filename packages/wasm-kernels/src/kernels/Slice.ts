// Slice (replaces the built-in, which stays the fallback): PadV2's gradient and every crop.
import {
  type KernelConfig,
  type KernelFunc,
  Slice,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { runBuiltin } from '../builtins.js';
import { heapOffset as ptr } from '../heap.js';

/**
 * Slice as block copies inside the wasm heap: the backend's own kernel first copies the whole
 * input out of the heap (readSync) and then gathers element by element. Here the input is seen
 * as outer dims x one contiguous run (the innermost dim that is cut, times everything inside
 * it) and each run is one memmove. Every dtype but string.
 */
function sliceKernel(args: {
  inputs: { x: TensorInfo };
  backend: WasmBackendLike;
  attrs: { begin: number | number[]; size: number | number[] };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const memory = backend.wasm.asm?.memory;
  if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0 || !memory) {
    return runBuiltin(Slice, args);
  }
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size);
  const out = backend.makeOutput(size, x.dtype as 'float32');
  const total = util.sizeFromShape(size);
  if (total === 0) return out;
  const rank = x.shape.length;
  // d: innermost dim that is cut; everything inside it is copied whole
  let d = rank - 1;
  while (d > 0 && begin[d] === 0 && size[d] === x.shape[d]) d--;
  const inner = util.sizeFromShape(x.shape.slice(d + 1));
  const bytes = util.bytesPerElement(x.dtype);
  const run = (size[d] as number) * inner * bytes;
  const strides = util.computeStrides(x.shape);
  const heap = new Uint8Array(memory.buffer);
  const src0 = ptr(backend, x) + (begin[d] as number) * inner * bytes;
  let dst = ptr(backend, out);
  const idx = new Array<number>(d).fill(0);
  for (let copied = 0; copied < total; copied += run / bytes) {
    let off = 0;
    for (let i = 0; i < d; i++) off += ((begin[i] as number) + (idx[i] as number)) * (strides[i] as number);
    const src = src0 + off * bytes;
    heap.copyWithin(dst, src, src + run);
    dst += run;
    for (let i = d - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (size[i] as number)) break;
      idx[i] = 0;
    }
  }
  return out;
}

export const sliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: sliceKernel as unknown as KernelFunc,
};
