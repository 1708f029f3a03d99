import { MetricsError } from './errors.js';
import { normalQuantile } from './normal.js';
import {
  checkFraction,
  checkInteger,
  checkProbabilityInput,
  countPositives,
  type NumericArray,
} from './validate.js';

/** Brier score, mean of (p - y)^2 (scikit-learn `brier_score_loss`). */
export function brierScore(labels: NumericArray, probs: NumericArray): number {
  checkProbabilityInput(labels, probs, 'brierScore');
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (probs[i] - labels[i]) ** 2;
  return s / labels.length;
}

/** Log loss (cross-entropy) with probabilities clipped to [eps, 1 - eps]. */
export function logLoss(labels: NumericArray, probs: NumericArray, options: { eps?: number } = {}): number {
  checkProbabilityInput(labels, probs, 'logLoss');
  const eps = options.eps ?? 1e-15;
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}

/** numpy's default (linear, "type 7") percentile of sorted data, with numpy's lerp rounding. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  if (virtual < 0) return sorted[0];
  const lo = Math.floor(virtual);
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const t = virtual - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface CalibrationCurve {
  /** Observed fraction of positives per non-empty bin. */
  fracPositives: number[];
  /** Mean predicted probability per non-empty bin. */
  meanPredicted: number[];
  /** Samples per non-empty bin. */
  counts: number[];
  /** All nBins + 1 bin edges. */
  edges: number[];
}

/**
 * Reliability curve with scikit-learn 1.2 `calibration_curve` semantics: `uniform` bins of equal
 * width on [0, 1] or `quantile` bins at numpy percentiles; a value on an inner edge falls in the
 * lower bin (searchsorted "left"); empty bins are dropped.
 */
export function calibrationCurve(
  labels: NumericArray,
  probs: NumericArray,
  options: { nBins?: number; strategy?: 'uniform' | 'quantile' } = {},
): CalibrationCurve {
  const where = 'calibrationCurve';
  checkProbabilityInput(labels, probs, where);
  const nBins = options.nBins ?? 10;
  checkInteger(nBins, where, 'nBins', 1);
  const strategy = options.strategy ?? 'uniform';
  const edges: number[] = [];
  if (strategy === 'uniform') {
    for (let i = 0; i < nBins; i++) edges.push(i * (1 / nBins));
    edges.push(1);
  } else if (strategy === 'quantile') {
    const sorted = Float64Array.from(probs).sort();
    for (let i = 0; i <= nBins; i++) {
      const q = i === nBins ? 1 : i * (1 / nBins);
      edges.push(quantileSorted(sorted, (q * 100) / 100));
    }
  } else {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `${where}: strategy '${String(strategy)}' is unknown; use 'uniform' or 'quantile'`,
    );
  }
  const sums = new Float64Array(nBins);
  const trues = new Float64Array(nBins);
  const totals = new Float64Array(nBins);
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i];
    // searchsorted(edges[1:-1], p, 'left'): number of inner edges strictly below p
    let lo = 0;
    let hi = nBins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid + 1] < p) lo = mid + 1;
      else hi = mid;
    }
    sums[lo] += p;
    trues[lo] += labels[i];
    totals[lo] += 1;
  }
  const out: CalibrationCurve = { fracPositives: [], meanPredicted: [], counts: [], edges };
  for (let b = 0; b < nBins; b++) {
    if (totals[b] === 0) continue;
    out.fracPositives.push(trues[b] / totals[b]);
    out.meanPredicted.push(sums[b] / totals[b]);
    out.counts.push(totals[b]);
  }
  return out;
}

export interface CalibrationFit {
  /** Slope of logit(P(y=1)) on logit(p): 1 is ideal, < 1 means over-confident predictions. */
  slope: number;
  /** Intercept of that joint fit. */
  intercept: number;
  /** Calibration-in-the-large: intercept with logit(p) as an offset (slope fixed at 1); 0 is ideal. */
  interceptInTheLarge: number;
  /** Standard errors from the inverse Fisher information at the maximum (as R glm / statsmodels GLM). */
  slopeSE: number;
  interceptSE: number;
  interceptInTheLargeSE: number;
  /** Wald intervals estimate -/+ z_(1-(1-level)/2) SE (R `confint.default`, statsmodels `conf_int`). */
  slopeCI: [number, number];
  interceptCI: [number, number];
  interceptInTheLargeCI: [number, number];
  /** Confidence level of the intervals (default 0.95). */
  level: number;
}

