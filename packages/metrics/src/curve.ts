import { MetricsError } from './errors.js';
import { checkBinary, checkFraction, type NumericArray } from './validate.js';

/**
 * The one sorted pass every ranking metric stands on (the idea of scikit-learn's
 * `_binary_clf_curve`): distinct score values in descending order with the number of positives and
 * negatives holding each value. Built by sorting the positive and negative scores separately with
 * the native typed-array sort and merging them from the top, so no index sort is needed.
 */
export interface ScoreTable {
  /** Distinct scores, descending. */
  readonly values: Float64Array;
  /** Positives at each distinct score. */
  readonly pos: Float64Array;
  /** Negatives at each distinct score. */
  readonly neg: Float64Array;
  readonly positives: number;
  readonly negatives: number;
  /** Positive scores ascending (kept for placements and resampling). */
  readonly sortedPos: Float64Array;
  /** Negative scores ascending. */
  readonly sortedNeg: Float64Array;
}

/** Validates and tabulates `(labels, scores)`; throws MetricsError on bad input. */
export function scoreTable(labels: NumericArray, scores: NumericArray, where = 'scoreTable'): ScoreTable {
  const positives = checkBinary(labels, scores, where);
  const negatives = labels.length - positives;
  const sortedPos = new Float64Array(positives);
  const sortedNeg = new Float64Array(negatives);
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    if (labels[i] === 1) sortedPos[a++] = scores[i];
    else sortedNeg[b++] = scores[i];
  }
  sortedPos.sort();
  sortedNeg.sort();
  const cap = labels.length;
  const values = new Float64Array(cap);
  const pos = new Float64Array(cap);
  const neg = new Float64Array(cap);
  let i = positives - 1;
  let j = negatives - 1;
  let g = 0;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? sortedNeg[j] : j < 0 ? sortedPos[i] : Math.max(sortedPos[i], sortedNeg[j]);
    let p = 0;
    while (i >= 0 && sortedPos[i] === v) {
      i--;
      p++;
    }
    let q = 0;
    while (j >= 0 && sortedNeg[j] === v) {
      j--;
      q++;
    }
    values[g] = v;
    pos[g] = p;
    neg[g] = q;
    g++;
  }
  return {
    values: values.slice(0, g),
    pos: pos.slice(0, g),
    neg: neg.slice(0, g),
    positives,
    negatives,
    sortedPos,
    sortedNeg,
  };
}

/** Area under the ROC curve from a table: the Mann-Whitney statistic with ties counted 1/2. */
export function aucFromTable(t: ScoreTable): number {
  let negAbove = 0;
  let sum = 0;
  for (let g = 0; g < t.values.length; g++) {
    const negBelow = t.negatives - negAbove - t.neg[g];
    sum += t.pos[g] * (negBelow + 0.5 * t.neg[g]);
    negAbove += t.neg[g];
  }
  return sum / (t.positives * t.negatives);
}

/**
 * ROC AUC (Mann-Whitney U / (P N), ties counted one half); equals scikit-learn's `roc_auc_score`
 * and pROC's `auc`. Higher scores mean "more likely positive".
 */
export function rocAuc(labels: NumericArray, scores: NumericArray): number {
  return aucFromTable(scoreTable(labels, scores, 'rocAuc'));
}

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /** Descending; the first is max(score) + 1 (scikit-learn 1.2 convention: nothing predicted positive). */
  thresholds: Float64Array;
  /** Cumulative true/false positives at each point (first point 0, 0). */
  tps: Float64Array;
  fps: Float64Array;
}

/**
 * ROC curve at every distinct threshold, as scikit-learn's `roc_curve(drop_intermediate=False)`.
 * `dropIntermediate: true` drops collinear points like scikit-learn's default.
 */
export function rocCurve(
  labels: NumericArray,
  scores: NumericArray,
  options: { dropIntermediate?: boolean } = {},
): RocCurve {
  return rocCurveFromTable(scoreTable(labels, scores, 'rocCurve'), options.dropIntermediate ?? false);
}

