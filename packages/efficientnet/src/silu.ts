import {
  add,
  customGrad,
  engine,
  type GradSaveFunc,
  getBackend,
  getKernel,
  mul,
  scalar,
  sigmoid,
  sub,
  type Tensor,
  util,
} from '@tensorflow/tfjs-core';

/**
 * Name of the optional one-pass SiLU gradient kernel, `dx = dy * s * (1 + x * (1 - s))` with
 * inputs `{ x, s, dy }` (s = sigmoid(x)). The zoo never registers it; a kernel package may
 * (`@op-screen/wasm-kernels` does for wasm). Where the active backend lacks it, the same formula
 * runs as tfjs ops.
 */
export const SILU_GRAD_KERNEL = 'OpScreenSiluGrad';

function siluGrad(dy: Tensor, x: Tensor, s: Tensor): Tensor {
  if (
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    util.arraysEqual(x.shape, dy.shape) &&
    getKernel(SILU_GRAD_KERNEL, getBackend())
  ) {
    return engine().runKernel(SILU_GRAD_KERNEL, { x, s, dy }, {}) as Tensor;
  }
  return mul(dy, mul(s, add(scalar(1), mul(x, sub(scalar(1), s)))));
}

const siluOp = customGrad((...args: Array<Tensor | GradSaveFunc>) => {
  const x = args[0] as Tensor;
  const save = args[1] as GradSaveFunc;
  const s = sigmoid(x);
  save([x, s]);
  return {
    value: mul(x, s),
    gradFunc: (dy: Tensor, saved: Tensor[]) => siluGrad(dy, saved[0] as Tensor, saved[1] as Tensor),
  };
});

/**
 * SiLU / swish, x * sigmoid(x) (forward: the same two kernels as tfjs), with a one-pass gradient
 * where the backend registers {@link SILU_GRAD_KERNEL} (elsewhere the same formula in tfjs ops).
 */
export function silu(x: Tensor): Tensor {
  return siluOp(x);
}
