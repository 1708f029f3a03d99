import { resolve } from 'node:path';
import { isArchName, listArchitectures } from '@op-screen/efficientnet';
import type { MetricBlock } from '@op-screen/pipeline';
import { defaultDeps } from '@op-screen/pipeline';
import { releaseRunDirLock } from '@op-screen/study';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { reproduce } from '../reproduce.js';
import { jsonLine } from './errors.js';
import {
  parseFractionOption,
  parseIntOption,
  parseNonNegativeIntOption,
  parsePositiveIntOption,
} from './options.js';

/** `--arch a[,b,...]`: every name must be in the zoo (a usage error otherwise, before any data is read). */
function parseArchList(value: string): string {
  const zoo = listArchitectures();
  const unknown = value.split(',').filter((a) => !isArchName(a.trim()));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown architecture ${unknown.map((a) => `"${a}"`).join(', ')}; choose from ${zoo.join(', ')} (comma-separated to compare several).`,
    );
  return value;
}

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
  folds?: number;
  holdOut?: number;
  wholeImage?: boolean;
  ruleOutSensitivity?: number;
  ruleInSpecificity?: number;
  jobs?: number;
  json?: boolean;
  queue?: string;
}

/**
 * An AUC with its DeLong CI, or why there is no CI: DeLong's variance needs at least two
 * positives and two negatives (the report then stores the uninformative [0, 1]).
 */
export function aucText(b: Pick<MetricBlock, 'auc' | 'aucCI95' | 'n' | 'positives'>): string {
  if (b.positives < 2 || b.n - b.positives < 2)
    return `${b.positives === 0 || b.positives === b.n ? 'not computable' : b.auc.toFixed(3)} (CI not computable: ${b.positives} positive, ${b.n - b.positives} negative)`;
  return `${b.auc.toFixed(3)} [${b.aucCI95.map((v) => v.toFixed(3)).join(', ')}]`;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * Ctrl-C: say what is kept and the one thing to do, drop the run directory's lock (a killed run's
 * lock is recognised as stale anyway) and exit 130.
 */
function interrupted(o: ReproduceCliOptions): void {
  const root = resolve(o.out);
  releaseRunDirLock(root);
  process.stderr.write(
    `\nop-screen reproduce: interrupted. Finished folds and each fold's last epoch are saved in ${root}; ${
      o.resume ? 'run the same command again' : 'run the same command with --resume'
    } to continue from there.\n`,
  );
  process.exit(EXIT_INTERRUPTED);
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
      'quick (ResNet-18@32: about 3 min on the default cohort on 2 cores with the default --jobs, 5 min with --jobs 1), study (the paper: EfficientNet-B4@380, needs --weights) or tiny (the smallest run, for tests)',
      'quick',
    )
    .option('--out <dir>', 'run directory (must be new or empty unless --resume)', 'runs/default')
    .option('--resume', 'continue an interrupted run in --out')
    .option(
      '--split <mode>',
      "patient (grouped, default) or image (the study's optimistic image-level split)",
      'patient',
    )
    .addOption(
      // checked here, before any data is read (a usage error, exit 2)
      new Option(
        '--arch <names>',
        'architecture from the zoo (see op-screen zoo list), or several separated by commas to compare them on the same folds',
      ).argParser(parseArchList),
    )
    .option('--sequence <seq>', 'T1, T2 or both', 'both')
    .option('--seed <n>', 'random seed', parseIntOption, 1)
    .option('--weights <file>', 'ImageNet weights (torchvision .safetensors) for the study preset')
    .option('--epochs <n>', "override the preset's maximum epochs", parsePositiveIntOption)
    .option('--patients <n>', 'synthetic cohort size when no manifest is given', parsePositiveIntOption)
    .option(
      '--workers <n>',
      "training replicas (default: the preset's, 1 for quick; 0 = one per core on wasm/cpu)",
      parseNonNegativeIntOption,
    )
    .option(
      '--include-excluded',
      "sensitivity analysis: also train and evaluate on rows the manifest's exclude column marks (still counted by reason)",
    )
    .option(
      '--folds <n>',
      "cross-validation folds of the development set (default: the preset's, 3 for quick)",
      parsePositiveIntOption,
    )
    .option(
      '--hold-out <fraction>',
      "share of patients held out as the test set, between 0 and 1 (default: the preset's, 0.5 for quick)",
      parseFractionOption,
    )
    .option(
      '--rule-out-sensitivity <fraction>',
      "the three-way answer's rule-out threshold: the highest patient probability with at least this sensitivity on the development folds (default 0.9)",
      parseFractionOption,
    )
    .option(
      '--rule-in-specificity <fraction>',
      "the three-way answer's rule-in threshold: the lowest patient probability with at least this specificity on the development folds (default 0.9)",
      parseFractionOption,
    )
    .option(
      '--whole-image',
      'use the whole slice for rows without roi even when it shows several vertebrae (only when each image already is one vertebra)',
    )
    .option(
      '--jobs <n>',
      'training units (sequence x fold x architecture) trained at the same time in child processes; default: one per core, fewer when free memory cannot hold them; 1 trains in this process; results are the same for every value',
      parsePositiveIntOption,
    )
    .option('--json', 'print report.json to stdout at the end (one line)')
    .option(
      '--queue <url>',
      'train the folds on BullMQ workers (op-screen worker) via redis://host:port[/db] or rediss://; the run directory must be on a file system the workers share',
    )
    .action(async (o: ReproduceCliOptions) => {
      const onInterrupt = () => interrupted(o);
      process.once('SIGINT', onInterrupt);
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
          queue: o.queue,
          includeExcluded: o.includeExcluded ?? false,
          folds: o.folds,
          holdOut: o.holdOut,
          wholeImage: o.wholeImage,
          ruleOutSensitivity: o.ruleOutSensitivity,
          ruleInSpecificity: o.ruleInSpecificity,
          jobs: o.jobs ?? 'auto',
        },
        defaultDeps(),
      ).finally(() => process.off('SIGINT', onInterrupt));
      if (o.json) process.stdout.write(jsonLine(report));
      else {
        const lines = [`${report.title}`];
        for (const [seq, r] of Object.entries(report.results))
          if (r)
            lines.push(`${seq.padEnd(4)} image AUC ${aucText(r.image)}  patient AUC ${aucText(r.patient)}`);
        if (report.baselines.vbq)
          lines.push(
            `VBQ  patient AUC ${report.baselines.vbq.auc.toFixed(3)} (paired DeLong p = ${report.baselines.vbq.pairedDeLong?.p?.toFixed(3) ?? 'n/a'})`,
          );
        lines.push(`report: ${paths.html}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}
