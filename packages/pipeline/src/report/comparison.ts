import { z } from 'zod';
import { esc, f3 } from './format.js';
import type { ReportSection } from './section.js';

const nullableNumber = z.number().nullable();

/** report.json `comparison`: several architectures on the same folds and the same test patients. */
export const comparisonSchema = z.object({
  architectures: z.array(z.string()).min(2),
  /** Per architecture, sequence (T1, T2, both) and level: the test-set AUC with its DeLong 95% CI. */
  results: z.array(
    z.object({
      arch: z.string(),
      sequence: z.string(),
      level: z.enum(['image', 'patient']),
      n: z.number().int().nonnegative(),
      auc: z.number(),
      aucCI95: z.tuple([z.number(), z.number()]),
    }),
  ),
  /** Every pair of architectures, per sequence and level: paired DeLong on the same test cases. */
  pairedDeLong: z.array(
    z.object({
      sequence: z.string(),
      level: z.enum(['image', 'patient']),
      archA: z.string(),
      archB: z.string(),
      n: z.number().int().nonnegative(),
      aucA: nullableNumber,
      aucB: nullableNumber,
      /** aucA - aucB with its 95% CI. */
      difference: nullableNumber,
      differenceCI95: z.tuple([z.number(), z.number()]).nullable(),
      z: nullableNumber,
      p: nullableNumber,
      /** Why z and p are missing (too few positives or negatives), else null. */
      note: z.string().nullable(),
    }),
  ),
});
export type Comparison = z.infer<typeof comparisonSchema>;

/** The HTML report's comparison section (empty without a comparison). */
function comparisonHtml(c: Comparison | undefined): string {
  if (!c) return '';
  const rows = c.results
    .map(
      (r) =>
        `<tr><td>${esc(r.arch)}</td><td>${esc(r.sequence)}</td><td>${r.level}</td><td>${r.n}</td><td>${f3(r.auc)} (${f3(r.aucCI95[0])}–${f3(r.aucCI95[1])})</td></tr>`,
    )
    .join('');
  const tests = c.pairedDeLong
    .map(
      (t) =>
        `<tr><td>${esc(t.archA)} vs ${esc(t.archB)}</td><td>${esc(t.sequence)}</td><td>${t.level}</td><td>${t.n}</td><td>${f3(t.difference)}${t.differenceCI95 ? ` (${f3(t.differenceCI95[0])}–${f3(t.differenceCI95[1])})` : ''}</td><td>${f3(t.z)}</td><td>${f3(t.p)}</td><td>${esc(t.note ?? '')}</td></tr>`,
    )
    .join('');
  return (
    `<h2>Architectures compared (same folds, same test patients)</h2><table><tr><th>architecture</th><th>sequence</th><th>level</th><th>n</th><th>AUC (95% CI, DeLong)</th></tr>${rows}</table>` +
    `<h3>Paired DeLong tests</h3><table><tr><th>pair</th><th>sequence</th><th>level</th><th>n</th><th>AUC difference (95% CI)</th><th>z</th><th>p</th><th></th></tr>${tests}</table>`
  );
}

/** The report.json fields of the comparison section. */
export const comparisonShape = { comparison: comparisonSchema.optional() };

/** Only when the run trained several architectures (`--arch a,b,c`): AUCs and paired DeLong tests. */
export const comparisonSection: ReportSection = {
  name: 'comparison',
  shape: comparisonShape,
  html: (report) => comparisonHtml(report.comparison),
};