const logit = (p: number) => Math.log(p / (1 - p));

export interface LogisticFit {
  a: number;
  b: number;
  /** Inverse information: var(a), var(b), cov(a, b) (var(b) = 0 and cov = 0 with a fixed slope). */
  varA: number;
  varB: number;
}

/** Fisher information of the logistic model [1, x] at (a, b) and the score vector. */
function information(y: NumericArray, x: Float64Array, a: number, b: number) {
  let g0 = 0;
  let g1 = 0;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let i = 0; i < x.length; i++) {
    const mu = 1 / (1 + Math.exp(-(a + b * x[i])));
    const w = mu * (1 - mu);
    const r = y[i] - mu;
    g0 += r;
    g1 += r * x[i];
    h00 += w;
    h01 += w * x[i];
    h11 += w * x[i] * x[i];
  }
  return { g0, g1, h00, h01, h11 };
}

/** Maximum-likelihood logistic fit of y on [1, x] (with optional fixed slope) by Newton-Raphson. */
export function fitLogistic(y: NumericArray, x: Float64Array, fixedSlope: number | null): LogisticFit {
  let a = 0;
  let b = fixedSlope ?? 0;
  let converged = false;
  for (let it = 0; it < 100 && !converged; it++) {
    const { g0, g1, h00, h01, h11 } = information(y, x, a, b);
    let da: number;
    let db = 0;
    if (fixedSlope !== null) {
      da = g0 / h00;
    } else {
      const det = h00 * h11 - h01 * h01;
      if (!(Math.abs(det) > 0)) break;
      da = (h11 * g0 - h01 * g1) / det;
      db = (h00 * g1 - h01 * g0) / det;
    }
    a += da;
    b += db;
    if (!Number.isFinite(a) || !Number.isFinite(b)) break;
    converged = Math.abs(da) < 1e-12 && Math.abs(db) < 1e-12;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      'calibrationSlope: logistic recalibration did not converge (the classes are perfectly separated by the scores)',
    );
  }
  const { h00, h01, h11 } = information(y, x, a, b);
  if (fixedSlope !== null) return { a, b, varA: 1 / h00, varB: 0 };
  const det = h00 * h11 - h01 * h01;
  return { a, b, varA: h11 / det, varB: h00 / det };
}

function wald(est: number, se: number, z: number): [number, number] {
  return [est - z * se, est + z * se];
}

/**
 * Calibration slope and intercepts by logistic recalibration (Cox 1958, "Two further applications
 * of a model for binary regression"; the calibration hierarchy of Van Calster et al. 2016, J Clin
 * Epidemiol 74:167-176): the slope is b of logit P(y = 1) = a + b logit(p) (the intercept a of that
 * fit is reported too); calibration-in-the-large is a of logit P(y = 1) = a + offset(logit(p)).
 * Wald CIs from the inverse Fisher information. Probabilities are clipped to [eps, 1 - eps] before
 * the logit.
 */
export function calibrationSlope(
  labels: NumericArray,
  probs: NumericArray,
  options: { eps?: number; level?: number } = {},
): CalibrationFit {
  const where = 'calibrationSlope';
  checkProbabilityInput(labels, probs, where);
  countPositives(labels, where);
  const eps = options.eps ?? 1e-15;
  checkFraction(eps, where, 'eps', true);
  const level = options.level ?? 0.95;
  checkFraction(level, where, 'level', true);
  const x = new Float64Array(labels.length);
  for (let i = 0; i < x.length; i++) x[i] = logit(Math.min(1 - eps, Math.max(eps, probs[i])));
  const joint = fitLogistic(labels, x, null);
  const large = fitLogistic(labels, x, 1);
  const z = normalQuantile(1 - (1 - level) / 2);
  const slopeSE = Math.sqrt(joint.varB);
  const interceptSE = Math.sqrt(joint.varA);
  const interceptInTheLargeSE = Math.sqrt(large.varA);
  return {
    slope: joint.b,
    intercept: joint.a,
    interceptInTheLarge: large.a,
    slopeSE,
    interceptSE,
    interceptInTheLargeSE,
    slopeCI: wald(joint.b, slopeSE, z),
    interceptCI: wald(joint.a, interceptSE, z),
    interceptInTheLargeCI: wald(large.a, interceptInTheLargeSE, z),
    level,
  };
}
