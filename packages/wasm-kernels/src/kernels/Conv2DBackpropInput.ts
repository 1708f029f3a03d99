// Conv2DBackpropInput: tfjs-backend-wasm's own kernel is a naive loop (~10x slower than the
// forward conv). Here: 1x1 convs as one matrix product dy . W^T; else either a stride-1 conv of
// the zero-dilated, padded dy with the flipped, transposed filter (XNNPACK), or dy . W^T through
// BatchMatMul followed by col2im (no zero-dilation, so no wasted work at stride 2).
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { builtinKernel, runBuiltin } from '../builtins.js';
import {
  type Conv2DInfo,
  dilateInto,
  IM2COL_BUDGET,
  inputGradViaConv,
  isPointwiseUnpadded,
} from '../conv-common.js';
import { derivedFilter } from '../derived-filters.js';
import { free, runWasm, view } from '../heap.js';
import { col2imAdd } from '../im2col.js';

/** Input gradient as (dy . W^T) followed by col2im: no zero-dilation, so no wasted work at stride 2. */
function inputGradViaCol2im(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const k = kh * kw * ci;
  const perImage = info.outHeight * info.outWidth;
  const wr = derivedFilter(backend, 'transposed', filter, () =>
    runWasm('Transpose', backend, { x: view(filter, [k, co]) }, { perm: [1, 0] }),
  );
  const out = backend.makeOutput(info.inShape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  const chunk = Math.max(1, Math.min(n, Math.floor(IM2COL_BUDGET / (perImage * k))));
  for (let b0 = 0; b0 < n; b0 += chunk) {
    const b1 = Math.min(n, b0 + chunk);
    const m = (b1 - b0) * perImage;
    let dyPart: TensorInfo;
    const whole = b0 === 0 && b1 === n;
    if (whole) dyPart = view(dy, [1, m, co]);
    else {
      dyPart = backend.makeOutput([1, m, co], 'float32');
      backend
        .typedArrayFromHeap(dyPart)
        .set(backend.typedArrayFromHeap(dy).subarray(b0 * perImage * co, b1 * perImage * co));
    }
    const cols = runWasm(
      'BatchMatMul',
      backend,
      { a: dyPart, b: view(wr, [1, co, k]) },
      { transposeA: false, transposeB: false },
    );
    if (!whole) free(backend, dyPart);
    col2imAdd(backend.typedArrayFromHeap(view(cols, [m * k])), backend.typedArrayFromHeap(out), info, b0, b1);
    free(backend, cols);
  }
  return out;
}

/**
 * How Conv2DBackpropInput is computed for k > 1. 'auto' (measured on ResNet-50@224, 2.5x less
 * time than either alone): col2im at stride > 1 (zero-dilation would waste 3/4 of the work) and
 * for few input channels (XNNPACK is slow with < 16 output channels), else the dilated conv.
 */
let convInputGradStrategy: 'auto' | 'dilate' | 'col2im' = 'auto';

/** Selects the Conv2DBackpropInput algorithm (for tests and benchmarks). */
export function setConvInputGradStrategy(s: 'auto' | 'dilate' | 'col2im'): void {
  convInputGradStrategy = s;
}

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast' && builtinKernel(Conv2DBackpropInput)) {
    return runBuiltin(Conv2DBackpropInput, args);
  }
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  if (isPointwiseUnpadded(info)) {
    // 1x1: dx = dy . W^T at the sampled positions (all of them at stride 1). The backend's
    // Transpose (blocked) is ~20x faster than a strided JavaScript loop on large filters.
    const wt = derivedFilter(backend, 'transposed', filter, () =>
      runWasm('Transpose', backend, { x: view(filter, [ci, co]) }, { perm: [1, 0] }),
    );
    const m = info.batchSize * info.outHeight * info.outWidth;
    const prod = runWasm(
      'BatchMatMul',
      backend,
      { a: view(dy, [1, m, co]), b: wt },
      { transposeA: false, transposeB: false },
    );
    if (
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      info.outHeight === info.inHeight &&
      info.outWidth === info.inWidth
    ) {
      return view(prod, info.inShape);
    }
    const out = backend.makeOutput(info.inShape, 'float32');
    dilateInto(
      backend.typedArrayFromHeap(view(prod, [m * ci])),
      backend.typedArrayFromHeap(out),
      info.batchSize,
      info.outHeight,
      info.outWidth,
      ci,
      info.inHeight,
      info.inWidth,
      info.strideHeight,
      info.strideWidth,
      0,
      0,
    );
    free(backend, prod);
    return out;
  }
  const col2im =
    convInputGradStrategy === 'col2im' ||
    (convInputGradStrategy === 'auto' && (info.strideHeight > 1 || info.strideWidth > 1 || ci < 16));
  if (col2im) {
    return inputGradViaCol2im(backend, dy, filter, info);
  }
  // flipped[a][b][o][i] = W[kh-1-a][kw-1-b][i][o]: the backend transposes each tap, we reverse the taps
  const flipped = derivedFilter(backend, 'flipped', filter, () => {
    const wt = runWasm('Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] });
    const f = backend.makeOutput([kh, kw, co, ci], 'float32');
    const src = backend.typedArrayFromHeap(wt);
    const dst = backend.typedArrayFromHeap(f);
    const tap = ci * co;
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) {
        const srcTap = ((kh - 1 - a) * kw + (kw - 1 - b)) * tap;
        dst.set(src.subarray(srcTap, srcTap + tap), (a * kw + b) * tap);
      }
    free(backend, wt);
    return f;
  });
  return inputGradViaConv(backend, dy, info, flipped, [kh, kw, co, ci], 'Conv2D');
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
