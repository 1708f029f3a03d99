// Identity as a second reference to the input's buffer (see share-buffer.ts).
import { Identity, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { shareBuffer } from '../share-buffer.js';

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: shareBuffer(Identity) as unknown as KernelFunc,
};
