import { f3 } from '@op-screen/pipeline';
import { DEFAULT_PATIENTS, writeSyntheticCohort } from '@op-screen/synth';
import { createStepProgress } from '@op-screen/train';
import type { Command } from 'commander';
import { parseIntOption } from './options.js';

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic lumbar-spine MRI cohort (sagittal T1/T2 DICOM series + manifest.csv)')
    .requiredOption('--out <dir>', 'output directory (must be empty or new)')
    .option('--patients <n>', 'number of patients', parseIntOption, DEFAULT_PATIENTS)
    .option('--seed <n>', 'random seed', parseIntOption, 1)
    .action(async (opts: { out: string; patients: number; seed: number }) => {
      const bar = createStepProgress('synth', opts.patients);
      const r = await writeSyntheticCohort(opts.out, {
        patients: opts.patients,
        seed: opts.seed,
        onPatient: (d) => bar.update(d),
      });
      bar.stop();
      process.stderr.write(
        `wrote ${r.patients.length} synthetic patients, ${r.rows} manifest rows: ${r.manifest}\n` +
          `oracle (best attainable) AUC: image ${f3(r.oracle.image.auc)}, patient ${f3(r.oracle.patient.auc)} (${r.sidecar})\n`,
      );
    });
}
