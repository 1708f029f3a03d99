import { z } from 'zod';
import { type MetricBlock, metricBlockSchema } from '../run/score.js';
import { esc, f3 } from './format.js';
import type { ReportSection } from './section.js';

const sequenceResultSchema = z.object({ image: metricBlockSchema, patient: metricBlockSchema });

function metricRow(name: string, b: MetricBlock): string {
  return `<tr><td>${esc(name)}</td><td>${b.n}</td><td>${b.positives}</td><td><b>${f3(b.auc)}</b> (${f3(b.aucCI95[0])}–${f3(b.aucCI95[1])})</td><td>${f3(b.sensitivity)}</td><td>${f3(b.specificity)}</td><td>${f3(b.ppv)}</td><td>${f3(b.npv)}</td><td>${f3(b.averagePrecision)}</td><td>${f3(b.brier)}</td><td>${b.folds.map((v) => f3(v)).join(', ')}</td></tr>`;
}

/** The report.json fields of the results section. */
export const resultsShape = {
  results: z.object({
    T1: sequenceResultSchema.optional(),
    T2: sequenceResultSchema.optional(),
    both: sequenceResultSchema.optional(),
  }),
};

/** The CNN's results on the hold-out test set: per sequence and `both`, image and patient level. */
export const resultsSection: ReportSection = {
  name: 'results',
  shape: resultsShape,
  html(report) {
    const parts = [
      '<h2>Results (hold-out test set; threshold by Youden on validation folds)</h2><table><tr><th>sequence / level</th><th>n</th><th>pos</th><th>AUC (95% CI, DeLong)</th><th>sens</th><th>spec</th><th>PPV</th><th>NPV</th><th>AP</th><th>Brier</th><th>per-fold AUC</th></tr>',
    ];
    for (const [seq, r] of Object.entries(report.results)) {
      if (!r) continue;
      parts.push(metricRow(`${seq} image`, r.image), metricRow(`${seq} patient`, r.patient));
    }
    parts.push('</table>');
    return parts.join('');
  },
};
