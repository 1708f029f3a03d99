// The memory plan of training on webgpu: one process (the GPU already runs every sample in
// parallel, so no worker replicas), and micro-batches as large as the adapter's buffer limits
// allow. WebGPU does not say how much device memory there is; what it does say is how large one
// buffer may be (maxBufferSize) and how much of one a shader may bind (maxStorageBufferBindingSize).
// tfjs-backend-webgpu keeps every tensor in its own storage buffer, so the largest activation of a
// pass (and its gradient, of the same size) must fit both.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainError } from './errors.js';
import { TAPE_FACTOR } from './graph.js';
import { activationFloatsPerSample } from './replica.js';

/** The adapter limits the plan reads (GPUSupportedLimits' names). */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface GpuMicroBatchRequest {
  /** Bytes of the largest single tensor a training pass allocates, per sample. */
  largestTensorBytesPerSample: number;
  /** Bytes of everything the tape keeps alive, per sample (an estimate). */
  tapeBytesPerSample: number;
  limits: GpuBufferLimits;
  /** Samples one pass would take without a limit (the batch: there is one replica on a GPU). */
  shard: number;
  /** Device memory the tape may use, when known (WebGPU does not report it): also bounds the pass. */
  memoryBudgetBytes?: number;
}

/**
 * Most samples per pass on a GPU: the shard, unless the largest tensor of a pass would exceed
 * min(maxBufferSize, maxStorageBufferBindingSize) (or the tape `memoryBudgetBytes`); 0 when not
 * even one sample fits. Pure.
 */
export function gpuMicroBatch(req: GpuMicroBatchRequest): number {
  const { largestTensorBytesPerSample: big, tapeBytesPerSample: tape, limits, shard } = req;
  if (!(big > 0) || !(tape > 0) || !(shard >= 1))
    throw new TrainError(
      'INVALID_OPTION',
      `gpuMicroBatch needs positive per-sample sizes and a shard >= 1, got ${big}, ${tape}, ${shard}`,
    );
  const perBuffer = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  let mb = Math.min(Math.floor(shard), Math.floor(perBuffer / big));
  if (req.memoryBudgetBytes !== undefined) mb = Math.min(mb, Math.floor(req.memoryBudgetBytes / tape));
  return Math.max(0, mb);
}

/** Floats per sample of the model's largest layer output (or its input, when larger). */
export function largestActivationFloatsPerSample(model: tfl.LayersModel): number {
  let most = 0;
  const perSample = (sh: Array<number | null>) => sh.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  for (const input of model.inputs) most = Math.max(most, perSample(input.shape));
  for (const l of model.layers) {
    const s = l.outputShape as unknown;
    const shapes = (Array.isArray(s) && Array.isArray(s[0]) ? s : [s]) as Array<Array<number | null>>;
    for (const sh of shapes) most = Math.max(most, perSample(sh));
  }
  return most;
}

/** The device limits of the webgpu backend in use (tfjs-backend-webgpu's `device`), else undefined. */
export function currentGpuLimits(): GpuBufferLimits | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const limits = (tf.backend() as unknown as { device?: { limits?: Partial<GpuBufferLimits> } }).device
    ?.limits;
  const a = Number(limits?.maxBufferSize);
  const b = Number(limits?.maxStorageBufferBindingSize);
  return a > 0 && b > 0 ? { maxBufferSize: a, maxStorageBufferBindingSize: b } : undefined;
}

/**
 * fineTune's `microBatch: 'auto'` on webgpu: undefined (whole batch in one pass) when the largest
 * tensor of that pass fits the adapter's buffer limits, else the largest pass that fits;
 * GPU_BUFFER_TOO_SMALL when not one sample fits.
 */
export function planGpuMicroBatch(
  model: tfl.LayersModel,
  batchSize: number,
  limits: GpuBufferLimits,
): number | undefined {
  const big = 4 * largestActivationFloatsPerSample(model);
  const mb = gpuMicroBatch({
    largestTensorBytesPerSample: big,
    tapeBytesPerSample: 4 * TAPE_FACTOR * activationFloatsPerSample(model),
    limits,
    shard: batchSize,
  });
  if (mb === 0)
    throw new TrainError(
      'GPU_BUFFER_TOO_SMALL',
      `one sample of ${model.name} needs a ${(big / 2 ** 20).toFixed(0)} MiB activation buffer, more than this WebGPU adapter allows in one buffer (maxBufferSize ${limits.maxBufferSize}, maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}); use a smaller input size`,
    );
  return mb >= batchSize ? undefined : mb;
}
