export { backendPreference } from './backend-env.js';
// Names that moved to their own packages, kept here (deprecated) until the next major version.
export * from './deprecated.js';
export { type DoctorReport, doctor } from './doctor.js';
export { OpScreenError, type OpScreenErrorCode } from './errors.js';
export { type GradCamOptions, type GradCamResult, gradCam } from './gradcam.js';
export {
  type PredictedImage,
  type PredictOptions,
  type PredictResult,
  predictManifest,
} from './predict/index.js';
export { type MetricBlock, metricBlockSchema, type Report, reportSchema } from './report/schema.js';
export type {
  Calibration,
  CalibrationBlock,
  SampleSize,
  SubgroupAnalysis,
  SubgroupResult,
  Subgroups,
  Tripod,
  TripodItem,
} from './report/sections.js';
export { buildTripod, TRIPOD_AI_REFERENCE, type TripodContext } from './report/tripod.js';
export { createPreparer, defaultDeps, efficientnetEngine, pipelineSpec } from './reproduce/ports.js';
export { calibrationBlock } from './reproduce/stages/calibration.js';
export { AGE_BANDS, ageBand, SUBGROUP_MIN_PER_CLASS, subgroupResults } from './reproduce/stages/subgroups.js';
export {
  type ReproduceDeps,
  type ReproduceOptions,
  type ReproduceResult,
  reproduce,
} from './reproduce.js';
export {
  type ConfigOverrides,
  PRESETS,
  type PresetName,
  type RunConfig,
  resolveConfig,
  runConfigSchema,
} from './run/config.js';
export type { Engine, FineTuneData, FitSummary, Preparer, TrainBatch } from './run/engine.js';
export { IMAGE_SPLIT_NOTE, type SplitUnit, type StudySplit, splitStudy } from './run/splits.js';
export { PACKAGE_NAME, VERSION } from './version.js';
