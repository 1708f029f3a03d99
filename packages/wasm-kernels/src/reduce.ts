// Sum and Mean over a contiguous run of axes before the last (every bias/BN/broadcast gradient,
// BatchNorm's moments, global average pooling) on wasm: the built-in kernels first transpose the
// whole tensor; one pass with per-channel partial sums over the heap is faster and more
// accurate. Other reductions go to the built-in kernels.
import { backend_util, Mean, Sum, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend.js';
import { runBuiltin } from './builtins.js';
import { simdColSumKernel } from './simd.js';

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

export function reduceKernel(mean: boolean) {
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

    if (!contiguous || axes.includes(rank - 1) || x.dtype !== 'float32' || rank < 2) {
      return runBuiltin(mean ? Mean : Sum, args);
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
