// OpScreenSiluGrad: SiLU's gradient, dx = dy * s * (1 + x * (1 - s)) with s = sigmoid(x) saved by
// the forward pass, in one SIMD pass (@op-screen/efficientnet's SiLU op dispatches to it when the
// active backend has it) instead of tfjs's sigmoid gradient (3 ops) plus the product rule.
import { type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { heapOffset as ptr } from '../heap.js';
import { SILU_GRAD } from '../names.js';
import { simdKernels } from '../simd.js';

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

export const siluGradConfig: KernelConfig = {
  kernelName: SILU_GRAD,
  backendName: 'wasm',
  kernelFunc: siluGradKernel as unknown as KernelFunc,
};
