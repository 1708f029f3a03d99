import type { Command } from 'commander';
import { defaultDeps } from '../reproduce/ports.js';
import { reproduce } from '../reproduce/run.js';
import { parseIntOption } from './options.js';

interface ReproduceCliOptions {
  manifest?: string;
  data?: string;
  preset: string;
  out: string;
  resume?: boolean;
  split: string;
  arch?: string;
  sequence: string;
  seed: number;
  weights?: string;
  epochs?: number;
  patients?: number;
  workers?: number;
  includeExcluded?: boolean;
  json?: boolean;
}

export function registerReproduceCommand(program: Command): void {
  program
    .command('reproduce')
    .description(
      'run the study end to end: cohort -> crops -> preprocessing -> grouped splits -> fine-tuning -> evaluation -> report',
    )
    .option(
      '--manifest <file>',
      'manifest CSV (patient_id, sequence, level, image, t_score|label, roi, slice, csf_roi)',
    )
    .option('--data <dir>', 'a directory holding manifest.csv')
    .option(
      '--preset <name>',
      'quick (2 CPU cores, ~10 min) or study (the paper: EfficientNet-B4@380, needs --weights)',
      'quick',
    )
    .option('--out <dir>', 'run directory (must be new or empty unless --resume)', 'runs/default')
    .option('--resume', 'continue an interrupted run in --out')
    .option(
      '--split <mode>',
      "patient (grouped, default) or image (the study's optimistic image-level split)",
      'patient',
    )
    .option('--arch <name>', 'architecture from the zoo (see op-screen zoo list)')
    .option('--sequence <seq>', 'T1, T2 or both', 'both')
    .option('--seed <n>', 'random seed', parseIntOption, 1)
    .option('--weights <file>', 'ImageNet weights (torchvision .safetensors) for the study preset')
    .option('--epochs <n>', "override the preset's maximum epochs", parseIntOption)
    .option('--patients <n>', 'synthetic cohort size when no manifest is given', parseIntOption)
    .option('--workers <n>', "training worker threads (0 = the trainer's default)", parseIntOption)
    .option(
      '--include-excluded',
      "sensitivity analysis: also train and evaluate on rows the manifest's exclude column marks (still counted by reason)",
    )
    .option('--json', 'print report.json to stdout at the end')
    .action(async (o: ReproduceCliOptions) => {
      const { report, paths } = await reproduce(
        {
          manifest: o.manifest,
          data: o.data,
          out: o.out,
          resume: o.resume ?? false,
          preset: o.preset,
          seed: o.seed,
          split: o.split,
          sequence: o.sequence,
          arch: o.arch,
          weights: o.weights,
          epochs: o.epochs,
          patients: o.patients,
          workers: o.workers,
          includeExcluded: o.includeExcluded ?? false,
        },
        defaultDeps(),
      );
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [`${report.title}`];
        for (const [seq, r] of Object.entries(report.results))
          if (r)
            lines.push(
              `${seq.padEnd(4)} image AUC ${r.image.auc.toFixed(3)} [${r.image.aucCI95.map((v) => v.toFixed(3)).join(', ')}]  patient AUC ${r.patient.auc.toFixed(3)} [${r.patient.aucCI95.map((v) => v.toFixed(3)).join(', ')}]`,
            );
        if (report.baselines.vbq)
          lines.push(
            `VBQ  patient AUC ${report.baselines.vbq.auc.toFixed(3)} (paired DeLong p = ${report.baselines.vbq.pairedDeLong?.p?.toFixed(3) ?? 'n/a'})`,
          );
        lines.push(`report: ${paths.html}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}
