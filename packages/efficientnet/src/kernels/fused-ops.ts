// Fused kernels that cut the number of full-size passes in a training step on wasm. tfjs builds
// these gradients from several generic ops, each reading and writing the whole activation:
//
// 1. Mean's gradient: tfjs computes dy * ones(x.shape) / n, allocating a full-size tensor of ones
//    in JavaScript first. Here one kernel writes dy / n broadcast over the reduced axes.
// 2. BatchNorm's gradient needs sum(dy) and sum((x - mean) * dy) per channel: one SIMD pass
//    (bnsums) instead of sub, mul, sum and a second sum (used by training-speedups.ts).
// 3. SiLU, y = x * sigmoid(x): a custom op whose gradient is one SIMD pass,
//    dx = dy * s * (1 + x * (1 - s)) with s = sigmoid(x) saved by the forward pass, instead of
//    tfjs's sigmoid gradient (3 ops) plus the product rule (2 products and an add).
// 4. FusedBatchNorm's forward: one SIMD pass with per-channel factors computed once.
// 5. Slice (PadV2's gradient, cropping) as memmoves of contiguous runs inside the heap.
// Each kernel does the same float32 operations in a fixed order (deterministic). On other
// backends, or where a kernel does not apply, tfjs's own ops and gradients run.
import {
  add,
  customGrad,
  engine,
  FusedBatchNorm,
  type GradConfig,
  type GradSaveFunc,
  getBackend,
  getGradient,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  Mean,
  type MeanAttrs,
  mul,
  registerGradient,
  registerKernel,
  Slice,
  scalar,
  sigmoid,
  slice_util,
  sub,
  type Tensor,
  type TensorInfo,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';
import { simdKernels, type WasmBackendLike } from './simd-row.js';

/**
 * Kernel names registered on the wasm backend by {@link registerFusedKernels}; the webgpu backend
 * has WGSL kernels of the same names (@op-screen/webgpu-kernels). Any backend with the kernel uses it.
 */
export const MEAN_GRAD = 'OpScreenMeanGrad';
export const BATCH_NORM_GRAD_SUMS = 'OpScreenBatchNormGradSums';
export const SILU_GRAD = 'OpScreenSiluGrad';

function ptr(backend: WasmBackendLike, info: TensorInfo): number {
  return (backend.dataIdMap.get(info.dataId) as { memoryOffset: number }).memoryOffset;
}

/** Sorted axes if they form one contiguous run, else null. */
export function contiguousAxes(axis: number | number[], shape: number[]): number[] | null {
  const axes = util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  if (axes.length === 0) return null;
  return axes.every((v, i) => v === (axes[0] as number) + i) ? axes : null;
}

/** x viewed as [A, R, C] with R the (contiguous) reduced axes. */
function splitShape(shape: number[], axes: number[]): [number, number, number] {
  const first = axes[0] as number;
  const last = axes[axes.length - 1] as number;
  return [
    util.sizeFromShape(shape.slice(0, first)),
    util.sizeFromShape(shape.slice(first, last + 1)),
    util.sizeFromShape(shape.slice(last + 1)),
  ];
}

/** out[i, j, k] = dy[i, k] / R for x viewed as [A, R, C]: Mean's gradient. */
function meanGradKernel(args: {
  inputs: { dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: { shape: number[]; axes: number[] };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const [a, r, c] = splitShape(attrs.shape, attrs.axes);
  const out = backend.makeOutput(attrs.shape, 'float32');
  const dy = backend.typedArrayFromHeap(inputs.dy);
  const o = backend.typedArrayFromHeap(out);
  const rc = r * c;
  for (let i = 0; i < a; i++) {
    const base = i * rc;
    for (let k = 0; k < c; k++) o[base + k] = (dy[i * c + k] as number) / r;
    // replicate the first row by doubling copies (memmove speed)
    for (let len = c; len < rc; ) {
      const n = Math.min(len, rc - len);
      o.copyWithin(base + len, base, base + n);
      len += n;
    }
  }
  return out;
}

let originalMeanGrad: GradConfig | undefined;

const meanGrad: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const x = saved[0] as Tensor;
    const axes = contiguousAxes((attrs as unknown as MeanAttrs).axis, x.shape);
    if (axes === null || x.dtype !== 'float32' || !getKernel(MEAN_GRAD, getBackend())) {
      return (originalMeanGrad as GradConfig).gradFunc(dy, saved, attrs);
    }
    return {
      x: () =>
        engine().runKernel(MEAN_GRAD, { dy: dy as Tensor }, { shape: x.shape, axes } as never) as Tensor,
    };
  },
};

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
    !getKernel(BATCH_NORM_GRAD_SUMS, getBackend()) ||
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

/** dx = dy * (s * (1 + x * (1 - s))), elementwise. */
function siluGradKernel(args: {
  inputs: { x: TensorInfo; s: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
}): TensorInfo {
  const { inputs, backend } = args;
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  const n = util.sizeFromShape(inputs.x.shape);
  const simd = simdKernels(backend.wasm.asm?.memory);
  const n4 = simd ? n >> 2 : 0;
  if (simd && n4 > 0) {
    simd.silugrad(
      ptr(backend, inputs.x),
      ptr(backend, inputs.s),
      ptr(backend, inputs.dy),
      ptr(backend, out),
      n4,
    );
  }
  if (4 * n4 < n) {
    const f = Math.fround;
    const x = backend.typedArrayFromHeap(inputs.x);
    const s = backend.typedArrayFromHeap(inputs.s);
    const dy = backend.typedArrayFromHeap(inputs.dy);
    const o = backend.typedArrayFromHeap(out);
    for (let i = 4 * n4; i < n; i++) {
      const si = s[i] as number;
      o[i] = f((dy[i] as number) * f(si * f(1 + f((x[i] as number) * f(1 - si)))));
    }
  }
  return out;
}

function siluGrad(dy: Tensor, x: Tensor, s: Tensor): Tensor {
  if (
    getKernel(SILU_GRAD, getBackend()) &&
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    util.arraysEqual(x.shape, dy.shape)
  ) {
    return engine().runKernel(SILU_GRAD, { x, s, dy }, {}) as Tensor;
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
 * on wasm (elsewhere the same formula in tfjs ops).
 */
export function silu(x: Tensor): Tensor {
  return siluOp(x);
}

let originalBatchNorm: KernelConfig | undefined;

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
  if (!simd) return (originalBatchNorm as KernelConfig).kernelFunc(args as never) as TensorInfo;
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

let originalSlice: KernelConfig | undefined;

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
    return (originalSlice as KernelConfig).kernelFunc(args as never) as TensorInfo;
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

let registered = false;

/** Registers the fused wasm kernels and Mean's gradient (idempotent). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: Array<[string, unknown]> = [
    [MEAN_GRAD, meanGradKernel],
    [BATCH_NORM_GRAD_SUMS, batchNormGradSumsKernel],
    [SILU_GRAD, siluGradKernel],
  ];
  for (const [kernelName, fn] of kernels) {
    if (!getKernel(kernelName, 'wasm')) {
      registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as KernelFunc });
    }
  }
  originalBatchNorm = getKernel(FusedBatchNorm, 'wasm');
  if (originalBatchNorm) {
    unregisterKernel(FusedBatchNorm, 'wasm');
    registerKernel({ ...originalBatchNorm, kernelFunc: fusedBatchNormKernel as unknown as KernelFunc });
  }
  originalSlice = getKernel(Slice, 'wasm');
  if (originalSlice) {
    unregisterKernel(Slice, 'wasm');
    registerKernel({ ...originalSlice, kernelFunc: sliceKernel as unknown as KernelFunc });
  }
  originalMeanGrad = getGradient(Mean);
  if (originalMeanGrad) registerGradient(meanGrad);
}
