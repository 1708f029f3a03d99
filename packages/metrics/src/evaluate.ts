import { aggregateByGroup, type LabelPolicy } from './aggregate.js';
import { brierScore, logLoss } from './calibration.js';
import { averagePrecisionFromTable, scoreTable } from './curve.js';
import { deLongFromTable, pairedDeLong } from './delong.js';
import { MetricsError, type MetricsErrorCode } from './errors.js';
import { youdenThreshold } from './threshold.js';
import { allProbabilities } from './validate.js';

/** One prediction: a 0/1 label, a score (higher = more likely positive), optionally a second scorer's score and a group (patient). */
export interface PredictionRow {
  label: number;
  score: number;
  score2?: number;
  group?: string | number;
}

export interface EvaluationBlock {
  n: number;
  positives: number;
  negatives: number;
  auc: number;
  /** DeLong 95% CI. */
  aucCI95: [number, number];
  aucVariance: number;
  averagePrecision: number;
  /** Present when every score lies in [0, 1]. */
  brier?: number;
  logLoss?: number;
  /** At the Youden-optimal threshold (predict positive when score >= threshold). */
  youden: {
    threshold: number;
    j: number;
    sensitivity: number | null;
    specificity: number | null;
    ppv: number | null;
    npv: number | null;
    f1: number;
    accuracy: number;
    tp: number;
    fp: number;
    tn: number;
    fn: number;
  };
  /** With score2: DeLong test of AUC(score) vs AUC(score2) on the same cases. */
  pairedDeLong?: { auc2: number; difference: number; z: number; p: number };
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

function block(labels: Uint8Array, scores: Float64Array, scores2: Float64Array | null): EvaluationBlock {
  const table = scoreTable(labels, scores, 'evaluatePredictions');
  const d = deLongFromTable(table);
  const y = youdenThreshold(labels, scores);
  const m = y.metrics;
  const out: EvaluationBlock = {
    n: labels.length,
    positives: table.positives,
    negatives: table.negatives,
    auc: d.auc,
    aucCI95: d.ci,
    aucVariance: d.variance,
    averagePrecision: averagePrecisionFromTable(table),
    youden: {
      threshold: y.threshold,
      j: y.j,
      sensitivity: m.sensitivity,
      specificity: m.specificity,
      ppv: m.ppv,
      npv: m.npv,
      f1: m.f1,
      accuracy: m.accuracy,
      tp: m.tp,
      fp: m.fp,
      tn: m.tn,
      fn: m.fn,
    },
  };
  if (allProbabilities(scores)) {
    out.brier = brierScore(labels, scores);
    out.logLoss = logLoss(labels, scores);
  }
  if (scores2) {
    const t = pairedDeLong(labels, scores, scores2);
    out.pairedDeLong = { auc2: t.auc2, difference: t.difference, z: t.z, p: t.p };
  }
  return out;
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
  const report: EvaluationReport = block(labels, scores, scores2);
  if (groups) {
    const a = aggregateByGroup(labels, scores, groups, { pooling: 'mean', labelPolicy: 'any' });
    const a2 = scores2
      ? aggregateByGroup(labels, scores2, groups, { pooling: 'mean', labelPolicy: 'any' })
      : null;
    try {
      report.patient = {
        ...block(a.labels, a.scores, a2 ? a2.scores : null),
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
