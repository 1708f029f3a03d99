/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/metrics' as const;

export { MetricsError, type MetricsErrorCode } from './errors.js';
export type { NumericArray } from './validate.js';
export { createRng, type Rng } from './rng.js';
export { normalCdf, normalQuantile, twoSidedP } from './normal.js';
export {
  scoreTable,
  type ScoreTable,
  rocAuc,
  rocCurve,
  type RocCurve,
  prCurve,
  type PrCurve,
  averagePrecision,
  partialAuc,
  type PartialAucResult,
} from './curve.js';
export {
  deLong,
  type DeLongResult,
  deLongPlacements,
  type Placements,
  pairedDeLong,
  type PairedDeLongResult,
} from './delong.js';
export {
  bootstrapAucCI,
  type BootstrapAucResult,
  type BootstrapOptions,
  rocConfidenceBand,
  type RocBand,
} from './bootstrap.js';
export {
  wilsonInterval,
  thresholdMetrics,
  metricsFromCounts,
  type ThresholdMetrics,
  youdenThreshold,
  type YoudenResult,
  thresholdForSensitivity,
  thresholdForSpecificity,
} from './threshold.js';
export {
  brierScore,
  logLoss,
  calibrationCurve,
  type CalibrationCurve,
  calibrationSlope,
  type CalibrationFit,
} from './calibration.js';
export { decisionCurve, type NetBenefitPoint, thresholdGrid } from './decision.js';
export {
  aggregateByGroup,
  type AggregateOptions,
  type GroupAggregate,
  type LabelPolicy,
  type ScorePooling,
} from './aggregate.js';
export {
  kFold,
  stratifiedKFold,
  groupKFold,
  stratifiedGroupKFold,
  groupedHoldout,
  repeatedKFold,
  repeatedStratifiedKFold,
  repeatedGroupKFold,
  repeatedStratifiedGroupKFold,
  auditLeakage,
  type Fold,
  type GroupKeys,
  type SplitOptions,
  type RepeatedOptions,
  type LeakageReport,
} from './split.js';
export {
  evaluatePredictions,
  type EvaluationReport,
  type EvaluationBlock,
  type PredictionRow,
} from './evaluate.js';
export { parsePredictionsCsv } from './csv.js';
export {
  rocSpec,
  prSpec,
  calibrationSpec,
  decisionCurveSpec,
  confusionMatrixSpec,
  lineChartSpec,
  type LineSeries,
  renderSvg,
  type VegaLiteSpec,
} from './plots.js';
export { renderEvaluationHtml, type HtmlReportOptions } from './report.js';
