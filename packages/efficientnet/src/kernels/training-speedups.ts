// Two changes that make training on wasm several times faster without changing the maths:
//
// 1. The FusedBatchNorm gradient. tfjs-core's version materialises full-size tensors it only
//    needs reduced ((x - mean), dy * scale, a Tile of 1/sqrt(var) to the input's shape), and
//    keeps them alive until the whole backward pass ends. Here every per-channel quantity is
//    reduced inside its own tidy() and only dx = dy * scale / sqrt(var + eps) is full-size:
//      dmean = -s * sum(dy), dvar = -0.5 * r^2 * s * sum((x - mean) dy),
//      dscale = r * sum((x - mean) dy), doffset = sum(dy),  with r = 1/sqrt(var+eps), s = r*scale.
//    Registered for every backend (same values up to float32 summation order).
// 2. Sum over all leading axes on wasm (what every bias/BN/broadcast gradient does): the wasm
//    kernel first transposes the whole tensor; a single pass with per-channel float64 partial
//    sums over the heap is faster and more accurate. Other reductions go to the original kernel.
import {
  add,
  backend_util,
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type GradConfig,
  getGradient,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  mul,
  neg,
  registerGradient,
  registerKernel,
  rsqrt,
  Sum,
  scalar,
  sub,
  sum,
  type Tensor,
  type TensorInfo,
  tidy,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

let original: GradConfig | undefined;

const batchNormGrad: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const g = dy as Tensor;
    if (mean.rank !== 1 || x.rank < 2 || (scale != null && scale.rank !== 1)) {
      return (original as GradConfig).gradFunc(dy, saved, attrs);
    }
    const eps = (attrs as unknown as FusedBatchNormAttrs).varianceEpsilon;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const r = rsqrt(add(variance, scalar(eps)));
    const s = scale == null ? r : mul(r, scale);
    const sumDy = tidy(() => sum(g, axes));
    const centered = tidy(() => sum(mul(sub(x, mean), g), axes));
    return {
      x: () => mul(g, s),
      mean: () => neg(mul(s, sumDy)),
      variance: () => mul(mul(mul(r, s), scalar(-0.5)), mul(r, centered)),
      scale: () => mul(r, centered),
      offset: () => sumDy.clone(),
    };
  },
};

let originalSum: KernelConfig | undefined;

function wasmSum(args: {
  inputs: { x: TensorInfo };
  backend: WasmBackendLike;
  attrs: { axis: number | number[]; keepDims: boolean };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32')
    return (originalSum as KernelConfig).kernelFunc(args as never) as TensorInfo;
  const c = x.shape[rank - 1] as number;
  const m = util.sizeFromShape(x.shape) / c;
  const outShape = attrs.keepDims ? backend_util.expandShapeToKeepDim([c], axes) : [c];
  const out = backend.makeOutput(outShape, 'float32');
  const src = backend.typedArrayFromHeap(x);
  const acc = new Float64Array(c);
  const block = new Float32Array(c);
  // float32 partial sums over blocks of 64 rows, folded into float64: one pass, SIMD-friendly order
  for (let r0 = 0; r0 < m; r0 += 64) {
    block.fill(0);
    const r1 = Math.min(m, r0 + 64);
    for (let row = r0; row < r1; row++) {
      const base = row * c;
      for (let k = 0; k < c; k++) block[k] = (block[k] as number) + (src[base + k] as number);
    }
    for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + (block[k] as number);
  }
  const dst = backend.typedArrayFromHeap(out);
  for (let k = 0; k < c; k++) dst[k] = acc[k] as number;
  return out;
}

let installed = false;

/** Installs the BatchNorm gradient (all backends) and the wasm leading-axes Sum (idempotent). */
export function registerTrainingSpeedups(): void {
  if (installed) return;
  installed = true;
  original = getGradient(FusedBatchNorm);
  if (original) registerGradient(batchNormGrad);
  originalSum = getKernel(Sum, 'wasm');
  if (originalSum) {
    unregisterKernel(Sum, 'wasm');
    registerKernel({ ...originalSum, kernelFunc: wasmSum as unknown as KernelFunc });
  }
}
