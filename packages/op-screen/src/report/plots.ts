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
  renderSvg,
  rocConfidenceBand,
  rocCurve,
  rocSpec,
  thresholdGrid,
} from '@op-screen/metrics';
import type { Scored } from '../run/score.js';
import type { MetricBlock } from './schema.js';

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

export async function trainingCurveSvg(
  title: string,
  history: Array<{ epoch: number; loss: number; valLoss: number }>,
): Promise<string> {
  return renderSvg(
    lineChartSpec(
      [
        { name: 'train loss', x: history.map((h) => h.epoch), y: history.map((h) => h.loss) },
        { name: 'validation loss', x: history.map((h) => h.epoch), y: history.map((h) => h.valLoss) },
      ],
      { title, xTitle: 'epoch', yTitle: 'binary cross-entropy' },
    ),
  );
}
