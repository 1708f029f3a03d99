import { esc } from './format.js';
import type { Report } from './schema.js';
import type { HtmlExtras } from './section.js';
import { REPORT_SECTIONS } from './sections.js';

export type { HtmlExtras } from './section.js';

/**
 * One self-contained HTML file: the run's header, then every section of {@link REPORT_SECTIONS}
 * in order. Inline CSS, inline SVG plots and PNG data URIs; no scripts, no network.
 */
export async function renderHtmlReport(report: Report, extras: HtmlExtras): Promise<string> {
  const banner: string[] = [];
  if (report.synthetic)
    banner.push(
      '<p class="warn">Synthetic data: these numbers describe the built-in generative model, not patients.</p>',
    );
  if (report.splitNote) banner.push(`<p class="warn">${esc(report.splitNote)}</p>`);
  banner.push('<p class="note">Research software, not a diagnostic device.</p>');
  const c = report.config;
  const parts = [
    `<h1>${esc(report.title)}</h1>${banner.join('')}`,
    `<p>${report.counts.patients} patients, ${report.counts.images} images; hold-out test set ${report.counts.testPatients} patients. ${c.folds}-fold ${report.split}-grouped cross-validation; ${esc(c.arch)} @ ${c.inputSize}px, batch ${c.batchSize}, Adam ${c.learningRate}, at most ${c.epochs} epochs. Patients in more than one split: <b>${report.leakage.groupsInMultipleSplits}</b>. Skipped manifest rows: ${report.skipped}. Wall time ${report.wallTimeSeconds.toFixed(0)} s.</p>`,
  ];
  for (const s of REPORT_SECTIONS) {
    const html = await s.html(report, extras);
    if (html) parts.push(html);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em}.note{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}pre{background:#f6f6f6;padding:1em;font-size:12px;overflow:auto}
</style></head><body>${parts.join('\n')}</body></html>\n`;
}
