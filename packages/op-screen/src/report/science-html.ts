import { calibrationSpec, renderSvg } from '@op-screen/metrics';
import { esc, f3 } from './format.js';
import type { Report } from './schema.js';
import type { CalibrationBlock, SubgroupAnalysis } from './sections.js';

/** The HTML of report.json's subgroup, calibration and TRIPOD+AI sections (no scripts, inline SVG). */

const ciText = (v: number | null, c: [number, number] | null) =>
  v === null ? '–' : `${f3(v)} (${c ? `${f3(c[0])}–${f3(c[1])}` : 'CI n/a'})`;
const BY: Record<SubgroupAnalysis['by'], string> = {
  level: 'vertebral level',
  sex: 'sex',
  ageBand: 'age band',
};

function subgroupsHtml(report: Report): string {
  const sg = report.subgroups;
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

function calibrationRow(name: string, b: CalibrationBlock): string {
  const nb = b.decisionCurve.map((p) => `${p.pt}: ${f3(p.model)} / ${f3(p.treatAll)}`).join('; ');
  return `<tr><td>${esc(name)} ${b.unit}</td><td>${b.n}</td><td>${b.positives}</td><td>${ciText(b.slope, b.slopeCI95)}</td><td>${ciText(b.intercept, b.interceptCI95)}</td><td>${ciText(b.interceptInTheLarge, b.interceptInTheLargeCI95)}</td><td style="text-align:left">${esc(nb)}</td><td style="text-align:left">${esc(b.reason ?? '')}</td></tr>`;
}

async function calibrationHtml(report: Report): Promise<string> {
  const entries = Object.entries(report.calibration);
  if (!entries.length) return '';
  const parts = [
    '<h2>Calibration (hold-out test set)</h2><p>Logistic recalibration logit P(y) = a + b logit(p): slope b (1 is ideal) and intercept a; calibration-in-the-large (a with slope fixed at 1; 0 is ideal); Wald 95% CIs. Net benefit of the model / of treating all at threshold probabilities (decision curve).</p><table><tr><th>result</th><th>n</th><th>pos</th><th>slope</th><th>intercept</th><th>calibration-in-the-large</th><th>net benefit model / treat all</th><th>note</th></tr>',
  ];
  for (const [name, c] of entries) parts.push(calibrationRow(name, c.image), calibrationRow(name, c.patient));
  parts.push('</table><h3>Patient-level calibration curves (quantile bins)</h3><div class="grid">');
  for (const [name, c] of entries) {
    const curve = c.patient.curve;
    if (!curve) continue;
    const svg = await renderSvg(calibrationSpec(curve, { title: `${name}: patient-level calibration` }));
    parts.push(`<figure>${svg}</figure>`);
  }
  parts.push('</div>');
  return parts.join('');
}

function tripodHtml(report: Report): string {
  const t = report.tripod;
  if (!t) return '';
  const rows = t.items.map(
    (i) =>
      `<tr><td>${esc(i.item)}</td><td style="text-align:left">${esc(i.section)}: ${esc(i.topic)}</td><td>${i.status}</td><td style="text-align:left">${esc(i.text)}</td></tr>`,
  );
  return `<h2>TRIPOD+AI checklist</h2><p class="note">${esc(t.guideline)}. ${esc(t.note)}</p><table><tr><th>item</th><th>topic</th><th>status</th><th>reported</th></tr>${rows.join('')}</table>`;
}

/** Subgroups, calibration (image and patient level) and the TRIPOD+AI checklist, in that order. */
export async function renderScienceHtml(report: Report): Promise<string> {
  return [subgroupsHtml(report), await calibrationHtml(report), tripodHtml(report)].join('\n');
}
