// DepthwiseConv2dNativeBackpropFilter (missing from tfjs-backend-wasm 4.22): one pass over x and
// dy (no matrix product exists for it), a SIMD row loop on the backend's memory where the
// multiplier is 1, dilation 1 and channels % 4 == 0, with float64 sums of per-row partials.
import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { depthwiseInfo } from '../conv-common.js';
import { free, heapOffset } from '../heap.js';
import { simdRowKernel } from '../simd.js';

function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = depthwiseInfo(x.shape, attrs.filterShape, attrs);
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
  const simdRow =
    mult === 1 && dh === 1 && dwl === 1 && c % 4 === 0 ? simdRowKernel(backend.wasm.asm?.memory) : null;
  if (simdRow) {
    // SIMD path: per (image, output row, filter row) the kernel sums x * dy along the output
    // columns for each filter column into a heap scratch row; rows fold into float64 here.
    const scratch = backend.makeOutput([kw * c], 'float32');
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    const sv = backend.typedArrayFromHeap(scratch);
    const xPtr = heapOffset(backend, x);
    const dyPtr = heapOffset(backend, dy);
    const sPtr = heapOffset(backend, scratch);
    const acc = new Float64Array(kh * kw * c);
    const jlo: number[] = [];
    const jhi: number[] = [];
    for (let q = 0; q < kw; q++) {
      jlo.push(Math.max(0, Math.ceil((pl - q) / sw)));
      jhi.push(Math.min(wo, Math.floor((wd - 1 - q + pl) / sw) + 1));
    }
    for (let b = 0; b < n; b++)
      for (let i = 0; i < ho; i++)
        for (let a = 0; a < kh; a++) {
          const ih = i * sh + a - pt;
          if (ih < 0 || ih >= h) continue;
          sv.fill(0);
          for (let q = 0; q < kw; q++) {
            const j0 = jlo[q] as number;
            const count = (jhi[q] as number) - j0;
            if (count <= 0) continue;
            simdRow(
              xPtr + ((b * h + ih) * wd + j0 * sw + q - pl) * c * 4,
              sw * c * 4,
              dyPtr + ((b * ho + i) * wo + j0) * c * 4,
              sPtr + q * c * 4,
              count,
              c / 4,
            );
          }
          const base = a * kw * c;
          for (let t = 0; t < kw * c; t++) acc[base + t] = (acc[base + t] as number) + (sv[t] as number);
        }
    free(backend, scratch);
    const o = backend.typedArrayFromHeap(out);
    for (let t = 0; t < acc.length; t++) o[t] = acc[t] as number;
    return out;
  }
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  const xs = backend.typedArrayFromHeap(x);
  const dys = backend.typedArrayFromHeap(dy);
  // Per-row float64 partial sums keep the long reductions (N*Ho*Wo terms) accurate.
  const acc = new Float64Array(kh * kw * co);
  const row = new Float32Array(kw * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let a = 0; a < kh; a++) {
        const ih = i * sh + a * dh - pt;
        if (ih < 0 || ih >= h) continue;
        row.fill(0);
        for (let j = 0; j < wo; j++) {
          const dyBase = ((b * ho + i) * wo + j) * co;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q * dwl - pl;
            if (iw < 0 || iw >= wd) continue;
            const xBase = ((b * h + ih) * wd + iw) * c;
            const rBase = q * co;
            if (mult === 1) {
              for (let ch = 0; ch < c; ch++)
                row[rBase + ch] =
                  (row[rBase + ch] as number) + (xs[xBase + ch] as number) * (dys[dyBase + ch] as number);
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xv = xs[xBase + ch] as number;
                for (let m = 0; m < mult; m++) {
                  const o = ch * mult + m;
                  row[rBase + o] = (row[rBase + o] as number) + xv * (dys[dyBase + o] as number);
                }
              }
            }
          }
        }
        const accBase = a * kw * co;
        for (let t = 0; t < kw * co; t++)
          acc[accBase + t] = (acc[accBase + t] as number) + (row[t] as number);
      }
  const o = backend.typedArrayFromHeap(out);
  for (let t = 0; t < acc.length; t++) o[t] = acc[t] as number;
  return out;
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
