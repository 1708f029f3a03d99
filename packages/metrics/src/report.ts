import { rocConfidenceBand } from './bootstrap.js';
import { calibrationCurve } from './calibration.js';
import { prCurve, rocCurve } from './curve.js';
import { decisionCurve, thresholdGrid } from './decision.js';
import {
  type EvaluationBlock,
  type EvaluationReport,
  evaluatePredictions,
  type PredictionRow,
  predictionColumns,
} from './evaluate.js';
import {
  calibrationSpec,
  confusionMatrixSpec,
  decisionCurveSpec,
  prSpec,
  renderSvg,
  rocSpec,
} from './plots.js';
import { createRng } from './rng.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const fmt = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined ? 'n/a' : Number(x).toFixed(digits);

function metricsTable(b: EvaluationBlock): string {
  const rows: [string, string][] = [
    ['samples (positives)', `${b.n} (${b.positives})`],
    ['ROC AUC [DeLong 95% CI]', `${fmt(b.auc)} [${fmt(b.aucCI95[0])}, ${fmt(b.aucCI95[1])}]`],
    ['average precision', fmt(b.averagePrecision)],
  ];
  if (b.brier !== null) rows.push(['Brier score', fmt(b.brier)], ['log loss', fmt(b.logLoss)]);
  rows.push(
    ['Youden threshold', fmt(b.threshold, 6)],
    ['sensitivity / specificity', `${fmt(b.sensitivity)} / ${fmt(b.specificity)}`],
    ['PPV / NPV', `${fmt(b.ppv)} / ${fmt(b.npv)}`],
    ['F1', fmt(b.f1)],
  );
  if (b.pairedDeLong) {
    const t = b.pairedDeLong;
    rows.push(['AUC of score2; paired DeLong z, p', `${fmt(t.auc2)}; z = ${fmt(t.z, 3)}, p = ${fmt(t.p)}`]);
  }
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

export interface HtmlReportOptions {
  title?: string;
  /** Seed of the bootstrap ROC band (default 1). */
  seed?: number;
  /** Bootstrap resamples for the ROC band (default 500). */
  nBoot?: number;
}

/**
 * A self-contained HTML report of a prediction table: the metrics of {@link evaluatePredictions}
 * and inline SVG plots (ROC with a bootstrap band, PR, calibration and decision curve for
 * probability scores, confusion matrix at the Youden threshold). Group values are never printed.
 */
export async function renderEvaluationHtml(
  rows: readonly PredictionRow[],
  options: HtmlReportOptions = {},
): Promise<{ html: string; report: EvaluationReport }> {
  const report = evaluatePredictions(rows);
  const { labels, scores } = predictionColumns(rows);
  const band = rocConfidenceBand(labels, scores, {
    rng: createRng(options.seed ?? 1),
    nBoot: options.nBoot ?? 500,
  });
  const specs = [
    rocSpec(rocCurve(labels, scores), {
      band,
      title: `ROC (AUC ${fmt(report.auc, 3)}, band: bootstrap 95%)`,
    }),
    prSpec(prCurve(labels, scores), {
      prevalence: report.positives / report.n,
      title: `Precision-recall (AP ${fmt(report.averagePrecision, 3)})`,
    }),
  ];
  if (report.brier !== null) {
    specs.push(
      calibrationSpec(calibrationCurve(labels, scores, { nBins: 10, strategy: 'quantile' }), {
        title: 'Calibration (deciles)',
      }),
    );
    specs.push(decisionCurveSpec(decisionCurve(labels, scores, thresholdGrid(0.01, 0.6, 0.01))));
  }
  specs.push(confusionMatrixSpec({ threshold: report.threshold, ...report.confusion }));
  const svgs = [];
  for (const s of specs) svgs.push(await renderSvg(s));
  const title = escapeHtml(options.title ?? 'op-screen evaluation');
  const patient = report.patient
    ? `<h2>Patient level (mean of each patient's scores; positive if any row is positive)</h2>${metricsTable(report.patient)}`
    : report.patientUnavailable
      ? `<h2>Patient level</h2><p>${escapeHtml(report.patientUnavailable.message)}</p>`
      : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4;font-weight:600}.plots{display:flex;flex-wrap:wrap;gap:1em}</style>
</head><body>
<h1>${title}</h1>
<p>Research software, not a diagnostic device. AUC CI by DeLong's method; Youden point predicts positive when score &gt;= threshold.</p>
<h2>Image level</h2>${metricsTable(report)}
${patient}
<div class="plots">${svgs.map((s) => `<figure>${s}</figure>`).join('\n')}</div>
</body></html>
`;
  return { html, report };
}
