import { MetricsError } from './errors.js';
import { checkProbabilityInput, type NumericArray } from './validate.js';

export interface NetBenefitPoint {
  /** Threshold probability p_t (the harm/benefit trade-off: odds p_t / (1 - p_t)). */
  pt: number;
  /** Net benefit of treating those with predicted probability >= p_t. */
  model: number;
  /** Net benefit of treating everyone. */
  treatAll: number;
  /** Net benefit of treating no one: always 0. */
  treatNone: number;
}

/**
 * Decision curve (Vickers & Elkin 2006): net benefit = TP/n - FP/n * p_t / (1 - p_t) for the model,
 * treat-all and treat-none strategies at each threshold probability in (0, 1).
 */
export function decisionCurve(
  labels: NumericArray,
  probs: NumericArray,
  thresholds: NumericArray,
): NetBenefitPoint[] {
  const where = 'decisionCurve';
  checkProbabilityInput(labels, probs, where);
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const prevalence = positives / n;
  const out: NetBenefitPoint[] = [];
  for (let k = 0; k < thresholds.length; k++) {
    const pt = thresholds[k];
    if (!(pt > 0 && pt < 1)) {
      throw new MetricsError('INVALID_ARGUMENT', `${where}: threshold probability ${pt} must lie in (0, 1)`);
    }
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      if (probs[i] >= pt) {
        if (labels[i] === 1) tp++;
        else fp++;
      }
    }
    const odds = pt / (1 - pt);
    out.push({
      pt,
      model: tp / n - (fp / n) * odds,
      treatAll: prevalence - (1 - prevalence) * odds,
      treatNone: 0,
    });
  }
  return out;
}

/** Evenly spaced threshold probabilities from `from` to `to` (inclusive), for plotting decision curves. */
export function thresholdGrid(from = 0.01, to = 0.99, step = 0.01): number[] {
  const out: number[] = [];
  const n = Math.round((to - from) / step);
  for (let i = 0; i <= n; i++) out.push(Number((from + i * step).toFixed(12)));
  return out;
}
