/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/preprocess' as const;

export { BORDER_MODES, type BorderMode } from './border.js';
export { type GrayscaleOptions, grayscale, type LumaStandard, replicateChannels } from './color.js';
export { isPreprocessError, PreprocessError, type PreprocessErrorCode } from './errors.js';
export {
  type BilateralOptions,
  type BorderOptions,
  bilateralFilter,
  type GaussianOptions,
  gaussianFilter,
  type LaplacianOptions,
  laplacian,
  laplacianSharpen,
  type MedianOptions,
  medianFilter,
  type SharpenOptions,
  type UnsharpOptions,
  unsharpMask,
} from './filters.js';
export {
  type CropRect,
  centerCrop,
  composeDihedral,
  crop,
  DIHEDRAL_ELEMENTS,
  type Dihedral,
  dihedral,
  inverseDihedral,
  type LetterboxOptions,
  letterbox,
  type PadToSquareOptions,
  padToSquare,
  type RandomCropScaleOptions,
  type RandomRotateOptions,
  type RotateOptions,
  randomCropScale,
  randomDihedral,
  randomRotate,
  rotate,
} from './geometry.js';
export {
  cloneImage,
  createImage,
  type Image2D,
  type ImageShape,
  imageFromData,
  imageFromSlice,
} from './image.js';
export {
  clip,
  type IntensityJitterOptions,
  intensityJitter,
  minMax,
  minMaxNormalize,
  normalizeChannels,
  type PercentileClipOptions,
  percentileClip,
  percentiles,
  type ZScoreOptions,
  zScoreNormalize,
} from './intensity.js';
export {
  AUGMENTATION_PRESET_NAMES,
  type Augmentation,
  type AugmentationPresetName,
  type AugmentationSpec,
  type AugmentationTrace,
  createAugmentation,
  createPipeline,
  createTrainPipeline,
  DETERMINISTIC_STEPS,
  getAugmentationPreset,
  getPreset,
  type Pipeline,
  type PipelineSpec,
  PRESET_NAMES,
  type PresetName,
  RANDOM_STEPS,
  type StepSpec,
  type TrainPipeline,
} from './pipeline.js';
export { psnr, type QualityOptions, type SsimOptions, ssim } from './quality.js';
export { RESIZE_METHODS, type ResizeMethod, type ResizeOptions, resize } from './resize.js';
export { createRng, type Rng, type RngState, restoreRng } from './rng.js';
export { centralMedian, type Region, regionMedian, vbqScore } from './vbq.js';
export {
  type CheckOptions,
  CONSTANT_CROP_TOLERANCE,
  inputWarnings,
  type PipelineWarning,
  type PipelineWarningCode,
} from './warnings.js';
