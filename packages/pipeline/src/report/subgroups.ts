import { z } from 'zod';
import { esc, f3 } from './format.js';
import type { ReportSection } from './section.js';

const nullableNumber = z.number().nullable();
const ci = z.tuple([z.number(), z.number()]);

/** One subgroup: its AUC with DeLong CI when both classes have at least `minPerClass` members, else why not. */
export const subgroupResultSchema = z.object({
  group: z.string(),
  n: z.number().int().nonnegative(),
  positives: z.number().int().nonnegative(),
  negatives: z.number().int().nonnegative(),
  reported: z.boolean(),
  auc: nullableNumber,
  aucCI95: ci.nullable(),
  /** Why the AUC is not reported, e.g. "3 positives (fewer than 5)"; null when reported. */
  reason: z.string().nullable(),
});
export type SubgroupResult = z.infer<typeof subgroupResultSchema>;

export const subgroupAnalysisSchema = z.object({
  by: z.enum(['level', 'sex', 'ageBand']),
  unit: z.enum(['image', 'patient']),
  groups: z.array(subgroupResultSchema),
});
export type SubgroupAnalysis = z.infer<typeof subgroupAnalysisSchema>;

export const subgroupsSchema = z.object({
  minPerClass: z.number().int().positive(),
  ageBands: z.array(z.string()),
  /** Per result (T1, T2, both): the analyses that could be made on the hold-out test set. */
  results: z.record(z.string(), z.array(subgroupAnalysisSchema)),
  /** Subgroup variables the run could not analyse and why (e.g. the manifest has no sex column). */
  unavailable: z.array(z.object({ by: z.enum(['sex', 'ageBand']), reason: z.string() })),
});
export type Subgroups = z.infer<typeof subgroupsSchema>;

const BY: Record<SubgroupAnalysis['by'], string> = {
  level: 'vertebral level',
  sex: 'sex',
  ageBand: 'age band',
};

function subgroupsHtml(sg: Subgroups | null): string {
  if (!sg) return '';
  const parts = [
    `<h2>Subgroups (hold-out test set)</h2><p>AUC with 95% DeLong CI, reported only for groups with at least ${sg.minPerClass} positives and ${sg.minPerClass} negatives; otherwise the reason is given.</p>`,
  ];
  for (const u of sg.unavailable)
    parts.push(`<p class="note">No ${esc(BY[u.by])} subgroups: ${esc(u.reason)}.</p>`);
  parts.push(
    '<table><tr><th>result</th><th>by</th><th>unit</th><th>group</th><th>n</th><th>pos</th><th>neg</th><th>AUC (95% CI)</th></tr>',
  );
  for (const [name, analyses] of Object.entries(sg.results))
    for (const a of analyses)
      for (const g of a.groups)
        parts.push(
          `<tr><td>${esc(name)}</td><td>${esc(BY[a.by])}</td><td>${a.unit}</td><td>${esc(g.group)}</td><td>${g.n}</td><td>${g.positives}</td><td>${g.negatives}</td><td>${g.reported ? `<b>${f3(g.auc)}</b> (${f3(g.aucCI95?.[0])}–${f3(g.aucCI95?.[1])})` : `not reported: ${esc(g.reason ?? '')}`}</td></tr>`,
        );
  parts.push('</table>');
  return parts.join('');
}

/** The report.json fields of the subgroups section. */
export const subgroupsShape = { subgroups: subgroupsSchema.nullable().default(null) };

/** Per-level, sex and age-band AUCs on the hold-out test set. */
export const subgroupsSection: ReportSection = {
  name: 'subgroups',
  shape: subgroupsShape,
  html: (report) => subgroupsHtml(report.subgroups),
};