export function rocCurveFromTable(t: ScoreTable, dropIntermediate = false): RocCurve {
  const G = t.values.length;
  let keep: number[] | null = null;
  const ctp = new Float64Array(G);
  const cfp = new Float64Array(G);
  for (let g = 0, a = 0, b = 0; g < G; g++) {
    a += t.pos[g];
    b += t.neg[g];
    ctp[g] = a;
    cfp[g] = b;
  }
  if (dropIntermediate && G > 2) {
    keep = [0];
    for (let g = 1; g < G - 1; g++) {
      const d2fp = cfp[g + 1] - 2 * cfp[g] + cfp[g - 1];
      const d2tp = ctp[g + 1] - 2 * ctp[g] + ctp[g - 1];
      if (d2fp !== 0 || d2tp !== 0) keep.push(g);
    }
    keep.push(G - 1);
  }
  const idx = keep ?? null;
  const K = idx ? idx.length : G;
  const fpr = new Float64Array(K + 1);
  const tpr = new Float64Array(K + 1);
  const thresholds = new Float64Array(K + 1);
  const tps = new Float64Array(K + 1);
  const fps = new Float64Array(K + 1);
  for (let k = 0; k < K; k++) {
    const g = idx ? idx[k] : k;
    tps[k + 1] = ctp[g];
    fps[k + 1] = cfp[g];
    tpr[k + 1] = ctp[g] / t.positives;
    fpr[k + 1] = cfp[g] / t.negatives;
    thresholds[k + 1] = t.values[g];
  }
  thresholds[0] = t.values[0] + 1;
  return { fpr, tpr, thresholds, tps, fps };
}

export interface PrCurve {
  /** Ascending-threshold order, ending with precision 1 at recall 0 (scikit-learn convention). */
  precision: Float64Array;
  recall: Float64Array;
  /** Distinct scores ascending; one shorter than precision/recall. */
  thresholds: Float64Array;
}

/** Precision-recall curve as scikit-learn 1.2's `precision_recall_curve`. */
export function prCurve(labels: NumericArray, scores: NumericArray): PrCurve {
  return prCurveFromTable(scoreTable(labels, scores, 'prCurve'));
}

export function prCurveFromTable(t: ScoreTable): PrCurve {
  const G = t.values.length;
  const precision = new Float64Array(G + 1);
  const recall = new Float64Array(G + 1);
  const thresholds = new Float64Array(G);
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < G; g++) {
    tp += t.pos[g];
    fp += t.neg[g];
    const k = G - 1 - g;
    precision[k] = tp / (tp + fp);
    recall[k] = tp / t.positives;
    thresholds[k] = t.values[g];
  }
  precision[G] = 1;
  recall[G] = 0;
  return { precision, recall, thresholds };
}

/**
 * Average precision, scikit-learn's definition: sum over thresholds of (R_k - R_{k-1}) P_k, a step
 * function (no interpolation).
 */
export function averagePrecision(labels: NumericArray, scores: NumericArray): number {
  return averagePrecisionFromTable(scoreTable(labels, scores, 'averagePrecision'));
}

export function averagePrecisionFromTable(t: ScoreTable): number {
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let g = 0; g < t.values.length; g++) {
    tp += t.pos[g];
    fp += t.neg[g];
    const recall = tp / t.positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Area under the piecewise-linear curve (x ascending) between x = a and x = b. */
function areaBetween(x: Float64Array, y: Float64Array, a: number, b: number): number {
  let area = 0;
  for (let k = 1; k < x.length; k++) {
    const x0 = x[k - 1];
    const x1 = x[k];
    if (x1 <= a || x0 >= b || x1 === x0) continue;
    const lo = Math.max(x0, a);
    const hi = Math.min(x1, b);
    const slope = (y[k] - y[k - 1]) / (x1 - x0);
    const ylo = y[k - 1] + slope * (lo - x0);
    const yhi = y[k - 1] + slope * (hi - x0);
    area += ((hi - lo) * (ylo + yhi)) / 2;
  }
  return area;
}

export interface PartialAucResult {
  /** Raw area under the ROC curve for FPR in [lo, hi]. */
  area: number;
  /**
   * McClish (1989) standardisation, 0.5 for a chance curve and 1 for a perfect one over the range:
   * (1 + (area - min) / (max - min)) / 2 with min the diagonal's area and max = hi - lo. For lo = 0 it
   * equals scikit-learn's `roc_auc_score(max_fpr=hi)`.
   */
  standardized: number;
}

/** Partial AUC over a false-positive-rate range (e.g. high-specificity region [0, 0.2]). */
export function partialAuc(
  labels: NumericArray,
  scores: NumericArray,
  fprRange: readonly [number, number],
): PartialAucResult {
  const [lo, hi] = fprRange;
  checkFraction(lo, 'partialAuc', 'fprRange[0]');
  checkFraction(hi, 'partialAuc', 'fprRange[1]');
  if (!(hi > lo)) {
    throw new MetricsError('INVALID_ARGUMENT', `partialAuc: fprRange [${lo}, ${hi}] is empty; pass lo < hi`);
  }
  const c = rocCurve(labels, scores);
  const area = areaBetween(c.fpr, c.tpr, lo, hi);
  const min = (hi * hi - lo * lo) / 2;
  const max = hi - lo;
  return { area, standardized: 0.5 * (1 + (area - min) / (max - min)) };
}
