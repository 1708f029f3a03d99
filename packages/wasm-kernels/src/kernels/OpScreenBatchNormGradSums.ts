// OpScreenBatchNormGradSums: BatchNorm's gradient needs sum(dy) and sum((x - mean) * dy) per
// channel; one SIMD pass (bnsums) instead of sub, mul, sum and a second sum.
import {
  engine,
  getBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type Tensor,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { heapOffset as ptr } from '../heap.js';
import { BATCH_NORM_GRAD_SUMS } from '../names.js';
import { simdKernels } from '../simd.js';

/**
 * Per-channel sum(dy) and sum((x - mean) * dy) over all axes but the last, in one pass:
 * float32 partial sums over blocks of 64 rows (SIMD where C % 4 == 0), folded into float64.
 */
function batchNormGradSumsKernel(args: {
  inputs: { x: TensorInfo; mean: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const c = inputs.x.shape[inputs.x.shape.length - 1] as number;
  const rows = util.sizeFromShape(inputs.x.shape) / c;
  const sumDy = backend.makeOutput([c], 'float32');
  const sumCentred = backend.makeOutput([c], 'float32');
  const scratch = backend.makeOutput([2, c], 'float32');
  const accA = new Float64Array(c);
  const accB = new Float64Array(c);
  const simd = c % 4 === 0 ? simdKernels(backend.wasm.asm?.memory) : null;
  const sv = backend.typedArrayFromHeap(scratch);
  if (simd) {
    const xp = ptr(backend, inputs.x);
    const dp = ptr(backend, inputs.dy);
    const mp = ptr(backend, inputs.mean);
    const sp = ptr(backend, scratch);
    for (let r0 = 0; r0 < rows; r0 += 64) {
      sv.fill(0);
      const off = r0 * c * 4;
      simd.bnsums(xp + off, dp + off, mp, sp, sp + c * 4, Math.min(64, rows - r0), c / 4);
      for (let k = 0; k < c; k++) {
        accA[k] = (accA[k] as number) + (sv[k] as number);
        accB[k] = (accB[k] as number) + (sv[c + k] as number);
      }
    }
  } else {
    const x = backend.typedArrayFromHeap(inputs.x);
    const dy = backend.typedArrayFromHeap(inputs.dy);
    const mean = backend.typedArrayFromHeap(inputs.mean);
    for (let r0 = 0; r0 < rows; r0 += 64) {
      sv.fill(0);
      const r1 = Math.min(rows, r0 + 64);
      for (let row = r0; row < r1; row++) {
        const base = row * c;
        for (let k = 0; k < c; k++) {
          const d = dy[base + k] as number;
          sv[k] = (sv[k] as number) + d;
          sv[c + k] =
            (sv[c + k] as number) +
            Math.fround(Math.fround((x[base + k] as number) - (mean[k] as number)) * d);
        }
      }
      for (let k = 0; k < c; k++) {
        accA[k] = (accA[k] as number) + (sv[k] as number);
        accB[k] = (accB[k] as number) + (sv[c + k] as number);
      }
    }
  }
  backend.disposeData(scratch.dataId, true);
  const a = backend.typedArrayFromHeap(sumDy);
  const b = backend.typedArrayFromHeap(sumCentred);
  for (let k = 0; k < c; k++) {
    a[k] = accA[k] as number;
    b[k] = accB[k] as number;
  }
  return [sumDy, sumCentred];
}

/**
 * [sum(dy), sum((x - mean) * dy)] per channel (last axis), or null where the fused kernel does
 * not apply (not wasm, not float32, mean not [C]): the caller then uses tfjs ops.
 */
export function batchNormGradSums(x: Tensor, mean: Tensor, dy: Tensor): [Tensor, Tensor] | null {
  if (
    getBackend() !== 'wasm' ||
    !getKernel(BATCH_NORM_GRAD_SUMS, 'wasm') ||
    x.dtype !== 'float32' ||
    dy.dtype !== 'float32' ||
    mean.dtype !== 'float32' ||
    x.rank < 2 ||
    mean.rank !== 1 ||
    mean.shape[0] !== x.shape[x.rank - 1] ||
    !util.arraysEqual(x.shape, dy.shape)
  ) {
    return null;
  }
  return engine().runKernel(BATCH_NORM_GRAD_SUMS, { x, mean, dy }, {}) as unknown as [Tensor, Tensor];
}

export const batchNormGradSumsConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_SUMS,
  backendName: 'wasm',
  kernelFunc: batchNormGradSumsKernel as unknown as KernelFunc,
};
