import { engine, registerBackend, removeBackend } from '@tensorflow/tfjs-core';
import { firstLine, WebGpuError } from './errors.js';
import type { GpuDeviceLike, NodeGpu } from './node-gpu.js';

interface WebGpuBackendModule {
  WebGPUBackend: new (device: GpuDeviceLike, adapterInfo?: unknown) => unknown;
}

let backendModule: Promise<WebGpuBackendModule> | null = null;

/**
 * Loads `@tensorflow/tfjs-backend-webgpu` once (registering its kernels for `webgpu`). In Node it
 * registers no backend itself (it looks for `navigator.gpu`); {@link registerWebGpuBackend} does.
 */
export function loadTfjsWebGpu(): Promise<WebGpuBackendModule> {
  if (!backendModule) {
    const spec = '@tensorflow/tfjs-backend-webgpu';
    backendModule = (import(/* @vite-ignore */ spec) as Promise<WebGpuBackendModule>).catch(
      (err: unknown) => {
        backendModule = null;
        const code = (err as { code?: string }).code;
        const why =
          code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
            ? 'is not installed (npm install @tensorflow/tfjs-backend-webgpu@4.22.0)'
            : `failed to load: ${firstLine(err)}`;
        throw new WebGpuError('MODULE_MISSING', `${spec} ${why}`);
      },
    );
  }
  return backendModule;
}

/** WebGPUBackend's constructor checks `navigator.gpu`; Node 20 has no navigator, 21+ has one without gpu. */
function installNavigatorGpu(gpu: unknown): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu == null) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

export interface RegisterWebGpuBackendOptions {
  /** tfjs backend name (default `webgpu`: the name the backend's kernels are registered under). */
  name?: string;
  /** tfjs backend priority (default 3, as tfjs-backend-webgpu uses in browsers). */
  priority?: number;
}

/**
 * Requests a device on `gpu.adapter` with the adapter's own limits (as tfjs-backend-webgpu does
 * in a browser) and registers a tfjs backend on it; `tf.setBackend('webgpu')` then uses it.
 * Replaces an earlier registration of the same name. Returns the device (destroy it to free it).
 */
export async function registerWebGpuBackend(
  gpu: NodeGpu,
  options: RegisterWebGpuBackendOptions = {},
): Promise<GpuDeviceLike> {
  const name = options.name ?? 'webgpu';
  const g = globalThis as Record<string, unknown>;
  // tfjs-backend-webgpu reads GPUBufferUsage / GPUMapMode / GPUTextureUsage as globals.
  for (const [key, value] of Object.entries(gpu.globals)) if (!(key in g)) g[key] = value;
  // Loaded before navigator.gpu exists, so the module registers no backend of its own (its
  // browser factory asks for a core-level adapter, which the software path cannot give).
  const { WebGPUBackend } = await loadTfjsWebGpu();
  installNavigatorGpu(gpu.gpu);
  const l = gpu.adapter.limits as Record<string, number>;
  const keys = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
    // not requested by tfjs-backend-webgpu itself: without it a device gets the default (8)
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits = Object.fromEntries(keys.map((k) => [k, l[k]]));
  const requiredFeatures = gpu.adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  let device: GpuDeviceLike;
  try {
    device = await gpu.adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (err) {
    throw new WebGpuError('DEVICE_FAILED', `requestDevice failed on the WebGPU adapter: ${firstLine(err)}`);
  }
  // engine().findBackend would initialise a registered factory; look at the factories instead.
  if (name in (engine() as unknown as { registryFactory: object }).registryFactory) removeBackend(name);
  const info = gpu.adapter.info;
  registerBackend(name, () => new WebGPUBackend(device, info) as never, options.priority ?? 3);
  return device;
}
