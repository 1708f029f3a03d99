// Mean over the axes before the channel axis in one pass (see reduce.ts); the built-in otherwise.
import { type KernelConfig, type KernelFunc, Mean } from '@tensorflow/tfjs-core';
import { reduceKernel } from '../reduce.js';

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: reduceKernel(true) as unknown as KernelFunc,
};
