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

/**
 * predict's CSV: per image its raw fold-ensemble `score` and recalibrated `probability`, `positive`
 * at the run's image threshold, and its patient's recalibrated `patient_probability` and three-way
 * `answer` (low, indeterminate, high; empty for runs made before the band) for that sequence.
 */
export const PREDICT_COLUMNS = [
  'patient_id',
  'sequence',
  'level',
  'score',
  'positive',
  'label',
  'probability',
  'patient_probability',
  'answer',
];

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'score new cases with the fold models of a finished reproduce run (CSV: patient_id, sequence, level, score, positive, label, probability, patient_probability, answer)',
    )
    .requiredOption('--model <dir>', 'a finished run: RUN_DIR or RUN_DIR/model')
    .requiredOption('--manifest <file>', 'manifest CSV of the cases to score (t_score/label optional)')
    .option('--out <file>', 'write the CSV here instead of stdout (an existing file is refused)')
    .option('--json', 'print one JSON line {predictions, patients, skipped, thresholds} instead of the CSV')
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
      const patientOf = new Map(r.patients.map((p) => [`${p.sequence}\u0000${p.patientId}`, p]));
      const csv = stringify(
        [
          PREDICT_COLUMNS,
          ...r.predictions.map((p) => {
            const pt = patientOf.get(`${p.sequence}\u0000${p.patientId}`);
            return [
              p.patientId,
              p.sequence,
              p.level,
              // full precision: rounding creates ties that change an AUC computed from the file
              String(p.score),
              p.positive ? '1' : '0',
              p.label === undefined ? '' : String(p.label),
              String(p.probability),
              pt ? String(pt.probability) : '',
              pt?.answer ?? '',
            ];
          }),
          // every field quoted: a patient_id is the manifest's text
        ],
        { quoted: true, quoted_empty: true },
      );
      if (o.out) await writeFileAtomic(o.out, o.json ? jsonLine(r) : csv, { noClobber: true });
      else process.stdout.write(o.json ? jsonLine(r) : csv);
      const count = (a: string) => r.patients.filter((p) => p.answer === a).length;
      process.stderr.write(
        `${r.predictions.length} images scored, ${r.skipped.length} rows skipped; patients (per sequence): ${count('low')} low, ${count('indeterminate')} indeterminate (refer to DXA), ${count('high')} high\n`,
      );
    });
}
