// Convolution helpers shared by the conv and depthwise kernels: shapes, zero-dilation of dy, the
// input gradient as a stride-1 convolution, and the depthwise tap walk.
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend.js';
import { free, runWasm } from './heap.js';

export type Conv2DInfo = backend_util.Conv2DInfo;

/** Upper bound (floats) for one im2col buffer; larger batches are processed in chunks. */
export const IM2COL_BUDGET = 1 << 25;

export const VALID_STRIDE1 = { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' };

/**
 * Writes dy [N,Ho,Wo,C] into a zeroed [N,Hp,Wp,C] buffer at rows oh*sh+offT, cols ow*sw+offL
 * (entries falling outside are dropped: they only ever met padding in the forward pass).
 */
export function dilateInto(
  dy: Float32Array,
  out: Float32Array,
  n: number,
  ho: number,
  wo: number,
  c: number,
  hp: number,
  wp: number,
  sh: number,
  sw: number,
  offT: number,
  offL: number,
): void {
  out.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const r = i * sh + offT;
      if (r < 0 || r >= hp) continue;
      const rowBase = (b * hp + r) * wp;
      const srcRow = (b * ho + i) * wo * c;
      for (let j = 0; j < wo; j++) {
        const col = j * sw + offL;
        if (col < 0 || col >= wp) continue;
        out.set(dy.subarray(srcRow + j * c, srcRow + j * c + c), (rowBase + col) * c);
      }
    }
  }
}

/** Gradient w.r.t. the input of a (depthwise) convolution via a stride-1 'valid' convolution. */
export function inputGradViaConv(
  backend: WasmBackendLike,
  dy: TensorInfo,
  info: Conv2DInfo,
  flippedFilter: ((dst: Float32Array) => void) | TensorInfo,
  flippedShape: number[],
  convKernel: string,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = info;
  const c = dy.shape[3] as number;
  const hp = h + kh - 1;
  const wp = w + kw - 1;
  const buf = backend.makeOutput([n, hp, wp, c], 'float32');
  const filt =
    typeof flippedFilter === 'function' ? backend.makeOutput(flippedShape, 'float32') : flippedFilter;
  // Views are taken after every allocation: growing the wasm heap detaches older views.
  dilateInto(
    backend.typedArrayFromHeap(dy),
    backend.typedArrayFromHeap(buf),
    n,
    info.outHeight,
    info.outWidth,
    c,
    hp,
    wp,
    info.strideHeight,
    info.strideWidth,
    kh - 1 - info.padInfo.top,
    kw - 1 - info.padInfo.left,
  );
  if (typeof flippedFilter === 'function') flippedFilter(backend.typedArrayFromHeap(filt));
  const out = runWasm(convKernel, backend, { x: buf, filter: filt }, VALID_STRIDE1);
  free(backend, buf);
  if (typeof flippedFilter === 'function') free(backend, filt);
  return out;
}

export function isPointwiseUnpadded(info: Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1
  );
}

export function depthwiseInfo(
  xShape: number[],
  filterShape: number[],
  attrs: {
    strides: number | [number, number];
    dilations?: number | [number, number] | null;
    pad: unknown;
    dimRoundingMode?: unknown;
  },
): Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1, // tfjs-layers passes null for "no dilation"
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    true,
  );
}

/**
 * Walks a depthwise convolution (NHWC, float32, channels a multiple of 4) as row segments: for
 * every (image, output row, filter tap) the output columns whose input column is inside the
 * image, as byte offsets of their first output pixel, first input pixel and the tap's weights,
 * and their count. The forward gathers along these segments, the input gradient scatters.
 */
export function forEachDepthwiseTap(
  info: Conv2DInfo,
  visit: (outOff: number, inOff: number, wOff: number, count: number) => void,
): void {
  const { batchSize: n, inHeight: h, inWidth: wd, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const row = c * 4;
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
        for (let q = 0; q < kw; q++) {
          const j0 = jlo[q] as number;
          const count = (jhi[q] as number) - j0;
          if (count <= 0) continue;
          visit(
            ((b * ho + i) * wo + j0) * row,
            ((b * h + ih) * wd + j0 * sw + q - pl) * row,
            (a * kw + q) * row,
            count,
          );
        }
      }
}
