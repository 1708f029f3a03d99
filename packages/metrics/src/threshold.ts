import { type RocCurve, rocCurveFromTable, scoreTable } from './curve.js';
import { MetricsError } from './errors.js';
import { normalQuantile } from './normal.js';
import { checkFraction, checkLabels, checkSameLength, checkScores, type NumericArray } from './validate.js';

/**
 * Wilson score interval for a proportion `successes / total` (Wilson 1927): the set of p whose
 * score test is not rejected at `level`. Well behaved at 0 and 1, unlike the Wald interval.
 * Returns null when total is 0.
 */
export function wilsonInterval(successes: number, total: number, level = 0.95): [number, number] | null {
  checkFraction(level, 'wilsonInterval', 'level', true);
  if (!Number.isInteger(successes) || !Number.isInteger(total) || successes < 0 || successes > total) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `wilsonInterval: need integers 0 <= successes <= total (got ${successes} of ${total})`,
    );
  }
  if (total === 0) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const p = successes / total;
  const denom = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** Confusion matrix and the metrics derived from it at one threshold (predict positive if score >= threshold). */
export interface ThresholdMetrics {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** null where the denominator is 0 (as scikit-learn's zero_division would warn). */
  sensitivity: number | null;
  specificity: number | null;
  ppv: number | null;
  npv: number | null;
  /** 0 when there is no true positive (scikit-learn `zero_division=0`). */
  f1: number;
  accuracy: number;
  /** Wilson intervals at `level` for the proportions above. */
  ci: {
    level: number;
    sensitivity: [number, number] | null;
    specificity: [number, number] | null;
    ppv: [number, number] | null;
    npv: [number, number] | null;
    accuracy: [number, number] | null;
  };
}

/** Metrics from confusion counts. */
export function metricsFromCounts(
  counts: { tp: number; fp: number; tn: number; fn: number },
  threshold: number,
  level = 0.95,
): ThresholdMetrics {
  const { tp, fp, tn, fn } = counts;
  const ratio = (a: number, b: number) => (a + b === 0 ? null : a / (a + b));
  const precision = ratio(tp, fp) ?? 0;
  const recall = ratio(tp, fn) ?? 0;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    sensitivity: ratio(tp, fn),
    specificity: ratio(tn, fp),
    ppv: ratio(tp, fp),
    npv: ratio(tn, fn),
    f1,
    accuracy: (tp + tn) / (tp + fp + tn + fn),
    ci: {
      level,
      sensitivity: wilsonInterval(tp, tp + fn, level),
      specificity: wilsonInterval(tn, tn + fp, level),
      ppv: wilsonInterval(tp, tp + fp, level),
      npv: wilsonInterval(tn, tn + fn, level),
      accuracy: wilsonInterval(tp + tn, tp + fp + tn + fn, level),
    },
  };
}

/**
 * Confusion matrix and metrics at `threshold`: a sample is predicted positive when its score is
 * >= threshold. One class alone is allowed here (the metric of the missing class is null).
 */
export function thresholdMetrics(
  labels: NumericArray,
  scores: NumericArray,
  threshold: number,
  options: { level?: number } = {},
): ThresholdMetrics {
  const where = 'thresholdMetrics';
  checkSameLength(labels, scores, where, ['labels', 'scores']);
  checkLabels(labels, where);
  checkScores(scores, where);
  if (Number.isNaN(threshold)) throw new MetricsError('INVALID_ARGUMENT', `${where}: threshold is NaN`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return metricsFromCounts({ tp, fp, tn, fn }, threshold, options.level ?? 0.95);
}

export interface YoudenResult {
  /** Threshold maximising J = sensitivity + specificity - 1 (the first, i.e. highest, on ties). */
  threshold: number;
  j: number;
  metrics: ThresholdMetrics;
}

/**
 * Youden-optimal threshold (Youden 1950) over the ROC curve's distinct thresholds, chosen as
 * `argmax(tpr - fpr)` on scikit-learn's `roc_curve(drop_intermediate=False)`.
 */
export function youdenThreshold(
  labels: NumericArray,
  scores: NumericArray,
  options: { level?: number } = {},
): YoudenResult {
  const c = rocCurveFromTable(scoreTable(labels, scores, 'youdenThreshold'));
  let best = 0;
  let bestJ = c.tpr[0] - c.fpr[0];
  for (let k = 1; k < c.tpr.length; k++) {
    const j = c.tpr[k] - c.fpr[k];
    if (j > bestJ) {
      bestJ = j;
      best = k;
    }
  }
  return { threshold: c.thresholds[best], j: bestJ, metrics: metricsAtPoint(c, best, options.level) };
}

/** Metrics at ROC point k: its threshold is a distinct score, so the curve's counts are the confusion matrix. */
function metricsAtPoint(c: RocCurve, k: number, level = 0.95): ThresholdMetrics {
  const P = c.tps[c.tps.length - 1];
  const N = c.fps[c.fps.length - 1];
  const tp = c.tps[k];
  const fp = c.fps[k];
  return metricsFromCounts({ tp, fp, tn: N - fp, fn: P - tp }, c.thresholds[k], level);
}

/**
 * Highest threshold whose sensitivity is at least `target` (so specificity is as high as it can
 * be at that sensitivity), e.g. a screening operating point "sensitivity >= 0.9".
 */
export function thresholdForSensitivity(
  labels: NumericArray,
  scores: NumericArray,
  target: number,
  options: { level?: number } = {},
): ThresholdMetrics {
  checkFraction(target, 'thresholdForSensitivity', 'target');
  const c = rocCurveFromTable(scoreTable(labels, scores, 'thresholdForSensitivity'));
  const P = c.tps[c.tps.length - 1];
  let k = 0;
  while (k < c.tps.length - 1 && c.tps[k] / P < target) k++;
  return metricsAtPoint(c, k, options.level);
}

/** Lowest threshold whose specificity is at least `target` (highest sensitivity at that specificity). */
export function thresholdForSpecificity(
  labels: NumericArray,
  scores: NumericArray,
  target: number,
  options: { level?: number } = {},
): ThresholdMetrics {
  checkFraction(target, 'thresholdForSpecificity', 'target');
  const c = rocCurveFromTable(scoreTable(labels, scores, 'thresholdForSpecificity'));
  const N = c.fps[c.fps.length - 1];
  let k = 0;
  while (k + 1 < c.fps.length && (N - c.fps[k + 1]) / N >= target) k++;
  return metricsAtPoint(c, k, options.level);
}
