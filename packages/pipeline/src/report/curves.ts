import {
  calibrationCurve,
  calibrationSpec,
  confusionMatrixSpec,
  createRng,
  decisionCurve,
  decisionCurveSpec,
  prCurve,
  prSpec,
  renderSvg,
  rocConfidenceBand,
  rocCurve,
  rocSpec,
  thresholdGrid,
} from '@op-screen/metrics';
import type { MetricBlock, Scored } from '../run/score.js';
import { esc } from './format.js';
import type { ReportSection } from './section.js';

/** ROC with a bootstrap CI band, PR, calibration and decision curve of one test set, as inline SVG. */
export async function curvePlots(
  s: Scored,
  block: MetricBlock,
  title: string,
  seed: number,
): Promise<string[]> {
  const roc = rocCurve(s.labels, s.scores);
  const band = rocConfidenceBand(s.labels, s.scores, { rng: createRng(seed), nBoot: 500 });
  const prevalence = block.positives / block.n;
  const specs = [
    rocSpec(roc, {
      band,
      title: `${title}: ROC, AUC ${block.auc.toFixed(3)} (${block.aucCI95[0].toFixed(3)}–${block.aucCI95[1].toFixed(3)})`,
    }),
    prSpec(prCurve(s.labels, s.scores), { prevalence, title: `${title}: precision-recall` }),
    calibrationSpec(calibrationCurve(s.labels, s.scores, { nBins: 10, strategy: 'quantile' }), {
      title: `${title}: calibration (quantile bins)`,
    }),
    decisionCurveSpec(decisionCurve(s.labels, s.scores, thresholdGrid(0.01, 0.8, 0.01)), {
      title: `${title}: decision curve`,
    }),
    confusionMatrixSpec(
      { ...block.confusion, threshold: block.threshold },
      { title: `${title}: confusion @ ${block.threshold.toPrecision(3)}` },
    ),
  ];
  return Promise.all(specs.map((sp) => renderSvg(sp)));
}

/** The report.json fields of the curves section. */
export const curvesShape = {};

/** ROC with its bootstrap band, PR, calibration, decision curve and confusion matrix per sequence (image level, test set). */
export const curvesSection: ReportSection = {
  name: 'curves',
  shape: curvesShape,
  async html(report, extras) {
    const parts: string[] = [];
    for (const [seq, s] of Object.entries(extras.seqScores)) {
      const block = report.results[seq as 'T1' | 'T2']?.image;
      if (!block) continue;
      parts.push(`<h2>${esc(seq)}: test-set curves (image level)</h2><div class="grid">`);
      for (const svg of await curvePlots(s, block, seq, report.config.seed))
        parts.push(`<figure>${svg}</figure>`);
      parts.push('</div>');
    }
    return parts.join('\n');
  },
};
