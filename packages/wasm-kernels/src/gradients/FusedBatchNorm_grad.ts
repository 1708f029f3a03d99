// The FusedBatchNorm gradient in closed form (registered for every backend; same values up to
// float32 summation order). tfjs-core's version materialises full-size tensors it only needs
// reduced ((x - mean), dy * scale, a Tile of 1/sqrt(var) to the input's shape), and keeps them
// alive until the whole backward pass ends. Here every per-channel quantity is reduced inside
// its own tidy() and only dx = dy * scale / sqrt(var + eps) is full-size:
//   dmean = -s * sum(dy), dvar = -0.5 * r^2 * s * sum((x - mean) dy),
//   dscale = r * sum((x - mean) dy), doffset = sum(dy),  with r = 1/sqrt(var+eps), s = r*scale.
// On wasm the two sums come from one pass of the BATCH_NORM_GRAD_SUMS kernel.
//
// Channels whose variance is exactly 0 (a constant channel: x - mean == 0 everywhere, e.g. an
// all-zero batch) pass no gradient to x and mean. Their exact derivative is s * (dy - mean(dy))
// with s = scale / sqrt(eps), about 316x dy for eps = 1e-5, and it is carried by two terms (x and
// mean) that do not cancel in float32; through a stack of such layers (EfficientNet on an all-zero
// batch) the factor compounds past float32's range, Inf - Inf gives NaN and every weight goes
// NaN. The weight gradients those channels feed are 0 anyway (their inputs are constant zeros),
// so the mask changes nothing there; elsewhere it multiplies by 1, leaving results bit for bit.
import {
  add,
  cast,
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type GradConfig,
  greater,
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
    const s0 = scale == null ? r : mul(r, scale);
    // 1 where the channel varies, 0 where it is constant (see the header)
    const s = mul(s0, cast(greater(variance, scalar(0)), 'float32'));
    const fused = batchNormGradSums(x, mean, g);
    const sumDy = fused ? fused[0] : tidy(() => sum(g, axes));
    const centered = fused ? fused[1] : tidy(() => sum(mul(sub(x, mean), g), axes));
    return {
      x: () => mul(g, s),
      mean: () => neg(mul(s, sumDy)),
      variance: () => mul(mul(mul(r, s0), scalar(-0.5)), mul(r, centered)),
      scale: () => mul(r, centered),
      offset: () => sumDy.clone(),
    };
  },
};

/**
 * `builtin` (tfjs-core's FusedBatchNorm gradient) with the same zero-variance mask on the x and
 * mean gradients as the closed form above; elsewhere it multiplies by 1 (bit for bit unchanged).
 */
export function maskZeroVarianceGradient(builtin: GradConfig): GradConfig {
  return {
    ...builtin,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
      const grads = builtin.gradFunc(dy, saved, attrs);
      const variance = saved[2] as Tensor;
      const gx = grads.x;
      const gm = grads.mean;
      if (variance.rank !== 1 || !gx || !gm) return grads;
      const mask = () => cast(greater(variance, scalar(0)), 'float32');
      return { ...grads, x: () => mul(gx(), mask()), mean: () => mul(gm(), mask()) };
    },
  };
}
