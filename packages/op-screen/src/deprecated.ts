// Public names that moved out of the facade (issue 24), re-exported under their old names so code
// importing them from `@op-screen/op-screen` keeps working. Each is deprecated: import it from
// the package named on it. They go at the next major version.
import * as pipeline from '@op-screen/pipeline';
import * as pre from '@op-screen/preprocess';
import * as study from '@op-screen/study';
import * as synth from '@op-screen/synth';

/** @deprecated Import `detectDelimiter` from `@op-screen/study`. */
export const detectDelimiter = study.detectDelimiter;
/** @deprecated Import `MANIFEST_DELIMITERS` from `@op-screen/study`. */
export const MANIFEST_DELIMITERS = study.MANIFEST_DELIMITERS;
/** @deprecated Import `manifestRecordSchema` from `@op-screen/study`. */
export const manifestRecordSchema = study.manifestRecordSchema;
/** @deprecated Import `parseManifest` from `@op-screen/study`. */
export const parseManifest = study.parseManifest;
/** @deprecated Import `readManifest` from `@op-screen/study`. */
export const readManifest = study.readManifest;
/** @deprecated Import `Manifest` from `@op-screen/study`. */
export type Manifest = study.Manifest;
/** @deprecated Import `ManifestDelimiter` from `@op-screen/study`. */
export type ManifestDelimiter = study.ManifestDelimiter;
/** @deprecated Import `ManifestOptions` from `@op-screen/study`. */
export type ManifestOptions = study.ManifestOptions;
/** @deprecated Import `ManifestRow` from `@op-screen/study`. */
export type ManifestRow = study.ManifestRow;
/** @deprecated Import `PixelBox` from `@op-screen/study` (it is `@op-screen/mri-io`'s `Rect`). */
export type PixelBox = study.PixelBox;
/** @deprecated Import `SkippedRow` from `@op-screen/study`. */
export type SkippedRow = study.SkippedRow;

/** @deprecated Import `oracleAucs` from `@op-screen/synth`. */
export const oracleAucs = synth.oracleAucs;
/** @deprecated Import `oraclePosterior` from `@op-screen/synth`. */
export const oraclePosterior = synth.oraclePosterior;
/** @deprecated Import `readSynthSidecar` from `@op-screen/synth`. */
export const readSynthSidecar = synth.readSynthSidecar;
/** @deprecated Import `SYNTH_GENERATOR_VERSION` from `@op-screen/synth`. */
export const SYNTH_GENERATOR_VERSION = synth.SYNTH_GENERATOR_VERSION;
/** @deprecated Import `SYNTH_PARAMS` from `@op-screen/synth`. */
export const SYNTH_PARAMS = synth.SYNTH_PARAMS;
/** @deprecated Import `sidecarOracle` from `@op-screen/synth`. */
export const sidecarOracle = synth.sidecarOracle;
/** @deprecated Import `synthSidecarPath` from `@op-screen/synth`. */
export const synthSidecarPath = synth.synthSidecarPath;
/** @deprecated Import `synthSidecarSchema` from `@op-screen/synth`. */
export const synthSidecarSchema = synth.synthSidecarSchema;
/** @deprecated Import `writeSyntheticCohort` from `@op-screen/synth`. */
export const writeSyntheticCohort = synth.writeSyntheticCohort;
/** @deprecated Import `OracleAuc` from `@op-screen/synth`. */
export type OracleAuc = synth.OracleAuc;
/** @deprecated Import `OracleSummary` from `@op-screen/synth`. */
export type OracleSummary = synth.OracleSummary;
/** @deprecated Import `PatientPosterior` from `@op-screen/synth`. */
export type PatientPosterior = synth.PatientPosterior;
/** @deprecated Import `SynthOptions` from `@op-screen/synth`. */
export type SynthOptions = synth.SynthOptions;
/** @deprecated Import `SynthResult` from `@op-screen/synth`. */
export type SynthResult = synth.SynthResult;
/** @deprecated Import `SynthSidecar` from `@op-screen/synth`. */
export type SynthSidecar = synth.SynthSidecar;

/** @deprecated Import `centralMedian` from `@op-screen/preprocess`. */
export const centralMedian = pre.centralMedian;
/** @deprecated Import `vbqScore` from `@op-screen/preprocess`. */
export const vbqScore = pre.vbqScore;

