/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/metrics' as const;

export {
  type AggregateOptions,
  aggregateByGroup,
  type GroupAggregate,
  type LabelPolicy,
  type ScorePooling,
} from './aggregate.js';
export {
  type BootstrapAucResult,
  type BootstrapOptions,
  bootstrapAucCI,
  type RocBand,
  rocConfidenceBand,
} from './bootstrap.js';
export {
  brierScore,
  type CalibrationCurve,
  type CalibrationFit,
  calibrationCurve,
  calibrationSlope,
  logLoss,
} from './calibration.js';
export { parsePredictionsCsv } from './csv.js';
export {
  averagePrecision,
  type PartialAucResult,
  type PrCurve,
  partialAuc,
  prCurve,
  type RocCurve,
  rocAuc,
  rocCurve,
  type ScoreTable,
  scoreTable,
} from './curve.js';
export { decisionCurve, type NetBenefitPoint, thresholdGrid } from './decision.js';
export {
  type DeLongResult,
  deLong,
  deLongPlacements,
  type PairedDeLongResult,
  type Placements,
  pairedDeLong,
} from './delong.js';
export { ensembleMean, type KeyedScore, meanOfMembers, mergeViews, poolOutOfFold } from './ensemble.js';
export { MetricsError, type MetricsErrorCode } from './errors.js';
export {
  type EvaluationBlock,
  type EvaluationReport,
  evaluatePredictions,
  evaluationBlock,
  type PredictionRow,
} from './evaluate.js';
export { normalCdf, normalQuantile, twoSidedP } from './normal.js';
export {
  calibrationSpec,
  confusionMatrixSpec,
  decisionCurveSpec,
  type LineSeries,
  lineChartSpec,
  prSpec,
  renderSvg,
  rocSpec,
  type VegaLiteSpec,
} from './plots.js';
export {
  applyRecalibration,
  type BandAnswer,
  type BandMetrics,
  bandAnswer,
  bandMetrics,
  chooseBand,
  fitRecalibration,
  type IndeterminateBand,
  type Recalibration,
  type RecalibrationMethod,
} from './recalibrate.js';
export { type HtmlReportOptions, renderEvaluationHtml } from './report.js';
export { createRng, deriveSeed, mulberry32, type Rng, type RngInput, shuffleInPlace } from './rng.js';
export {
  auditLeakage,
  type Fold,
  type GroupKeys,
  groupedHoldout,
  groupKFold,
  kFold,
  type LeakageReport,
  type RepeatedOptions,
  repeatedGroupKFold,
  repeatedKFold,
  repeatedStratifiedGroupKFold,
  repeatedStratifiedKFold,
  type SplitOptions,
  stratifiedGroupKFold,
  stratifiedKFold,
} from './split.js';
export {
  type SubgroupKey,
  type SubgroupOptions,
  type SubgroupResult,
  subgroupAuc,
} from './subgroup.js';
export {
  metricsFromCounts,
  type ThresholdMetrics,
  thresholdForSensitivity,
  thresholdForSpecificity,
  thresholdMetrics,
  wilsonInterval,
  type YoudenResult,
  youdenThreshold,
} from './threshold.js';
export type { NumericArray } from './validate.js';
