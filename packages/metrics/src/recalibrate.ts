// Recalibration of probabilities (logistic on the logit, Cox 1958 / Platt scaling; or the
// intercept alone) and the three-way answer of a screening test with an indeterminate band
// (rule-out below a threshold chosen for sensitivity, rule-in above one chosen for specificity).
import { fitLogistic } from './calibration.js';
import { MetricsError } from './errors.js';
import {
  type ThresholdMetrics,
  thresholdForSensitivity,
  thresholdForSpecificity,
  wilsonInterval,
} from './threshold.js';
import {
  checkFraction,
  checkLabels,
  checkProbabilityInput,
  checkSameLength,
  checkScores,
  type NumericArray,
} from './validate.js';

/** `logistic`: logit p' = a + b logit p (slope and intercept); `intercept`: b fixed at 1. */
export type RecalibrationMethod = 'logistic' | 'intercept';

export interface Recalibration {
  method: RecalibrationMethod;
  intercept: number;
  slope: number;
  /** Sample the map was fitted on: images (or patients) and events (label 1). */
  n: number;
  events: number;
}

const EPS = 1e-15;
const logit = (p: number) => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};

/**
 * Fits a recalibration map by maximum likelihood (the unpenalised logistic regression of the
 * labels on logit(p); equal to scikit-learn's `LogisticRegression(penalty=None)` on logit(p) and to
 * a binomial GLM). Needs both classes; perfectly separated data are refused (INVALID_ARGUMENT).
 */
export function fitRecalibration(
  labels: NumericArray,
  probs: NumericArray,
  options: { method?: RecalibrationMethod } = {},
): Recalibration {
  const where = 'fitRecalibration';
  checkProbabilityInput(labels, probs, where);
  let events = 0;
  for (let i = 0; i < labels.length; i++) events += labels[i];
  if (events === 0 || events === labels.length) {
    throw new MetricsError(
      'SINGLE_CLASS',
      `${where}: both classes are needed to fit a recalibration (${events} events of ${labels.length})`,
    );
  }
  const method = options.method ?? 'logistic';
  const x = new Float64Array(probs.length);
  for (let i = 0; i < x.length; i++) x[i] = logit(probs[i]);
  const fit = fitLogistic(labels, x, method === 'intercept' ? 1 : null);
  return { method, intercept: fit.a, slope: fit.b, n: labels.length, events };
}

/** Applies a recalibration map: sigmoid(a + b logit(p)) for each p. */
export function applyRecalibration(
  probs: NumericArray,
  map: Pick<Recalibration, 'intercept' | 'slope'>,
): Float64Array {
  const out = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++)
    out[i] = 1 / (1 + Math.exp(-(map.intercept + map.slope * logit(probs[i]))));
  return out;
}

/** The band's two thresholds: below `ruleOut` the answer is `low`, at or above `ruleIn` `high`. */
export interface IndeterminateBand {
  ruleOut: number;
  ruleIn: number;
  /** Targets they were chosen for, on the development scores. */
  sensitivity: number;
  specificity: number;
  /** True when one threshold meets both targets: there is no indeterminate zone. */
  collapsed: boolean;
}

export type BandAnswer = 'low' | 'indeterminate' | 'high';

/**
 * Chooses the band on development scores: `ruleOut` is the highest threshold with sensitivity >=
 * `sensitivity` (a score below it rules osteoporosis out), `ruleIn` the lowest with specificity >=
 * `specificity` (a score at or above it rules it in). When `ruleIn <= ruleOut`, one threshold
 * (`ruleOut`) meets both targets and the band collapses to it.
 */
export function chooseBand(
  labels: NumericArray,
  scores: NumericArray,
  options: { sensitivity?: number; specificity?: number } = {},
): IndeterminateBand {
  const sensitivity = options.sensitivity ?? 0.9;
  const specificity = options.specificity ?? 0.9;
  checkFraction(sensitivity, 'chooseBand', 'sensitivity');
  checkFraction(specificity, 'chooseBand', 'specificity');
  const out: ThresholdMetrics = thresholdForSensitivity(labels, scores, sensitivity);
  const inn: ThresholdMetrics = thresholdForSpecificity(labels, scores, specificity);
  const collapsed = inn.threshold <= out.threshold;
  return {
    ruleOut: out.threshold,
    ruleIn: collapsed ? out.threshold : inn.threshold,
    sensitivity,
    specificity,
    collapsed,
  };
}

export function bandAnswer(score: number, band: Pick<IndeterminateBand, 'ruleOut' | 'ruleIn'>): BandAnswer {
  if (score >= band.ruleIn) return 'high';
  if (score < band.ruleOut) return 'low';
  return 'indeterminate';
}

export interface BandMetrics {
  n: number;
  decided: number;
  indeterminate: number;
  /** Share decided (low or high), with its Wilson CI. */
  coverage: number;
  coverageCI: [number, number] | null;
  /** Among decided cases: high counts as positive, low as negative. */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  sensitivity: number | null;
  specificity: number | null;
  ppv: number | null;
  npv: number | null;
  ci: {
    level: number;
    sensitivity: [number, number] | null;
    specificity: [number, number] | null;
    ppv: [number, number] | null;
    npv: [number, number] | null;
  };
}

/** Coverage and, among decided cases, sensitivity, specificity, PPV and NPV with Wilson CIs. */
export function bandMetrics(
  labels: NumericArray,
  scores: NumericArray,
  band: Pick<IndeterminateBand, 'ruleOut' | 'ruleIn'>,
  level = 0.95,
): BandMetrics {
  const where = 'bandMetrics';
  checkSameLength(labels, scores, where, ['labels', 'scores']);
  checkLabels(labels, where);
  checkScores(scores, where);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let indeterminate = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = bandAnswer(scores[i], band);
    if (a === 'indeterminate') indeterminate++;
    else if (a === 'high') labels[i] === 1 ? tp++ : fp++;
    else labels[i] === 1 ? fn++ : tn++;
  }
  const n = labels.length;
  const decided = n - indeterminate;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    n,
    decided,
    indeterminate,
    coverage: n > 0 ? decided / n : 0,
    coverageCI: wilsonInterval(decided, n, level),
    tp,
    fp,
    tn,
    fn,
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    ppv: ratio(tp, tp + fp),
    npv: ratio(tn, tn + fn),
    ci: {
      level,
      sensitivity: wilsonInterval(tp, tp + fn, level),
      specificity: wilsonInterval(tn, tn + fp, level),
      ppv: wilsonInterval(tp, tp + fp, level),
      npv: wilsonInterval(tn, tn + fn, level),
    },
  };
}
