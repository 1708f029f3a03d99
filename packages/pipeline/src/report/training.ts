import { lineChartSpec, renderSvg } from '@op-screen/metrics';
import { z } from 'zod';
import type { ReportSection } from './section.js';

const historyEntrySchema = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  valLoss: z.number(),
  learningRate: z.number(),
});

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

/** The report.json fields of the training section. */
export const trainingShape = {
  training: z.record(
    z.string(),
    z.array(
      z.object({
        fold: z.number().int(),
        epochs: z.number().int(),
        bestEpoch: z.number().int(),
        stoppedEarly: z.boolean(),
        history: z.array(historyEntrySchema),
      }),
    ),
  ),
};

/** Per sequence and fold: epochs, the best epoch, early stopping and the loss history. */
export const trainingSection: ReportSection = {
  name: 'training',
  shape: trainingShape,
  async html(report) {
    const parts = ['<h2>Training curves</h2><div class="grid">'];
    for (const [seq, folds] of Object.entries(report.training))
      for (const f of folds)
        parts.push(
          `<figure>${await trainingCurveSvg(`${seq} fold ${f.fold} (best epoch ${f.bestEpoch})`, f.history)}</figure>`,
        );
    parts.push('</div>');
    return parts.join('\n');
  },
};
