import { calibrationSpec, renderSvg } from '@op-screen/metrics';
import { z } from 'zod';
import { esc, f3 } from './format.js';
import type { ReportSection } from './section.js';

const nullableNumber = z.number().nullable();
const ci = z.tuple([z.number(), z.number()]);

export const calibrationBlockSchema = z.object({
  unit: z.enum(['image', 'patient']),
  n: z.number().int(),
  positives: z.number().int(),
  /** Null when the fit is impossible (one class, or scores that are not probabilities); `reason` says why. */
  slope: nullableNumber,
  slopeCI95: ci.nullable(),
  intercept: nullableNumber,
  interceptCI95: ci.nullable(),
  /** Calibration-in-the-large: intercept with logit(p) as offset (slope fixed at 1); 0 is ideal. */
  interceptInTheLarge: nullableNumber,
  interceptInTheLargeCI95: ci.nullable(),
  curve: z
    .object({
      strategy: z.literal('quantile'),
      meanPredicted: z.array(z.number()),
      fracPositives: z.array(z.number()),
      counts: z.array(z.number()),
      edges: z.array(z.number()),
    })
    .nullable(),
  /** Net benefit of the model and of treat-all at a few threshold probabilities (Vickers & Elkin 2006). */
  decisionCurve: z.array(z.object({ pt: z.number(), model: z.number(), treatAll: z.number() })),
  reason: z.string().nullable(),
});
export type CalibrationBlock = z.infer<typeof calibrationBlockSchema>;

/** A recalibration map fitted on the development folds (metrics' `Recalibration`), and why it is not the logistic fit. */
export const recalibrationMapShape = z.object({
  method: z.enum(['logistic', 'intercept']),
  intercept: z.number(),
  slope: z.number(),
  n: z.number().int(),
  events: z.number().int(),
  note: z.string().nullable(),
});

export const calibrationSchema = z.record(
  z.string(),
  z.object({
    /** Before: the fold ensemble's raw scores on the hold-out test set. */
    image: calibrationBlockSchema,
    patient: calibrationBlockSchema,
    /**
     * After recalibration (`map`: each fold model's image-level map, fitted on its own validation
     * fold, and the patient-level map): what predictions.csv's `probability`, the thresholds and the
     * band use.
     */
    recalibrated: z
      .object({
        image: calibrationBlockSchema,
        patient: calibrationBlockSchema,
        map: z.object({ folds: z.array(recalibrationMapShape), patient: recalibrationMapShape }),
      })
      .nullable()
      .default(null),
  }),
);
export type Calibration = z.infer<typeof calibrationSchema>;

const ciText = (v: number | null, c: [number, number] | null) =>
  v === null ? 'n/a' : `${f3(v)} (${c ? `${f3(c[0])}–${f3(c[1])}` : 'CI n/a'})`;

function calibrationRow(name: string, b: CalibrationBlock, when = ''): string {
  const nb = b.decisionCurve.map((p) => `${p.pt}: ${f3(p.model)} / ${f3(p.treatAll)}`).join('; ');
  return `<tr><td>${esc(name)} ${b.unit}${when}</td><td>${b.n}</td><td>${b.positives}</td><td>${ciText(b.slope, b.slopeCI95)}</td><td>${ciText(b.intercept, b.interceptCI95)}</td><td>${ciText(b.interceptInTheLarge, b.interceptInTheLargeCI95)}</td><td style="text-align:left">${esc(nb)}</td><td style="text-align:left">${esc(b.reason ?? '')}</td></tr>`;
}

async function calibrationHtml(calibration: Calibration): Promise<string> {
  const entries = Object.entries(calibration);
  if (!entries.length) return '';
  const parts = [
    '<h2>Calibration (hold-out test set)</h2><p>Logistic recalibration logit P(y) = a + b logit(p): slope b (1 is ideal) and intercept a; calibration-in-the-large (a with slope fixed at 1; 0 is ideal); Wald 95% CIs. Net benefit of the model / of treating all at threshold probabilities (decision curve). "raw": the fold ensemble\'s scores; "recalibrated": each fold model\'s score through a map fitted on its own validation fold, averaged over the folds, and for patients the mean of those probabilities through a map fitted on the development patients; the probabilities, thresholds and band use them.</p><table><tr><th>result</th><th>n</th><th>pos</th><th>slope</th><th>intercept</th><th>calibration-in-the-large</th><th>net benefit model / treat all</th><th>note</th></tr>',
  ];
  for (const [name, c] of entries) {
    parts.push(calibrationRow(name, c.image, ' raw'), calibrationRow(name, c.patient, ' raw'));
    if (c.recalibrated)
      parts.push(
        calibrationRow(name, c.recalibrated.image, ' recalibrated'),
        calibrationRow(name, c.recalibrated.patient, ' recalibrated'),
      );
  }
  parts.push(
    '</table><h3>Patient-level calibration curves (quantile bins), raw and recalibrated</h3><div class="grid">',
  );
  for (const [name, c] of entries) {
    for (const [when, b] of [
      ['raw', c.patient],
      ['recalibrated', c.recalibrated?.patient],
    ] as const) {
      if (!b?.curve) continue;
      const svg = await renderSvg(calibrationSpec(b.curve, { title: `${name}: patient level, ${when}` }));
      parts.push(`<figure>${svg}</figure>`);
    }
  }
  parts.push('</div>');
  return parts.join('');
}

/** The report.json fields of the calibration section. */
export const calibrationShape = { calibration: calibrationSchema.default({}) };

/** Calibration slope, intercepts, reliability curve and decision curve per result, image and patient level. */
export const calibrationSection: ReportSection = {
  name: 'calibration',
  shape: calibrationShape,
  html: (report) => calibrationHtml(report.calibration),
};
