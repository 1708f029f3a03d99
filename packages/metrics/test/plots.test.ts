import { describe, expect, it } from 'vitest';
import {
  calibrationCurve,
  calibrationSpec,
  confusionMatrixSpec,
  createRng,
  decisionCurve,
  decisionCurveSpec,
  lineChartSpec,
  prCurve,
  prSpec,
  renderEvaluationHtml,
  renderSvg,
  rocConfidenceBand,
  rocCurve,
  rocSpec,
  thresholdMetrics,
} from '../src/index.js';
import { reference } from './shared.js';

const c = reference.cases.find((r) => r.name === 'vertebra_level_240')!;

describe('plots', () => {
  it('renders ROC (with band), PR, calibration, decision curve, confusion matrix and line charts to SVG', async () => {
    const band = rocConfidenceBand(c.labels, c.scores, { rng: createRng(1), nBoot: 100 });
    const specs = [
      rocSpec(rocCurve(c.labels, c.scores), { band }),
      prSpec(prCurve(c.labels, c.scores), { prevalence: 0.28 }),
      calibrationSpec(calibrationCurve(c.labels, c.scores)),
      decisionCurveSpec(decisionCurve(c.labels, c.scores, [0.1, 0.2, 0.3])),
      confusionMatrixSpec(thresholdMetrics(c.labels, c.scores, 0.5)),
      lineChartSpec(
        [
          { name: 'train loss', x: [1, 2, 3], y: [0.7, 0.5, 0.4] },
          { name: 'val loss', x: [1, 2, 3], y: [0.72, 0.6, 0.58] },
        ],
        { title: 'Loss', xTitle: 'epoch', yTitle: 'loss' },
      ),
    ];
    for (const spec of specs) {
      const svg = await renderSvg(spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('</svg>');
      expect(svg).toMatch(/<path|<rect/);
    }
    const roc = await renderSvg(specs[0]);
    expect(roc).toContain('sensitivity');
    const cm = await renderSvg(specs[4]);
    const m = thresholdMetrics(c.labels, c.scores, 0.5);
    for (const n of [m.tp, m.fp, m.tn, m.fn]) expect(cm).toContain(`>${n}<`);
  });

  it('builds an HTML report without printing group ids', async () => {
    const rows = c.labels.map((label, i) => ({ label, score: c.scores[i], group: c.groups![i] }));
    const { html, report } = await renderEvaluationHtml(rows, { nBoot: 50 });
    expect(report.patient?.n).toBe(60);
    expect(html.match(/<svg/g)).toHaveLength(5);
    expect(html).toContain('Patient level');
    expect(html).not.toContain(c.groups![0]);
  });
});
