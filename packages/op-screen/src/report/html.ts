import { encode } from 'fast-png';
import type { Scored } from '../run/score.js';
import type { GradCamImage } from '../run/types.js';
import { comparisonHtml } from './comparison.js';
import { esc, f3 } from './format.js';
import { curvePlots, trainingCurveSvg } from './plots.js';
import type { MetricBlock, Report } from './schema.js';
import { renderScienceHtml } from './science-html.js';

export interface HtmlExtras {
  seqScores: Record<string, Scored>;
  gradcams: GradCamImage[];
}

/** Jet-like colour map for heatmaps (value in [0,1]). */
function heatColor(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.max(0, Math.min(1, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}

/** PNG data URI of the network input (first channel, min-max scaled) blended with the Grad-CAM heatmap. */
export function gradCamPng(g: GradCamImage, scale = 3): string {
  const n = g.size;
  const ch = g.input.length / (n * n);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n * n; i++) {
    const v = g.input[i * ch] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const hn = Math.round(Math.sqrt(g.heatmap.length));
  const W = n * scale;
  const data = new Uint8Array(W * W * 3 * 2);
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const sx = Math.floor(x / scale);
      const sy = Math.floor(y / scale);
      const gray = (((g.input[(sy * n + sx) * ch] as number) - lo) / (hi - lo || 1)) * 255;
      const h = g.heatmap[
        Math.min(hn - 1, Math.floor((sy * hn) / n)) * hn + Math.min(hn - 1, Math.floor((sx * hn) / n))
      ] as number;
      const [r, gg, b] = heatColor(h);
      const o = (y * 2 * W + x) * 3;
      data[o] = data[o + 1] = data[o + 2] = gray;
      const o2 = (y * 2 * W + W + x) * 3;
      data[o2] = 0.5 * gray + 0.5 * r;
      data[o2 + 1] = 0.5 * gray + 0.5 * gg;
      data[o2 + 2] = 0.5 * gray + 0.5 * b;
    }
  const png = encode({ width: 2 * W, height: W, data, channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

function metricRow(name: string, b: MetricBlock): string {
  return `<tr><td>${esc(name)}</td><td>${b.n}</td><td>${b.positives}</td><td><b>${f3(b.auc)}</b> (${f3(b.aucCI95[0])}–${f3(b.aucCI95[1])})</td><td>${f3(b.sensitivity)}</td><td>${f3(b.specificity)}</td><td>${f3(b.ppv)}</td><td>${f3(b.npv)}</td><td>${f3(b.averagePrecision)}</td><td>${f3(b.brier)}</td><td>${b.folds.map(f3).join(', ')}</td></tr>`;
}

/** One self-contained HTML file: inline CSS, inline SVG plots and PNG data URIs; no scripts, no network. */
export async function renderHtmlReport(report: Report, extras: HtmlExtras): Promise<string> {
  const parts: string[] = [];
  const banner: string[] = [];
  if (report.synthetic)
    banner.push(
      '<p class="warn">Synthetic data: these numbers describe the built-in generative model, not patients.</p>',
    );
  if (report.splitNote) banner.push(`<p class="warn">${esc(report.splitNote)}</p>`);
  banner.push('<p class="note">Research software, not a diagnostic device.</p>');
  parts.push(`<h1>${esc(report.title)}</h1>${banner.join('')}`);
  const c = report.config;
  parts.push(
    `<p>${report.counts.patients} patients, ${report.counts.images} images; hold-out test set ${report.counts.testPatients} patients. ${c.folds}-fold ${report.split}-grouped cross-validation; ${esc(c.arch)} @ ${c.inputSize}px, batch ${c.batchSize}, Adam ${c.learningRate}, at most ${c.epochs} epochs. Patients in more than one split: <b>${report.leakage.groupsInMultipleSplits}</b>. Skipped manifest rows: ${report.skipped}. Wall time ${report.wallTimeSeconds.toFixed(0)} s.</p>`,
  );
  parts.push(
    '<h2>Results (hold-out test set; threshold by Youden on validation folds)</h2><table><tr><th>sequence / level</th><th>n</th><th>pos</th><th>AUC (95% CI, DeLong)</th><th>sens</th><th>spec</th><th>PPV</th><th>NPV</th><th>AP</th><th>Brier</th><th>per-fold AUC</th></tr>',
  );
  for (const [seq, r] of Object.entries(report.results)) {
    if (!r) continue;
    parts.push(metricRow(`${seq} image`, r.image), metricRow(`${seq} patient`, r.patient));
  }
  parts.push('</table>');
  const oracle = report.oracle;
  if (oracle) {
    const best = (level: 'image' | 'patient') =>
      Math.max(
        ...Object.values(report.results)
          .map((r) => (r ? r[level].auc : Number.NaN))
          .filter(Number.isFinite),
      );
    parts.push(
      `<h2>Oracle (synthetic cohort)</h2><p>The best AUC this cohort allows on the same test patients (the generator's posterior given what the image shows): the model reaches <b>${f3(best('image'))}</b> of an attainable <b>${f3(oracle.image.auc)}</b> at image level, and <b>${f3(best('patient'))}</b> of an attainable <b>${f3(oracle.patient.auc)}</b> at patient level.</p>`,
    );
  }
  const vbq = report.baselines.vbq;
  if (vbq) {
    const t = vbq.test;
    const paired = t
      ? ` On the ${t.n} hold-out test patients: VBQ AUC ${f3(t.auc)} (${f3(t.aucCI95[0])}–${f3(t.aucCI95[1])}), CNN T1 patient AUC ${f3(t.pairedDeLong.cnnAuc)}; paired DeLong z = ${f3(t.pairedDeLong.z)}, p = ${f3(t.pairedDeLong.p)}.`
      : ' Too few test patients for the paired comparison with the CNN.';
    parts.push(
      `<h2>VBQ baseline (T1, patient level)</h2><p>VBQ fits nothing to the data, so it is evaluated on all ${vbq.n} patients: AUC ${f3(vbq.auc)} (${f3(vbq.aucCI95[0])}–${f3(vbq.aucCI95[1])}).${paired}</p>`,
    );
  }
  parts.push(await renderScienceHtml(report));
  for (const [seq, s] of Object.entries(extras.seqScores)) {
    const block = report.results[seq as 'T1' | 'T2']?.image;
    if (!block) continue;
    parts.push(`<h2>${esc(seq)}: test-set curves (image level)</h2><div class="grid">`);
    for (const svg of await curvePlots(s, block, seq, report.config.seed))
      parts.push(`<figure>${svg}</figure>`);
    parts.push('</div>');
  }
  parts.push(comparisonHtml(report.comparison));
  parts.push('<h2>Training curves</h2><div class="grid">');
  for (const [seq, folds] of Object.entries(report.training))
    for (const f of folds)
      parts.push(
        `<figure>${await trainingCurveSvg(`${seq} fold ${f.fold} (best epoch ${f.bestEpoch})`, f.history)}</figure>`,
      );
  parts.push('</div>');
  if (extras.gradcams.length) {
    parts.push('<h2>Grad-CAM (fold 1 model, hold-out test images)</h2><div class="grid">');
    for (const g of extras.gradcams)
      parts.push(
        `<figure><img alt="Grad-CAM" src="${gradCamPng(g)}"><figcaption>${esc(g.sequence)} ${esc(g.level)}, label ${g.label}, score ${g.score.toFixed(3)}</figcaption></figure>`,
      );
    parts.push('</div>');
  }
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
  parts.push(
    `<h2>Versions</h2><pre>${esc(JSON.stringify(report.versions, null, 2))}</pre><h2>Configuration</h2><pre>${esc(JSON.stringify(report.config, null, 2))}</pre>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em}.note{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}pre{background:#f6f6f6;padding:1em;font-size:12px;overflow:auto}
</style></head><body>${parts.join('\n')}</body></html>\n`;
}
