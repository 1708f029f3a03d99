import {
  applyRecalibration,
  type BandMetrics,
  bandMetrics,
  chooseBand,
  fitRecalibration,
  type IndeterminateBand,
  type Recalibration,
} from '@op-screen/metrics';
import type { Scored } from '../../run/score.js';

/** A fitted recalibration map, or the identity when none can be fitted, with why. */
export interface FittedMap {
  map: Recalibration;
  /** Why the map is not the logistic fit (a fallback was used), or null. */
  note: string | null;
}

const identity = (s: Scored): Recalibration => {
  let events = 0;
  for (const l of s.labels) events += l;
  return { method: 'intercept', intercept: 0, slope: 1, n: s.labels.length, events };
};

/**
 * The recalibration map of one result at one level, fitted on the development folds'
 * out-of-fold validation scores: logistic on the logit (slope and intercept, maximum likelihood).
 * A slope that is not positive would reverse the ranking, so then only the intercept is fitted
 * (calibration-in-the-large); with one class, or scores the fit cannot use, the map is the identity.
 */
export function fitMap(dev: Scored): FittedMap {
  try {
    const map = fitRecalibration(dev.labels, dev.scores, { method: 'logistic' });
    if (map.slope > 0 && Number.isFinite(map.slope) && Number.isFinite(map.intercept))
      return { map, note: null };
    const large = fitRecalibration(dev.labels, dev.scores, { method: 'intercept' });
    return {
      map: large,
      note: `the logistic slope on the development folds was ${map.slope.toFixed(3)} (not positive): only the intercept was fitted`,
    };
  } catch (err) {
    return { map: identity(dev), note: `no recalibration fitted: ${(err as Error).message}` };
  }
}

/** `s` with its scores through `map` (labels, cases and patients unchanged). */
export function recalibrated(s: Scored, map: Pick<Recalibration, 'intercept' | 'slope'>): Scored {
  return { ...s, scores: applyRecalibration(s.scores, map) };
}

/** The patient-level band of one result, chosen on calibrated development scores, and its test metrics. */
export interface BandResult {
  band: IndeterminateBand;
  /** Coverage, and sensitivity, specificity, PPV and NPV among decided test patients, with CIs. */
  test: BandMetrics;
}

/**
 * Chooses the band on the calibrated patient-level development scores (rule-out at sensitivity >=
 * `targets.sensitivity`, rule-in at specificity >= `targets.specificity`) and measures it on the
 * calibrated patient-level test scores. Null when the development patients hold one class.
 */
export function bandResult(
  devPatients: Scored,
  testPatients: Scored,
  targets: { sensitivity: number; specificity: number },
): BandResult | null {
  let events = 0;
  for (const l of devPatients.labels) events += l;
  if (events === 0 || events === devPatients.labels.length || testPatients.labels.length === 0) return null;
  const band = chooseBand(devPatients.labels, devPatients.scores, targets);
  return { band, test: bandMetrics(testPatients.labels, testPatients.scores, band) };
}
