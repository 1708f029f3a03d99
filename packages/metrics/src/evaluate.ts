import { aggregateByGroup, type LabelPolicy } from './aggregate.js';
import { brierScore, logLoss } from './calibration.js';
import { averagePrecisionFromTable, scoreTable } from './curve.js';
import { deLongFromTable, pairedDeLong } from './delong.js';
import { MetricsError, type MetricsErrorCode } from './errors.js';
import { thresholdMetrics, youdenThreshold } from './threshold.js';
import { allProbabilities } from './validate.js';

/** One prediction: a 0/1 label, a score (higher = more likely positive), optionally a second scorer's score and a group (patient). */
export interface PredictionRow {
  label: number;
  score: number;
  score2?: number;
  group?: string | number;
}

/**
 * The one metric block of op-screen (issue 24): how a score separates the classes, and its
 * operating point at one threshold. `op-screen evaluate` computes it at the Youden threshold of the
 * table itself; a run's report at the threshold chosen on the out-of-fold validation predictions
 * (and adds each fold's AUC).
 */
export interface EvaluationBlock {
  n: number;
  positives: number;
  negatives: number;
  auc: number;
  /** DeLong 95% CI; a bound DeLong cannot give (a degenerate variance) is 0 or 1. */
  aucCI95: [number, number];
  /** DeLong variance of the AUC; null when DeLong cannot give one (fewer than 2 of a class). */
  aucVariance: number | null;
  averagePrecision: number;
  /** null unless every score lies in [0, 1]. */
  brier: number | null;
  /** null unless every score lies in [0, 1] (probabilities clipped to [1e-15, 1 - 1e-15]). */
  logLoss: number | null;
  /** The operating point: positive when score >= threshold. */
  threshold: number;
  /** null where the denominator is 0. */
  sensitivity: number | null;
  specificity: number | null;
  ppv: number | null;
  npv: number | null;
  /** 0 when there is no true positive. */
  f1: number;
  accuracy: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** With a second scorer: DeLong test of AUC(score) vs AUC(score2) on the same cases. */
  pairedDeLong?: { auc2: number; difference: number; z: number; p: number };
}

/**
 * {@link EvaluationBlock} of `scores` against 0/1 `labels` at `threshold` (`'youden'`: the Youden
 * threshold of these scores), with the paired DeLong test against `scores2` when given. Throws
 * `SINGLE_CLASS` when the labels hold one class.
 */
export function evaluationBlock(
  labels: Uint8Array,
  scores: Float64Array,
  threshold: number | 'youden',
  scores2: Float64Array | null = null,
): EvaluationBlock {
  const table = scoreTable(labels, scores, 'evaluationBlock');
  const d = deLongFromTable(table);
  const t = threshold === 'youden' ? youdenThreshold(labels, scores).threshold : threshold;
  const m = thresholdMetrics(labels, scores, t);
  const probabilities = allProbabilities(scores);
  const out: EvaluationBlock = {
    n: labels.length,
    positives: table.positives,
    negatives: table.negatives,
    auc: d.auc,
    aucCI95: [Number.isFinite(d.ci[0]) ? d.ci[0] : 0, Number.isFinite(d.ci[1]) ? d.ci[1] : 1],
    aucVariance: Number.isFinite(d.variance) ? d.variance : null,
    averagePrecision: averagePrecisionFromTable(table),
    brier: probabilities ? brierScore(labels, scores) : null,
    logLoss: probabilities ? logLoss(labels, scores) : null,
    threshold: t,
    sensitivity: m.sensitivity,
    specificity: m.specificity,
    ppv: m.ppv,
    npv: m.npv,
    f1: m.f1,
    accuracy: m.accuracy,
    confusion: { tp: m.tp, fp: m.fp, tn: m.tn, fn: m.fn },
  };
  if (scores2) {
    const p = pairedDeLong(labels, scores, scores2);
    out.pairedDeLong = { auc2: p.auc2, difference: p.difference, z: p.z, p: p.p };
  }
  return out;
}

