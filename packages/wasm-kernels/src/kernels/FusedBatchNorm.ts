// FusedBatchNorm forward (replaces the built-in, which stays the fallback).
import {
  FusedBatchNorm,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { runBuiltin } from '../builtins.js';
import { heapOffset as ptr } from '../heap.js';
import { simdKernels } from '../simd.js';

/**
 * FusedBatchNorm forward with per-channel statistics, (x - mean) * a + offset with
 * a = scale / sqrt(variance + eps) precomputed per channel: one SIMD pass (the backend's own
 * kernel recomputes the channel index and the square root per element). Other layouts and
 * channel counts that are not a multiple of 4 go to the backend's kernel.
 */
function fusedBatchNormKernel(args: {
  inputs: { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
  backend: WasmBackendLike;
  attrs: { varianceEpsilon: number };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, mean, variance, offset, scale } = inputs;
  const c = x.shape[x.shape.length - 1] as number;
  const perChannel = (t: TensorInfo | undefined) =>
    t == null || (t.dtype === 'float32' && util.sizeFromShape(t.shape) === c);
  const simd =
    x.dtype === 'float32' &&
    x.shape.length >= 1 &&
    c % 4 === 0 &&
    c > 0 &&
    [mean, variance, offset, scale].every(perChannel)
      ? simdKernels(backend.wasm.asm?.memory)
      : null;
  if (!simd) return runBuiltin(FusedBatchNorm, args);
  const out = backend.makeOutput(x.shape, 'float32');
  const ab = backend.makeOutput([2, c], 'float32');
  const abv = backend.typedArrayFromHeap(ab);
  const v = backend.typedArrayFromHeap(variance);
  const sc = scale ? backend.typedArrayFromHeap(scale) : null;
  const of = offset ? backend.typedArrayFromHeap(offset) : null;
  for (let k = 0; k < c; k++) {
    abv[k] = (sc ? (sc[k] as number) : 1) / Math.sqrt((v[k] as number) + attrs.varianceEpsilon);
    abv[c + k] = of ? (of[k] as number) : 0;
  }
  const rows = util.sizeFromShape(x.shape) / c;
  const abp = ptr(backend, ab);
  if (rows > 0)
    simd.bnapply(ptr(backend, x), ptr(backend, mean), abp, abp + c * 4, ptr(backend, out), rows, c / 4);
  backend.disposeData(ab.dataId, true);
  return out;
}

export const fusedBatchNormConfig: KernelConfig = {
  kernelName: FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: fusedBatchNormKernel as unknown as KernelFunc,
};
