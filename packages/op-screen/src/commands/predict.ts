import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { predictManifest } from '../predict/index.js';
import { defaultDeps } from '../reproduce/ports.js';
import { CliError } from './errors.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'score new cases with the fold models of a finished reproduce run (CSV: patient_id, sequence, level, score, positive, label)',
    )
    .requiredOption('--model <dir>', 'RUN_DIR/model of a finished run')
    .requiredOption('--manifest <file>', 'manifest CSV of the cases to score (t_score/label optional)')
    .option('--out <file>', 'write the CSV here instead of stdout (an existing file is refused)')
    .action(async (o: { model: string; manifest: string; out?: string }) => {
      // refused before the models are loaded and the cases scored
      if (o.out && existsSync(o.out))
        throw new CliError('OUTPUT_EXISTS', 'the output file already exists; choose another --out path', {
          file: o.out,
        });
      const r = await predictManifest({ model: o.model, manifest: o.manifest }, defaultDeps());
      const csv = stringify(
        [
          ['patient_id', 'sequence', 'level', 'score', 'positive', 'label'],
          ...r.predictions.map((p) => [
            p.patientId,
            p.sequence,
            p.level,
            p.score.toPrecision(6),
            p.positive ? '1' : '0',
            p.label === undefined ? '' : String(p.label),
          ]),
          // every field quoted: a patient_id is the manifest's text
        ],
        { quoted: true },
      );
      if (o.out) await writeFile(o.out, csv, { flag: 'wx' });
      else process.stdout.write(csv);
      for (const s of r.skipped)
        process.stderr.write(`skipped manifest line ${s.line}: ${s.code}: ${s.reason}\n`);
      process.stderr.write(`${r.predictions.length} images scored, ${r.skipped.length} rows skipped\n`);
    });
}
