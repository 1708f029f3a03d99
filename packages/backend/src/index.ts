// @op-screen/backend: which TensorFlow.js backend op-screen computes on, chosen in one place.

export { cacheDir } from './cache.js';
export {
  type AdapterInfoLike,
  BACKEND_ORDER,
  type BackendAttempt,
  type BackendName,
  backendCandidates,
  firstUsable,
  isSoftwareAdapterInfo,
  webgpuVerdict,
} from './choice.js';
export { backendPreference, selectBackendFromEnv } from './env.js';
export { BackendError, type BackendErrorCode } from './errors.js';
export {
  type AdapterSummary,
  type BackendInfo,
  cudaVisibility,
  describeBackend,
  initBackend,
  probeWebGpuAdapter,
  quietCpuBackend,
  type SelectBackendOptions,
  selectBackend,
  type WebGpuAdapterReport,
} from './select.js';
