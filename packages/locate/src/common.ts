export { MODEL_CARD, type ModelCard } from './card.js';
export { LocateError, type LocateErrorCode, type LocateWarning, type LocateWarningCode } from './errors.js';
export {
  type FromSegmentationOptions,
  fromSegmentation,
  LABEL_TABLES,
  type LabelTableName,
} from './from-seg.js';
export { type IntensityWindow, intensityWindow, normalise } from './intensity.js';
export {
  LEVELS,
  type Level,
  type LocatedBox,
  type LocateOptions,
  type LocateResult,
  locateVertebrae,
  STUDY_LEVELS,
} from './locate.js';
export { type Locator, locatorFromBytes, predictMaps } from './locator.js';
export {
  DEFAULT_SPEC,
  decodeWeights,
  encodeWeights,
  forward,
  initParams,
  type NetSpec,
  OUTPUTS,
  type ParamDef,
  paramCount,
  paramDefs,
  SIZE_MULTIPLE,
  type WeightsHeader,
} from './model.js';
export { type Rgba, renderOverlay } from './overlay.js';
export {
  bilinear,
  type CanonicalSlice,
  canonicalDirections,
  canonicalGrid,
  type PixelMap,
  patientPoint,
  resample,
  toCanonicalPixel,
  toSourcePixel,
} from './plane.js';
export { type LocateInput, type SagittalStack, toSagittalStack } from './stack.js';
export {
  type BodyCentre,
  bodyCentres,
  L5,
  LEVEL_SCALE,
  levelIndex,
  makeSample,
  prepareCase,
  S1,
  type Sample,
  type SampleOptions,
  SLICE_REACH,
  type TrainingCase,
  VERSE_LEVELS,
} from './targets.js';
