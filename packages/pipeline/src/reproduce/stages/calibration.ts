import { calibrationCurve, calibrationSlope, decisionCurve } from '@op-screen/metrics';
import type { BandSection, Calibration, CalibrationBlock } from '../../report/sections.js';
import { type Scored, toPatientLevel } from '../../run/score.js';
import type { Evaluation } from './evaluation.js';

/** Threshold probabilities at which report.json lists the decision curve (the HTML plots the full curve). */
export const DECISION_THRESHOLDS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5] as const;

const finiteCi = (c: [number, number]): [number, number] | null =>
  Number.isFinite(c[0]) && Number.isFinite(c[1]) ? c : null;
const finite = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * Calibration of one scored set: logistic recalibration slope and intercept (Cox 1958) and
 * calibration-in-the-large with Wald 95% CIs, a quantile-binned reliability curve (`bins` bins)
 * and the decision curve at {@link DECISION_THRESHOLDS}. When the scores are not probabilities or
 * only one class is present, the fit is null and `reason` says why.
 */
export function calibrationBlock(s: Scored, unit: 'image' | 'patient', bins: number): CalibrationBlock {
  let positives = 0;
  for (const l of s.labels) positives += l;
  const base = { unit, n: s.labels.length, positives };
  const empty = {
    ...base,
    slope: null,
    slopeCI95: null,
    intercept: null,
    interceptCI95: null,
    interceptInTheLarge: null,
    interceptInTheLargeCI95: null,
    curve: null,
    decisionCurve: [],
  };
  if (!s.scores.every((v) => v >= 0 && v <= 1))
    return { ...empty, reason: 'scores are not probabilities in [0, 1]' };
  if (positives === 0 || positives === s.labels.length)
    return { ...empty, reason: `only one class (${positives} positives of ${s.labels.length})` };
  let fit: ReturnType<typeof calibrationSlope>;
  try {
    fit = calibrationSlope(s.labels, s.scores);
  } catch (err) {
    return { ...empty, reason: `calibration fit failed: ${(err as Error).message}` };
  }
  const c = calibrationCurve(s.labels, s.scores, {
    nBins: Math.max(1, Math.min(bins, s.labels.length)),
    strategy: 'quantile',
  });
  const dc = decisionCurve(s.labels, s.scores, [...DECISION_THRESHOLDS]);
  const separated = !Number.isFinite(fit.slopeSE) || fit.slopeSE > 1e3;
  return {
    ...base,
    slope: finite(fit.slope),
    slopeCI95: finiteCi(fit.slopeCI),
    intercept: finite(fit.intercept),
    interceptCI95: finiteCi(fit.interceptCI),
    interceptInTheLarge: finite(fit.interceptInTheLarge),
    interceptInTheLargeCI95: finiteCi(fit.interceptInTheLargeCI),
    curve: { strategy: 'quantile', ...c },
    decisionCurve: dc.map((p) => ({ pt: p.pt, model: p.model, treatAll: p.treatAll })),
    reason: separated
      ? 'the classes are (nearly) separated: the slope is unstable and its CI very wide'
      : null,
  };
}

/** Stage 6c': the indeterminate band of every result (report.json `band`). */
export function bandStage(ev: Evaluation): BandSection {
  const out: BandSection = {};
  for (const [name, c] of ev.calibration) out[name] = c.band ? { ...c.band.band, test: c.band.test } : null;
  return out;
}

/**
 * Stage 6c: calibration of every result (T1, T2, both) on the hold-out test set, at image and
 * patient level, before (the fold ensemble's raw scores) and after recalibration.
 */
export function calibrationStage(ev: Evaluation): Calibration {
  const out: Calibration = {};
  for (const [name, entries] of ev.testByResult) {
    const img = ev.collect(entries);
    const c = ev.calibration.get(name);
    out[name] = {
      image: calibrationBlock(img, 'image', 10),
      patient: calibrationBlock(toPatientLevel(img), 'patient', 5),
      recalibrated: c
        ? {
            image: calibrationBlock(c.calibrated.image, 'image', 10),
            patient: calibrationBlock(c.calibrated.patient, 'patient', 5),
            map: {
              folds: c.folds.map((f) => ({ ...f.map, note: f.note })),
              patient: { ...c.patient.map, note: c.patient.note },
            },
          }
        : null,
    };
  }
  return out;
}