/** The `op-screen evaluate --json` object. */
export interface EvaluationReport extends EvaluationBlock {
  /** With groups: the same metrics after pooling each group's scores by their mean. */
  patient?: EvaluationBlock & { labelPolicy: LabelPolicy; pooling: 'mean' };
  /**
   * With `group`, why there is no `patient` block when the patient level cannot be evaluated
   * (e.g. `SINGLE_CLASS`: every patient positive); the row-level results stand.
   */
  patientUnavailable?: { code: MetricsErrorCode; message: string };
}

/** Columns of a row table as typed arrays, checking that optional columns are all or nothing. */
export function predictionColumns(rows: readonly PredictionRow[]): {
  labels: Uint8Array;
  scores: Float64Array;
  scores2: Float64Array | null;
  groups: (string | number)[] | null;
} {
  const where = 'evaluatePredictions';
  if (rows.length === 0)
    throw new MetricsError('EMPTY_INPUT', `${where}: no rows; pass at least one positive and one negative`);
  const has2 = rows[0].score2 !== undefined;
  const hasGroup = rows[0].group !== undefined;
  const labels = new Uint8Array(rows.length);
  const scores = new Float64Array(rows.length);
  const scores2 = has2 ? new Float64Array(rows.length) : null;
  const groups = hasGroup ? new Array<string | number>(rows.length) : null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.label !== 0 && r.label !== 1) {
      throw new MetricsError(
        'INVALID_LABEL',
        `${where}: row ${i} has label ${String(r.label)}; labels must be 0 or 1`,
      );
    }
    if (!Number.isFinite(r.score)) {
      throw new MetricsError(
        'NON_FINITE_SCORE',
        `${where}: row ${i} has score ${String(r.score)}; scores must be finite`,
      );
    }
    if ((r.score2 !== undefined) !== has2 || (r.group !== undefined) !== hasGroup) {
      throw new MetricsError(
        'LENGTH_MISMATCH',
        `${where}: row ${i} ${has2 ? 'lacks' : 'has'} score2 or ${hasGroup ? 'lacks' : 'has'} group unlike row 0; every row needs the same columns`,
      );
    }
    labels[i] = r.label;
    scores[i] = r.score;
    if (scores2) {
      if (!Number.isFinite(r.score2)) {
        throw new MetricsError(
          'NON_FINITE_SCORE',
          `${where}: row ${i} has score2 ${String(r.score2)}; scores must be finite`,
        );
      }
      scores2[i] = r.score2!;
    }
    if (groups) groups[i] = r.group!;
  }
  return { labels, scores, scores2, groups };
}

/**
 * The whole evaluation of a prediction table, as printed by `op-screen evaluate --json`: AUC with
 * DeLong CI, average precision, Brier score and log loss (probability scores), Youden operating
 * point, the paired DeLong test when `score2` is given, and with `group` the same block at patient
 * level after mean pooling (patient positive if any of its rows is positive).
 */
export function evaluatePredictions(rows: readonly PredictionRow[]): EvaluationReport {
  const { labels, scores, scores2, groups } = predictionColumns(rows);
  const report: EvaluationReport = evaluationBlock(labels, scores, 'youden', scores2);
  if (groups) {
    const a = aggregateByGroup(labels, scores, groups, { pooling: 'mean', labelPolicy: 'any' });
    const a2 = scores2
      ? aggregateByGroup(labels, scores2, groups, { pooling: 'mean', labelPolicy: 'any' })
      : null;
    try {
      report.patient = {
        ...evaluationBlock(a.labels, a.scores, 'youden', a2 ? a2.scores : null),
        labelPolicy: 'any',
        pooling: 'mean',
      };
    } catch (err) {
      // the patient level alone cannot be evaluated (one class among the patients): say why,
      // keep the row-level results
      if (!(err instanceof MetricsError)) throw err;
      const positives = a.labels.reduce((n, y) => n + y, 0);
      report.patientUnavailable = {
        code: err.code,
        message:
          err.code === 'SINGLE_CLASS'
            ? `patient level not evaluated: ${positives} of ${a.labels.length} patients are positive (label policy any); it needs both classes`
            : `patient level not evaluated: ${err.message}`,
      };
    }
  }
  return report;
}
