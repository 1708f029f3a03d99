import { z } from 'zod';
import { esc } from './format.js';
import type { ReportSection } from './section.js';

/** The report.json fields of the exclusions section. */
export const exclusionsShape = {
  skipped: z.number().int().nonnegative(),
  skippedRows: z.array(z.object({ line: z.number().int(), code: z.string(), reason: z.string() })),
  /** Rows the manifest's `exclude` column left out, by reason (fracture, severe_degeneration). */
  excluded: z.record(z.string(), z.number().int()).default({}),
};

/** What the manifest left out: rows skipped with a reason, vertebrae excluded by the `exclude` column. */
export const exclusionsSection: ReportSection = {
  name: 'exclusions',
  shape: exclusionsShape,
  html(report) {
    const parts: string[] = [];
    const excluded = Object.entries(report.excluded ?? {});
    if (excluded.length)
      parts.push(
        `<p>${report.config.includeExcluded ? 'Marked for exclusion by the manifest but INCLUDED (sensitivity analysis, --include-excluded)' : 'Excluded by the manifest'}: ${excluded.map(([k, n]) => `${n} ${esc(k.replace('_', ' '))}`).join(', ')}.</p>`,
      );
    if (report.skippedRows.length) {
      parts.push('<h2>Skipped manifest rows</h2><table><tr><th>line</th><th>code</th><th>reason</th></tr>');
      for (const s of report.skippedRows)
        parts.push(`<tr><td>${s.line}</td><td>${esc(s.code)}</td><td>${esc(s.reason)}</td></tr>`);
      parts.push('</table>');
    }
    return parts.join('\n');
  },
};
