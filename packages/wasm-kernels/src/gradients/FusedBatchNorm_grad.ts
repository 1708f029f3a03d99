// The FusedBatchNorm gradient in closed form (registered for every backend; same values up to
// float32 summation order). tfjs-core's version materialises full-size tensors it only needs
// reduced ((x - mean), dy * scale, a Tile of 1/sqrt(var) to the input's shape), and keeps them
// alive until the whole backward pass ends. Here every per-channel quantity is reduced inside
// its own tidy() and only dx = dy * scale / sqrt(var + eps) is full-size:
//   dmean = -s * sum(dy), dvar = -0.5 * r^2 * s * sum((x - mean) dy),
//   dscale = r * sum((x - mean) dy), doffset = sum(dy),  with r = 1/sqrt(var+eps), s = r*scale.
// On wasm the two sums come from one pass of the BATCH_NORM_GRAD_SUMS kernel.
import {
  add,
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type GradConfig,
  mul,
  neg,
  rsqrt,
  scalar,
  sub,
  sum,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { builtinGradient } from '../builtins.js';
import { batchNormGradSums } from '../kernels/OpScreenBatchNormGradSums.js';

export const fusedBatchNormGradConfig: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const g = dy as Tensor;
    if (mean.rank !== 1 || x.rank < 2 || (scale != null && scale.rank !== 1)) {
      return builtinGradient(FusedBatchNorm).gradFunc(dy, saved, attrs);
    }
    const eps = (attrs as unknown as FusedBatchNormAttrs).varianceEpsilon;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const r = rsqrt(add(variance, scalar(eps)));
    const s = scale == null ? r : mul(r, scale);
    const fused = batchNormGradSums(x, mean, g);
    const sumDy = fused ? fused[0] : tidy(() => sum(g, axes));
    const centered = fused ? fused[1] : tidy(() => sum(mul(sub(x, mean), g), axes));
    return {
      x: () => mul(g, s),
      mean: () => neg(mul(s, sumDy)),
      variance: () => mul(mul(mul(r, s), scalar(-0.5)), mul(r, centered)),
      scale: () => mul(r, centered),
      offset: () => sumDy.clone(),
    };
  },
};
