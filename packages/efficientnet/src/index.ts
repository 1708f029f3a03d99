// Node entry of @op-screen/efficientnet: everything of the browser entry, plus file-system loaders
// and savers, weight downloads and the cache (backend selection is @op-screen/backend's). Weights given as a path are
// read from disk here (the browser entry's loadTorchvisionWeights takes bytes only).

// Backend selection moved to @op-screen/backend; these re-exports are deprecated (next major).
export {
  /** @deprecated Import from `@op-screen/backend`. */
  type AdapterInfoLike,
  /** @deprecated Import from `@op-screen/backend`. */
  type AdapterSummary,
  /** @deprecated Import from `@op-screen/backend`. */
  BACKEND_ORDER,
  /** @deprecated Import from `@op-screen/backend`. */
  type BackendAttempt,
  /** @deprecated Import from `@op-screen/backend`. */
  type BackendInfo,
  /** @deprecated Import from `@op-screen/backend`. */
  type BackendName,
  /** @deprecated Import from `@op-screen/backend`. */
  backendCandidates,
  cacheDir,
  /** @deprecated Import from `@op-screen/backend`. */
  cudaVisibility,
  /** @deprecated Import from `@op-screen/backend`. */
  describeBackend,
  /** @deprecated Import from `@op-screen/backend`. */
  firstUsable,
  /** @deprecated Import from `@op-screen/backend`. */
  initBackend,
  /** @deprecated Import from `@op-screen/backend`. */
  isSoftwareAdapterInfo,
  /** @deprecated Import from `@op-screen/backend`. */
  probeWebGpuAdapter,
  /** @deprecated Import from `@op-screen/backend`. */
  quietCpuBackend,
  /** @deprecated Import from `@op-screen/backend`. */
  type SelectBackendOptions,
  /** @deprecated Import from `@op-screen/backend`. */
  selectBackend,
  /** @deprecated Import from `@op-screen/backend`. */
  type WebGpuAdapterReport,
  /** @deprecated Import from `@op-screen/backend`. */
  webgpuVerdict,
} from '@op-screen/backend';
export * from './browser.js';
export { type ForwardResult, forwardTorchvision, zooListing } from './forward.js';
export { type FileHandlerOptions, fileSystemHandler, loadModel, saveModel } from './io.js';
export { kerasMapping, loadKerasH5Weights } from './keras.js';
export { zooLayersModule } from './layers-module.js';
export { loadTfjsLayersWeights, readTfjsLayersWeights } from './tfjs-layers.js';
export { loadTorchvisionWeights } from './torchvision-node.js';
export {
  cachedWeightsPath,
  type DownloadOptions,
  downloadSource,
  downloadWeights,
  type ResolveWeightsOptions,
  resolveWeights,
  sha256File,
  type WeightsLocation,
  weightSource,
} from './weights.js';
