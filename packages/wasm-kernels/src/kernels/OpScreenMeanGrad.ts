// OpScreenMeanGrad: Mean's gradient in one pass. tfjs computes dy * ones(x.shape) / n, allocating
// a full-size tensor of ones in JavaScript first; here one kernel writes dy / n broadcast over
// the reduced axes.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { MEAN_GRAD, splitShape } from '../names.js';

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

export const meanGradConfig: KernelConfig = {
  kernelName: MEAN_GRAD,
  backendName: 'wasm',
  kernelFunc: meanGradKernel as unknown as KernelFunc,
};
