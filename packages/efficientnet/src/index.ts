// Node entry of @op-screen/efficientnet: everything of the browser entry, plus file-system loaders
// and savers, weight downloads and the cache, and backend selection. Weights given as a path are
// read from disk here (the browser entry's loadTorchvisionWeights takes bytes only).

export {
  type AdapterInfoLike,
  type AdapterSummary,
  BACKEND_ORDER,
  type BackendAttempt,
  type BackendInfo,
  type BackendName,
  backendCandidates,
  cudaVisibility,
  describeBackend,
  firstUsable,
  initBackend,
  isSoftwareAdapterInfo,
  probeWebGpuAdapter,
  quietCpuBackend,
  type SelectBackendOptions,
  selectBackend,
  type WebGpuAdapterReport,
  webgpuVerdict,
} from './backend.js';
export * from './browser.js';
export { cacheDir } from './cache.js';
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
