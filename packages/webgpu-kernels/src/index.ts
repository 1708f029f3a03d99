export { WebGpuError, type WebGpuErrorCode } from './errors.js';
export {
  BATCH_NORM_GRAD_SUMS,
  MEAN_GRAD,
  registerWebGpuKernels,
  SILU_GRAD,
  WEBGPU_KERNELS,
} from './kernels/index.js';
export type { MeanGradAttrs } from './kernels/mean-grad.js';
export { ensureMesaForTests } from './mesa-setup.js';
export {
  type AdapterSummary,
  type CreateNodeGpuOptions,
  createNodeGpu,
  defaultLibraryDirs,
  describeAdapter,
  findGpuDevices,
  findMesaLibraries,
  findVulkanLoader,
  type GpuAdapterLike,
  type GpuDeviceLike,
  isSoftwareAdapter,
  loadDawn,
  MESA_DEBIAN_PACKAGES,
  type NodeGpu,
} from './node-gpu.js';
export { loadTfjsWebGpu, type RegisterWebGpuBackendOptions, registerWebGpuBackend } from './tfjs-backend.js';
