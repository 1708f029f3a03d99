// Sum over the axes before the channel axis in one pass (see reduce.ts); the built-in otherwise.
import { type KernelConfig, type KernelFunc, Sum } from '@tensorflow/tfjs-core';
import { reduceKernel } from '../reduce.js';

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: reduceKernel(false) as unknown as KernelFunc,
};
