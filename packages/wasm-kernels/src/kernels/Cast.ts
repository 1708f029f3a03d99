// Same-dtype Cast as a second reference to the input's buffer (see share-buffer.ts); the built-in otherwise.
import { Cast, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { shareBuffer } from '../share-buffer.js';

export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: shareBuffer(Cast, true) as unknown as KernelFunc,
};
