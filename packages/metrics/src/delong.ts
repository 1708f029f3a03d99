import { aucFromTable, type ScoreTable, scoreTable } from './curve.js';
import { MetricsError } from './errors.js';
import { normalQuantile, twoSidedP } from './normal.js';
import {
  checkFraction,
  checkLabels,
  checkSameLength,
  checkScores,
  countPositives,
  type NumericArray,
} from './validate.js';

export interface DeLongResult {
  auc: number;
  /** DeLong et al. (1988) variance of the AUC; NaN with a single positive or negative. */
  variance: number;
  se: number;
  /** Normal CI at `level`, clipped to [0, 1] like pROC's `ci.auc(method = "delong")`. */
  ci: [number, number];
  level: number;
}

/**
 * DeLong variance from the tie groups of one sorted pass (Sun & Xu 2014, O(n log n) for the sort,
 * O(n) after): every positive in a group has placement V10 = (negatives below + half the tied
 * negatives) / N, every negative V01 = (positives above + half the tied positives) / P, and
 * Var = S10 / P + S01 / N with sample variances (denominators P - 1, N - 1) as pROC computes them.
 */
export function deLongFromTable(t: ScoreTable, level = 0.95): DeLongResult {
  checkFraction(level, 'deLong', 'level', true);
  const auc = aucFromTable(t);
  const P = t.positives;
  const N = t.negatives;
  let negAbove = 0;
  let posAbove = 0;
  let s10 = 0;
  let s01 = 0;
  for (let g = 0; g < t.values.length; g++) {
    const p = t.pos[g];
    const n = t.neg[g];
    if (p > 0) {
      const v10 = (N - negAbove - n + 0.5 * n) / N;
      s10 += p * (v10 - auc) * (v10 - auc);
    }
    if (n > 0) {
      const v01 = (posAbove + 0.5 * p) / P;
      s01 += n * (v01 - auc) * (v01 - auc);
    }
    negAbove += n;
    posAbove += p;
  }
  const variance = P > 1 && N > 1 ? s10 / (P - 1) / P + s01 / (N - 1) / N : Number.NaN;
  const se = Math.sqrt(variance);
  const z = normalQuantile(1 - (1 - level) / 2);
  const clip = (x: number) => Math.min(1, Math.max(0, x));
  return { auc, variance, se, ci: [clip(auc - z * se), clip(auc + z * se)], level };
}

/** AUC with its DeLong variance and confidence interval (pROC `ci.auc(method = "delong")`). */
export function deLong(
  labels: NumericArray,
  scores: NumericArray,
  options: { level?: number } = {},
): DeLongResult {
  return deLongFromTable(scoreTable(labels, scores, 'deLong'), options.level ?? 0.95);
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Placements {
  /** V10 for each positive, in sample order. */
  positives: Float64Array;
  /** V01 for each negative, in sample order. */
  negatives: Float64Array;
  auc: number;
}

/**
 * Per-sample DeLong placement values (structural components), in sample order, found by binary
 * search in the sorted scores of the other class.
 */
export function deLongPlacements(labels: NumericArray, scores: NumericArray): Placements {
  const t = scoreTable(labels, scores, 'deLongPlacements');
  const P = t.positives;
  const N = t.negatives;
  const vp = new Float64Array(P);
  const vn = new Float64Array(N);
  let sum = 0;
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    const s = scores[i];
    if (labels[i] === 1) {
      const lo = lowerBound(t.sortedNeg, s);
      const v = (lo + 0.5 * (upperBound(t.sortedNeg, s) - lo)) / N;
      vp[a++] = v;
      sum += v;
    } else {
      const lo = lowerBound(t.sortedPos, s);
      const hi = upperBound(t.sortedPos, s);
      vn[b++] = (P - hi + 0.5 * (hi - lo)) / P;
    }
  }
  return { positives: vp, negatives: vn, auc: sum / P };
}

export interface PairedDeLongResult {
  auc1: number;
  auc2: number;
  /** auc1 - auc2. */
  difference: number;
  /** Variance of the difference. */
  variance: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** CI of the difference at `level`. */
  ci: [number, number];
  level: number;
}

/**
 * DeLong test for two correlated AUCs, two scorers on the same cases (DeLong et al. 1988), as pROC
 * `roc.test(method = "delong", paired = TRUE)`: z = (A1 - A2) / sqrt(L S L') with S the covariance
 * of the placement values.
 */
export function pairedDeLong(
  labels: NumericArray,
  scores1: NumericArray,
  scores2: NumericArray,
  options: { level?: number } = {},
): PairedDeLongResult {
  const where = 'pairedDeLong';
  const level = options.level ?? 0.95;
  checkFraction(level, where, 'level', true);
  checkSameLength(labels, scores1, where, ['labels', 'scores1']);
  checkSameLength(labels, scores2, where, ['labels', 'scores2']);
  checkLabels(labels, where);
  checkScores(scores1, where, 'scores1');
  checkScores(scores2, where, 'scores2');
  const P = countPositives(labels, where);
  const N = labels.length - P;
  if (P < 2 || N < 2) {
    throw new MetricsError(
      'TOO_FEW_SAMPLES',
      `${where}: needs at least 2 positives and 2 negatives (got ${P} and ${N})`,
    );
  }
  const a = deLongPlacements(labels, scores1);
  const b = deLongPlacements(labels, scores2);
  const cov = (x: Float64Array, mx: number, y: Float64Array, my: number) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (x[i] - mx) * (y[i] - my);
    return s / (x.length - 1);
  };
  const s10 = [
    cov(a.positives, a.auc, a.positives, a.auc),
    cov(a.positives, a.auc, b.positives, b.auc),
    cov(b.positives, b.auc, b.positives, b.auc),
  ];
  const s01 = [
    cov(a.negatives, a.auc, a.negatives, a.auc),
    cov(a.negatives, a.auc, b.negatives, b.auc),
    cov(b.negatives, b.auc, b.negatives, b.auc),
  ];
  const variance = s10[0] / P + s01[0] / N + (s10[2] / P + s01[2] / N) - 2 * (s10[1] / P + s01[1] / N);
  const difference = a.auc - b.auc;
  const sd = Math.sqrt(variance);
  const z = difference / sd;
  const q = normalQuantile(1 - (1 - level) / 2);
  return {
    auc1: a.auc,
    auc2: b.auc,
    difference,
    variance,
    z,
    p: twoSidedP(z),
    ci: [difference - q * sd, difference + q * sd],
    level,
  };
}
