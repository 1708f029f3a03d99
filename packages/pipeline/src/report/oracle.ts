import { z } from 'zod';
import { f3 } from './format.js';
import type { ReportSection } from './section.js';

const nullableNumber = z.number().nullable();

/** The report.json fields of the oracle section. */
export const oracleShape = {
  /**
   * The AUC of the generator's posterior P(T-score <= -2.5 | what the image shows) on the test
   * patients (see @op-screen/synth); null for real data.
   */
  oracle: z
    .object({
      image: z.object({ auc: nullableNumber, n: z.number().int(), positives: z.number().int() }),
      patient: z.object({ auc: nullableNumber, n: z.number().int(), positives: z.number().int() }),
    })
    .nullable()
    .default(null),
};

/** Synthetic cohorts only: the best AUC the cohort allows on this run's test patients. */
export const oracleSection: ReportSection = {
  name: 'oracle',
  shape: oracleShape,
  html(report) {
    const oracle = report.oracle;
    if (!oracle) return '';
    const best = (level: 'image' | 'patient') =>
      Math.max(
        ...Object.values(report.results)
          .map((r) => (r ? r[level].auc : Number.NaN))
          .filter(Number.isFinite),
      );
    return `<h2>Oracle (synthetic cohort)</h2><p>The best AUC this cohort allows on the same test patients (the generator's posterior given what the image shows): the model reaches <b>${f3(best('image'))}</b> of an attainable <b>${f3(oracle.image.auc)}</b> at image level, and <b>${f3(best('patient'))}</b> of an attainable <b>${f3(oracle.patient.auc)}</b> at patient level.</p>`;
  },
};
