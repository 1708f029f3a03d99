// @op-screen/study: the study's data contracts, one place each. No side effects at import.
export {
  type AtomicWriteOptions,
  assertNewFileWritable,
  readJson,
  writeFileAtomic,
  writeJsonAtomic,
} from './atomic.js';
export { StudyError, type StudyErrorCode } from './errors.js';
export {
  detectDelimiter,
  EXCLUDE_REASONS,
  type ExcludeReason,
  excludedCounts,
  formatRoi,
  LEVEL_NAMES,
  MANIFEST_COLUMNS,
  MANIFEST_DELIMITERS,
  type Manifest,
  type ManifestColumn,
  type ManifestDelimiter,
  type ManifestLevel,
  type ManifestOptions,
  type ManifestRecord,
  type ManifestRow,
  type ManifestSequence,
  manifestCsv,
  manifestRecordFields,
  manifestRecordSchema,
  type PixelBox,
  parseManifest,
  REQUIRED_COLUMNS,
  readManifest,
  type SkippedRow,
  skippedToCsv,
} from './manifest.js';
export {
  type CellEdit,
  type EditOptions,
  editManifestCells,
  type ManifestTable,
  readManifestTable,
} from './manifest-edit.js';
export {
  DEFAULT_THRESHOLD,
  type ModelCard,
  modelCardSchema,
  readModelCard,
  resolveModelDir,
  writeModelCard,
} from './model-card.js';
export {
  isRunPredictions,
  PREDICTION_COLUMNS,
  type PredictionRecord,
  predictionsCsv,
  type RunResultRows,
  runResultRows,
} from './predictions-csv.js';
export {
  differingKeys,
  foldModelDir,
  lockRunDir,
  MODEL_CARD,
  type PreparedRun,
  prepareRunDir,
  RUN_LOCK,
  type RunPaths,
  releaseRunDirLock,
  runPaths,
  stableStringify,
} from './run-dir.js';