// Moved to @op-screen/pipeline (the study's pipeline as a library).
/** @deprecated Import `AGE_BANDS` from `@op-screen/pipeline`. */
export const AGE_BANDS = pipeline.AGE_BANDS;
/** @deprecated Import `ageBand` from `@op-screen/pipeline`. */
export const ageBand = pipeline.ageBand;
/** @deprecated Import `SUBGROUP_MIN_PER_CLASS` from `@op-screen/pipeline`. */
export const SUBGROUP_MIN_PER_CLASS = pipeline.SUBGROUP_MIN_PER_CLASS;
/** @deprecated Import `subgroupResults` from `@op-screen/pipeline`. */
export const subgroupResults = pipeline.subgroupResults;
/** @deprecated Import `calibrationBlock` from `@op-screen/pipeline`. */
export const calibrationBlock = pipeline.calibrationBlock;
/** @deprecated Import `buildTripod` from `@op-screen/pipeline`. */
export const buildTripod = pipeline.buildTripod;
/** @deprecated Import `TRIPOD_AI_REFERENCE` from `@op-screen/pipeline`. */
export const TRIPOD_AI_REFERENCE = pipeline.TRIPOD_AI_REFERENCE;
/** @deprecated Import `createPreparer` from `@op-screen/pipeline`. */
export const createPreparer = pipeline.createPreparer;
/** @deprecated Import `defaultDeps` from `@op-screen/pipeline`. */
export const defaultDeps = pipeline.defaultDeps;
/** @deprecated Import `efficientnetEngine` from `@op-screen/pipeline`. */
export const efficientnetEngine = pipeline.efficientnetEngine;
/** @deprecated Import `pipelineSpec` from `@op-screen/pipeline`. */
export const pipelineSpec = pipeline.pipelineSpec;
/** @deprecated Import `IMAGE_SPLIT_NOTE` from `@op-screen/pipeline`. */
export const IMAGE_SPLIT_NOTE = pipeline.IMAGE_SPLIT_NOTE;
/** @deprecated Import `splitStudy` from `@op-screen/pipeline`. */
export const splitStudy = pipeline.splitStudy;
/** @deprecated Import `Calibration` from `@op-screen/pipeline`. */
export type Calibration = pipeline.Calibration;
/** @deprecated Import `CalibrationBlock` from `@op-screen/pipeline`. */
export type CalibrationBlock = pipeline.CalibrationBlock;
/** @deprecated Import `SampleSize` from `@op-screen/pipeline`. */
export type SampleSize = pipeline.SampleSize;
/** @deprecated Import `SubgroupAnalysis` from `@op-screen/pipeline`. */
export type SubgroupAnalysis = pipeline.SubgroupAnalysis;
/** @deprecated Import `SubgroupResult` from `@op-screen/pipeline`. */
export type SubgroupResult = pipeline.SubgroupResult;
/** @deprecated Import `Subgroups` from `@op-screen/pipeline`. */
export type Subgroups = pipeline.Subgroups;
/** @deprecated Import `Tripod` from `@op-screen/pipeline`. */
export type Tripod = pipeline.Tripod;
/** @deprecated Import `TripodItem` from `@op-screen/pipeline`. */
export type TripodItem = pipeline.TripodItem;
/** @deprecated Import `TripodContext` from `@op-screen/pipeline`. */
export type TripodContext = pipeline.TripodContext;
/** @deprecated Import `Engine` from `@op-screen/pipeline`. */
export type Engine = pipeline.Engine;
/** @deprecated Import `FineTuneData` from `@op-screen/pipeline`. */
export type FineTuneData = pipeline.FineTuneData;
/** @deprecated Import `FitSummary` from `@op-screen/pipeline`. */
export type FitSummary = pipeline.FitSummary;
/** @deprecated Import `Preparer` from `@op-screen/pipeline`. */
export type Preparer = pipeline.Preparer;
/** @deprecated Import `TrainBatch` from `@op-screen/pipeline`. */
export type TrainBatch = pipeline.TrainBatch;
/** @deprecated Import `SplitUnit` from `@op-screen/pipeline`. */
export type SplitUnit = pipeline.SplitUnit;
/** @deprecated Import `StudySplit` from `@op-screen/pipeline`. */
export type StudySplit = pipeline.StudySplit;
