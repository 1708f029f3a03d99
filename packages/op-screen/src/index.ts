// @op-screen/op-screen: the CLI and the one import for the study end to end. `reproduce` here adds
// the queue (@op-screen/queue) to @op-screen/pipeline's; the rest is re-exported from the packages
// that own it.
export { backendPreference } from '@op-screen/backend';
export {
  type ConfigOverrides,
  type GradCamOptions,
  type GradCamResult,
  gradCam,
  type MetricBlock,
  metricBlockSchema,
  OpScreenError,
  type OpScreenErrorCode,
  PRESETS,
  type PredictedImage,
  type PredictOptions,
  type PredictResult,
  type PresetName,
  predictManifest,
  type Report,
  type ReproduceDeps,
  type ReproduceResult,
  type RunConfig,
  reportSchema,
  resolveConfig,
  runConfigSchema,
} from '@op-screen/pipeline';
// Names that moved to their own packages, kept here (deprecated) until the next major version.
export * from './deprecated.js';
export { type DoctorReport, doctor } from './doctor.js';
export { type ReproduceOptions, reproduce } from './reproduce.js';
export { PACKAGE_NAME, VERSION } from './version.js';
