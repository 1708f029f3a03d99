// Names of this package's own kernels on the wasm backend, and axis helpers they share.
import { util } from '@tensorflow/tfjs-core';

/** Mean's gradient, dy / n broadcast over the reduced axes (kernels/OpScreenMeanGrad.ts). */
export const MEAN_GRAD = 'OpScreenMeanGrad';
/** Per-channel sum(dy) and sum((x - mean) dy) in one pass (kernels/OpScreenBatchNormGradSums.ts). */
export const BATCH_NORM_GRAD_SUMS = 'OpScreenBatchNormGradSums';
/** SiLU's gradient in one pass; @op-screen/efficientnet's silu op dispatches to it. */
export const SILU_GRAD = 'OpScreenSiluGrad';

/** Sorted axes if they form one contiguous run, else null. */
export function contiguousAxes(axis: number | number[], shape: number[]): number[] | null {
  const axes = util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  if (axes.length === 0) return null;
  return axes.every((v, i) => v === (axes[0] as number) + i) ? axes : null;
}

/** x viewed as [A, R, C] with R the (contiguous) reduced axes. */
export function splitShape(shape: number[], axes: number[]): [number, number, number] {
  const first = axes[0] as number;
  const last = axes[axes.length - 1] as number;
  return [
    util.sizeFromShape(shape.slice(0, first)),
    util.sizeFromShape(shape.slice(first, last + 1)),
    util.sizeFromShape(shape.slice(last + 1)),
  ];
}
