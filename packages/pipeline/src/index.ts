// @op-screen/pipeline: the study end to end as a library (reproduce, predict, the report). The CLI
// and the BullMQ queue are wiring on top of it (@op-screen/op-screen, @op-screen/queue).
export { OpScreenError, type OpScreenErrorCode } from './errors.js';
export { type GradCamOptions, type GradCamResult, gradCam } from './gradcam.js';
export {
  type PredictedImage,
  type PredictOptions,
  type PredictResult,
  predictManifest,
} from './predict/index.js';
export { f3 } from './report/format.js';
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
export { autoJobs, type UnitMessage, unitMemoryBytes } from './reproduce/local-jobs.js';
export {
  createPreparer,
  defaultDeps,
  efficientnetEngine,
  mriIoSliceReader,
  pipelineSpec,
  roiCropper,
  trainerWorkers,
} from './reproduce/ports.js';
export { calibrationBlock } from './reproduce/stages/calibration.js';
export { weightsSha256 } from './reproduce/stages/outputs.js';
export { AGE_BANDS, ageBand, SUBGROUP_MIN_PER_CLASS, subgroupResults } from './reproduce/stages/subgroups.js';
export type { PendingFold } from './reproduce/stages/training.js';
export { type TrainingUnit, trainUnit } from './reproduce/unit.js';
export {
  type GradCamImage,
  type ReproduceDeps,
  type ReproduceOptions,
  type ReproduceResult,
  reproduce,
  type UnitExecutor,
  type UnitExecutorContext,
} from './reproduce.js';
export {
  type ConfigOverrides,
  PRESETS,
  type PresetName,
  type RunConfig,
  resolveConfig,
  runConfigSchema,
} from './run/config.js';
export { loadVertebrae, withoutDirectories } from './run/data.js';
export type { Engine, EpochRecord, FineTuneData, FitSummary, Preparer, TrainBatch } from './run/engine.js';
export {
  countSharedPatients,
  IMAGE_SPLIT_NOTE,
  type SplitUnit,
  type StudySplit,
  splitStudy,
  splitSyntheticPatients,
} from './run/splits.js';
export { RunTimer } from './run/timing.js';
