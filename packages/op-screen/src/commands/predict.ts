import { defaultDeps, predictManifest } from '@op-screen/pipeline';
import { assertNewFileWritable, writeFileAtomic } from '@op-screen/study';
import { createStepProgress, type StepProgress } from '@op-screen/train';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { CliError, jsonLine } from './errors.js';

interface PredictCliOptions {
  model: string;
  manifest: string;
  out?: string;
  json?: boolean;
}

export const PREDICT_COLUMNS = ['patient_id', 'sequence', 'level', 'score', 'positive', 'label'];

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'score new cases with the fold models of a finished reproduce run (CSV: patient_id, sequence, level, score, positive, label)',
    )
    .requiredOption('--model <dir>', 'a finished run: RUN_DIR or RUN_DIR/model')
    .requiredOption('--manifest <file>', 'manifest CSV of the cases to score (t_score/label optional)')
    .option('--out <file>', 'write the CSV here instead of stdout (an existing file is refused)')
    .option('--json', 'print one JSON line {predictions, skipped, thresholds} instead of the CSV')
    .action(async (o: PredictCliOptions) => {
      // found out before the models are loaded and the cases scored, not after
      if (o.out) await assertNewFileWritable(o.out);
      // one bar per stage on a TTY (reading the images, then the fold models' passes)
      let bar: { stage: string; progress: StepProgress } | null = null;
      const r = await predictManifest(
        {
          model: o.model,
          manifest: o.manifest,
          onProgress: (stage, done, total) => {
            if (bar?.stage !== stage) {
              bar?.progress.stop();
              bar = {
                stage,
                progress: createStepProgress(stage === 'reading' ? 'reading images' : 'scoring', total),
              };
            }
            bar.progress.update(done);
          },
        },
        defaultDeps(),
      ).finally(() => (bar as { progress: StepProgress } | null)?.progress.stop());
      for (const s of r.skipped)
        process.stderr.write(`skipped manifest line ${s.line}: ${s.code}: ${s.reason}\n`);
      if (r.predictions.length === 0)
        throw new CliError(
          'NOTHING_SCORED',
          `no image was scored: all ${r.skipped.length} manifest rows were skipped (reasons above)`,
          { file: o.manifest },
        );
      const csv = stringify(
        [
          PREDICT_COLUMNS,
          ...r.predictions.map((p) => [
            p.patientId,
            p.sequence,
            p.level,
            // full precision: rounding creates ties that change an AUC computed from the file
            String(p.score),
            p.positive ? '1' : '0',
            p.label === undefined ? '' : String(p.label),
          ]),
          // every field quoted: a patient_id is the manifest's text
        ],
        { quoted: true },
      );
      if (o.out) await writeFileAtomic(o.out, o.json ? jsonLine(r) : csv, { noClobber: true });
      else process.stdout.write(o.json ? jsonLine(r) : csv);
      process.stderr.write(`${r.predictions.length} images scored, ${r.skipped.length} rows skipped\n`);
    });
}
