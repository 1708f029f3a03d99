// Two changes that make training on wasm several times faster without changing the maths:
//
// 1. The FusedBatchNorm gradient. tfjs-core's version materialises full-size tensors it only
//    needs reduced ((x - mean), dy * scale, a Tile of 1/sqrt(var) to the input's shape), and
//    keeps them alive until the whole backward pass ends. Here every per-channel quantity is
//    reduced inside its own tidy() and only dx = dy * scale / sqrt(var + eps) is full-size:
//      dmean = -s * sum(dy), dvar = -0.5 * r^2 * s * sum((x - mean) dy),
//      dscale = r * sum((x - mean) dy), doffset = sum(dy),  with r = 1/sqrt(var+eps), s = r*scale.
//    Registered for every backend (same values up to float32 summation order).
// 2. Sum and Mean over a contiguous run of axes before the last (every bias/BN/broadcast
//    gradient, BatchNorm's moments, global average pooling) on wasm: the wasm kernels first
//    transpose the whole tensor; one pass with per-channel partial sums over the heap is faster
//    and more accurate. Other reductions go to the original kernels.
import {
  add,
  backend_util,
  Cast,
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type GradConfig,
  getGradient,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  Mean,
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
import { batchNormGradSums, registerFusedKernels } from './fused-ops.js';
import { simdColSumKernel, type WasmBackendLike } from './simd-row.js';

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

let originalSum: KernelConfig | undefined;
let originalMean: KernelConfig | undefined;

/**
 * Reduces x viewed as [A, R, C] over R (a contiguous run of axes that excludes the last one):
 * the shape of every bias / BatchNorm / broadcast gradient and of BatchNorm's moments. float32
 * partial sums over blocks of 64 rows folded into float64, in one pass over the heap.
 */
function reduceMiddle(
  src: Float32Array,
  dst: Float32Array,
  a: number,
  r: number,
  c: number,
  scale: number,
): void {
  const acc = new Float64Array(c);
  const block = new Float32Array(c);
  for (let i = 0; i < a; i++) {
    acc.fill(0);
    const base0 = i * r * c;
    for (let r0 = 0; r0 < r; r0 += 64) {
      block.fill(0);
      const r1 = Math.min(r, r0 + 64);
      for (let row = r0; row < r1; row++) {
        const base = base0 + row * c;
        for (let k = 0; k < c; k++) block[k] = (block[k] as number) + (src[base + k] as number);
      }
      for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + (block[k] as number);
    }
    for (let k = 0; k < c; k++) dst[i * c + k] = (acc[k] as number) * scale;
  }
}

function reduceKernel(mean: boolean) {
  return (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackendLike;
    attrs: { axis: number | number[]; keepDims: boolean };
  }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
    const contiguous = axes.length > 0 && axes.every((v, i) => v === (axes[0] as number) + i);
    const fallback = (mean ? originalMean : originalSum) as KernelConfig;
    if (!contiguous || axes.includes(rank - 1) || x.dtype !== 'float32' || rank < 2) {
      return fallback.kernelFunc(args as never) as TensorInfo;
    }
    const first = axes[0] as number;
    const last = axes[axes.length - 1] as number;
    const a = util.sizeFromShape(x.shape.slice(0, first));
    const r = util.sizeFromShape(x.shape.slice(first, last + 1));
    const c = util.sizeFromShape(x.shape.slice(last + 1));
    const kept = x.shape.filter((_, i) => !axes.includes(i));
    const outShape = attrs.keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept;
    const colsum = c % 4 === 0 ? simdColSumKernel(backend.wasm.asm?.memory) : null;
    if (colsum) {
      // SIMD: float32 column sums over blocks of 64 rows in a heap scratch row, folded in float64
      const scratch = backend.makeOutput([c], 'float32');
      const out = backend.makeOutput(outShape, 'float32');
      const sv = backend.typedArrayFromHeap(scratch);
      const dst = backend.typedArrayFromHeap(out);
      const xPtr = (backend.dataIdMap.get(x.dataId) as { memoryOffset: number }).memoryOffset;
      const sPtr = (backend.dataIdMap.get(scratch.dataId) as { memoryOffset: number }).memoryOffset;
      const acc = new Float64Array(c);
      const scale = mean ? 1 / r : 1;
      for (let i = 0; i < a; i++) {
        acc.fill(0);
        for (let r0 = 0; r0 < r; r0 += 64) {
          sv.fill(0);
          colsum(xPtr + (i * r + r0) * c * 4, sPtr, Math.min(64, r - r0), c / 4);
          for (let k = 0; k < c; k++) acc[k] = (acc[k] as number) + (sv[k] as number);
        }
        for (let k = 0; k < c; k++) dst[i * c + k] = (acc[k] as number) * scale;
      }
      backend.disposeData(scratch.dataId, true);
      return out;
    }
    const out = backend.makeOutput(outShape, 'float32');
    reduceMiddle(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), a, r, c, mean ? 1 / r : 1);
    return out;
  };
}

let originalIdentity: KernelConfig | undefined;
let originalCast: KernelConfig | undefined;

/**
 * Identity (every tensor the tape saves for the backward pass goes through it, ~1,500 times per
 * EfficientNet-B0 step) and same-dtype Cast as a second reference to the input's buffer, like the
 * cpu backend and the wasm backend's own Reshape do, instead of a copy. Safe because kernels never
 * write into their inputs; a buffer is freed when its last reference goes.
 */
function shareBuffer(original: () => KernelConfig | undefined, castTo?: boolean) {
  return (args: {
    inputs: { x: TensorInfo };
    backend: WasmBackendLike;
    attrs: { dtype?: string };
  }): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string' || (castTo && args.attrs.dtype !== x.dtype)) {
      return (original() as KernelConfig).kernelFunc(args as never) as TensorInfo;
    }
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

let installed = false;

/** Installs the BatchNorm gradient (all backends) and the wasm leading-axes Sum (idempotent). */
export function registerTrainingSpeedups(): void {
  if (installed) return;
  installed = true;
  registerFusedKernels();
  original = getGradient(FusedBatchNorm);
  if (original) registerGradient(batchNormGrad);
  originalSum = getKernel(Sum, 'wasm');
  if (originalSum) {
    unregisterKernel(Sum, 'wasm');
    registerKernel({ ...originalSum, kernelFunc: reduceKernel(false) as unknown as KernelFunc });
  }
  originalIdentity = getKernel(Identity, 'wasm');
  if (originalIdentity) {
    unregisterKernel(Identity, 'wasm');
    registerKernel({
      ...originalIdentity,
      kernelFunc: shareBuffer(() => originalIdentity) as unknown as KernelFunc,
    });
  }
  originalCast = getKernel(Cast, 'wasm');
  if (originalCast) {
    unregisterKernel(Cast, 'wasm');
    registerKernel({
      ...originalCast,
      kernelFunc: shareBuffer(() => originalCast, true) as unknown as KernelFunc,
    });
  }
  originalMean = getKernel(Mean, 'wasm');
  if (originalMean) {
    unregisterKernel(Mean, 'wasm');
    registerKernel({ ...originalMean, kernelFunc: reduceKernel(true) as unknown as KernelFunc });
  }
}
