// Browser entry of @op-screen/efficientnet (the `browser` export condition): the zoo without
// file-system, download and backend-selection code. Set a backend yourself (tf.setBackend('webgl')
// or 'wasm'), load saved models with loadModelFrom(url | File[]), weights from bytes.
/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/efficientnet' as const;

export type { BlockRow, EfficientNetConfig } from './arch/efficientnet.js';
export { buildEfficientNet, makeDivisible } from './arch/efficientnet.js';
export { buildKerasResNet, type KerasResNetConfig } from './arch/keras-resnet.js';
export type { ModelOptions } from './arch/options.js';
export { buildResNet, type ResNetConfig } from './arch/resnet.js';
export { type BackboneOptions, backboneWithHead } from './backbone.js';
export { ZooError, type ZooErrorCode } from './errors.js';
export { foldBatchNorm } from './fold.js';
export { type GradCamOptions, type GradCamResult, gradCam } from './gradcam.js';
export {
  checkPreprocessing,
  classifyImageNet,
  type ImageNetClass,
  imagenetInput,
  type RgbImage,
  top5,
} from './imagenet.js';
export { IMAGENET_CLASSES } from './imagenet-classes.js';
export { loadModelFrom, type ModelSource } from './io-browser.js';
export { applyKerasMapping, type KerasTensorSource, kerasResNetMapping } from './keras-load.js';
export { registerZooLayers, SiLU, StochasticDepth, type StochasticDepthArgs } from './layers.js';
export { countParameters, freezeStages, listStages, setStagesTrainable, stageOf } from './model-utils.js';
export {
  ARCH_NAMES,
  type ArchEntry,
  type ArchName,
  createModel,
  getArch,
  isArchName,
  listArchitectures,
  type Preprocessing,
  type WeightSource,
  ZOO,
} from './registry.js';
export { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.js';
export { SILU_GRAD_KERNEL, silu } from './silu.js';
export { nchwToNhwc, nhwcToNchw } from './tensor-utils.js';
export { readTorchCheckpoint } from './torch-pickle.js';
export {
  type LayoutTransform,
  type LoadOptions,
  type LoadReport,
  loadTorchvisionWeights,
  readStateDict,
  sumInputChannels,
  torchvisionMapping,
  toTfLayout,
  type WeightMapping,
  type WeightsInput,
} from './torchvision.js';
