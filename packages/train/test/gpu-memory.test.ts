import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  activationFloatsPerSample,
  gpuMicroBatch,
  largestActivationFloatsPerSample,
  planGpuMicroBatch,
} from '../src/index.js';

const MiB = 2 ** 20;
// Mesa 22.3.6 llvmpipe through Dawn's GLES backend: 2 GiB buffers, 128 MiB bindings (bench/gpu/RESULTS.md).
const LLVMPIPE = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 128 * MiB };
const BIG_GPU = { maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 2 ** 31 - 4 };

describe('gpuMicroBatch (pure)', () => {
  it('takes the whole shard when its largest tensor fits the smaller of the two buffer limits', () => {
    const req = { largestTensorBytesPerSample: 1 * MiB, tapeBytesPerSample: 40 * MiB, shard: 64 };
    expect(gpuMicroBatch({ ...req, limits: BIG_GPU })).toBe(64);
    // 128 MiB binding limit, 1 MiB per sample: at most 128 samples, so 64 still fit
    expect(gpuMicroBatch({ ...req, limits: LLVMPIPE })).toBe(64);
    expect(gpuMicroBatch({ ...req, largestTensorBytesPerSample: 3 * MiB, limits: LLVMPIPE })).toBe(42);
    // maxBufferSize binds when it is the smaller one
    expect(
      gpuMicroBatch({ ...req, limits: { maxBufferSize: 10 * MiB, maxStorageBufferBindingSize: 2 ** 30 } }),
    ).toBe(10);
  });

  it('bounds the tape by a memory budget when one is given, and says 0 when one sample does not fit', () => {
    const req = {
      largestTensorBytesPerSample: 1 * MiB,
      tapeBytesPerSample: 40 * MiB,
      shard: 64,
      limits: BIG_GPU,
    };
    expect(gpuMicroBatch({ ...req, memoryBudgetBytes: 400 * MiB })).toBe(10);
    expect(gpuMicroBatch({ ...req, largestTensorBytesPerSample: 200 * MiB, limits: LLVMPIPE })).toBe(0);
    expect(() => gpuMicroBatch({ ...req, shard: 0 })).toThrow(/shard >= 1/);
  });
});

describe('planGpuMicroBatch', () => {
  const model = (size: number) =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 16, kernelSize: 3, padding: 'same' }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 1 }),
      ],
    });

  it('measures the largest activation per sample and plans whole batches or the largest pass that fits', () => {
    const m = model(64);
    expect(largestActivationFloatsPerSample(m)).toBe(64 * 64 * 16);
    expect(activationFloatsPerSample(m)).toBe(64 * 64 * 16 + 16 + 1);
    expect(planGpuMicroBatch(m, 32, BIG_GPU)).toBeUndefined();
    // 256 KiB per sample against 1 MiB: 4 samples per pass
    expect(planGpuMicroBatch(m, 32, { maxBufferSize: MiB, maxStorageBufferBindingSize: MiB })).toBe(4);
    expect(() =>
      planGpuMicroBatch(m, 32, { maxBufferSize: 1000, maxStorageBufferBindingSize: 1000 }),
    ).toThrow(expect.objectContaining({ code: 'GPU_BUFFER_TOO_SMALL' }));
    m.dispose();
  });
});
