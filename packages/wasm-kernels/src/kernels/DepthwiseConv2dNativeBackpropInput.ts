// DepthwiseConv2dNativeBackpropInput (missing from tfjs-backend-wasm 4.22): SIMD scatters of dy
// rows times filter taps (multiplier 1, channels % 4 == 0), else a depthwise conv of the
// zero-dilated, padded dy with the flipped filter, else (multiplier > 1, dilation) a plain loop.
import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { type Conv2DInfo, depthwiseInfo, forEachDepthwiseTap, inputGradViaConv } from '../conv-common.js';
import { heapOffset } from '../heap.js';
import { type SimdKernels, simdKernels } from '../simd.js';

/** Reference-shaped loop for the cases the fast path does not cover (multiplier > 1, dilation). */
function depthwiseInputGradLoop(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2DInfo): void {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: wd,
    inChannels: c,
    outHeight: ho,
    outWidth: wo,
    outChannels: co,
  } = info;
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dwl,
  } = info;
  const mult = co / c;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  dx.fill(0);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let a = 0; a < kh; a++) {
        const ih = i * sh + a * dh - pt;
        if (ih < 0 || ih >= h) continue;
        for (let j = 0; j < wo; j++) {
          const dyBase = ((b * ho + i) * wo + j) * co;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q * dwl - pl;
            if (iw < 0 || iw >= wd) continue;
            const dxBase = ((b * h + ih) * wd + iw) * c;
            const wBase = (a * kw + q) * co;
            for (let ch = 0; ch < c; ch++) {
              let s = 0;
              for (let m = 0; m < mult; m++)
                s += (dy[dyBase + ch * mult + m] as number) * (w[wBase + ch * mult + m] as number);
              dx[dxBase + ch] = (dx[dxBase + ch] as number) + s;
            }
          }
        }
      }
}

/**
 * Depthwise input gradient as SIMD scatters: every (image, output row, filter tap) adds dy's row
 * times the tap's weights into the input row it came from. 1.5-3x faster than the dilated-dy
 * depthwise convolution, which at stride 2 spends 3/4 of its work on inserted zeros.
 */
function depthwiseInputGradScatter(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  simd: SimdKernels,
): TensorInfo {
  const c = info.inChannels;
  const out = backend.makeOutput(info.inShape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  const dyPtr = heapOffset(backend, dy);
  const wPtr = heapOffset(backend, filter);
  const dxPtr = heapOffset(backend, out);
  forEachDepthwiseTap(info, (outOff, inOff, wOff, count) => {
    simd.dwaxpy(dyPtr + outOff, wPtr + wOff, dxPtr + inOff, info.strideWidth * c * 4, count, c / 4);
  });
  return out;
}

function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = depthwiseInfo(attrs.inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, inChannels: c } = info;
  const simd =
    info.outChannels === c && info.dilationHeight === 1 && info.dilationWidth === 1 && c % 4 === 0
      ? simdKernels(backend.wasm.asm?.memory)
      : null;
  if (simd) return depthwiseInputGradScatter(backend, dy, filter, info, simd);
  if (info.outChannels === c && info.dilationHeight === 1 && info.dilationWidth === 1) {
    return inputGradViaConv(
      backend,
      dy,
      info,
      (dst) => {
        const s = backend.typedArrayFromHeap(filter);
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const srcTap = ((kh - 1 - a) * kw + (kw - 1 - b)) * c;
            dst.set(s.subarray(srcTap, srcTap + c), (a * kw + b) * c);
          }
      },
      [kh, kw, c, 1],
      'DepthwiseConv2dNative',
    );
  }
  const out = backend.makeOutput(info.inShape, 'float32');
  depthwiseInputGradLoop(
    backend.typedArrayFromHeap(dy),
    backend.typedArrayFromHeap(filter),
    backend.typedArrayFromHeap(out),
    info,
  );
  return out;
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
