// Mean's gradient through the one-pass MEAN_GRAD kernel on wasm (contiguous float32 axes);
// tfjs-core's own gradient everywhere else.
import {
  engine,
  type GradConfig,
  getBackend,
  getKernel,
  Mean,
  type MeanAttrs,
  type Tensor,
} from '@tensorflow/tfjs-core';
import { builtinGradient } from '../builtins.js';
import { contiguousAxes, MEAN_GRAD } from '../names.js';

export const meanGradGradConfig: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const x = saved[0] as Tensor;
    const axes = contiguousAxes((attrs as unknown as MeanAttrs).axis, x.shape);
    if (axes === null || x.dtype !== 'float32' || getBackend() !== 'wasm' || !getKernel(MEAN_GRAD, 'wasm')) {
      return builtinGradient(Mean).gradFunc(dy, saved, attrs);
    }
    return {
      x: () =>
        engine().runKernel(MEAN_GRAD, { dy: dy as Tensor }, { shape: x.shape, axes } as never) as Tensor,
    };
  },
};
