import { AddN, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

/**
 * AddN for any number of inputs. tfjs-backend-webgpu's own AddN binds every input as a storage
 * buffer in one shader, so past `maxStorageBuffersPerShaderStage - 1` inputs (7 on a device with
 * the default limit 8) pipeline creation fails and the result is garbage. Here larger sums are
 * a tree of sums of at most that many inputs, each by the original kernel (summation order
 * changes, so results can differ from the cpu backend in the last bits).
 */
let original: KernelFunc | undefined;

interface DeviceBackend {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): void;
}

function addNChunked(args: { inputs: TensorInfo[]; backend: unknown; attrs?: unknown }): TensorInfo {
  const run = original as KernelFunc;
  const backend = args.backend as DeviceBackend;
  const limit = backend.device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
  const max = Math.max(2, limit - 1);
  let level = args.inputs as TensorInfo[];
  if (level.length <= max) return run(args as never) as TensorInfo;
  const temps: TensorInfo[] = [];
  while (level.length > max) {
    const next: TensorInfo[] = [];
    for (let i = 0; i < level.length; i += max) {
      const chunk = level.slice(i, i + max);
      if (chunk.length === 1) next.push(chunk[0] as TensorInfo);
      else {
        const sum = run({ inputs: chunk, backend: args.backend, attrs: {} } as never) as TensorInfo;
        temps.push(sum);
        next.push(sum);
      }
    }
    level = next;
  }
  const out = run({ inputs: level, backend: args.backend, attrs: {} } as never) as TensorInfo;
  for (const t of temps) backend.disposeData(t.dataId);
  return out;
}

export const addNConfig: KernelConfig = {
  kernelName: AddN,
  backendName: 'webgpu',
  kernelFunc: addNChunked as unknown as KernelFunc,
};

/** Called by registerWebGpuKernels with the backend's own AddN, which this one wraps. */
export function wrapOriginalAddN(kernel: KernelConfig): void {
  original = kernel.kernelFunc;
}
