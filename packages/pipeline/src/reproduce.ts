import { resolve } from 'node:path';
import { getArch } from '@op-screen/efficientnet';
import { prepareRunDir, type RunPaths, readManifest } from '@op-screen/study';
import { OpScreenError } from './errors.js';
import type { Report } from './report/schema.js';
import { checkSequencesPresent } from './reproduce/checks.js';
import {
  compareArchitectures,
  pathsForArch,
  trainArchitectures,
  writeComparedPredictions,
} from './reproduce/compare.js';
import { prepareRunInputs } from './reproduce/inputs.js';
import { autoJobs, localExecutor } from './reproduce/local-jobs.js';
import { defaultDeps } from './reproduce/ports.js';
import { vbqBaseline } from './reproduce/stages/baselines.js';
import { manifestArgument } from './reproduce/stages/cohort.js';
import { evaluateRun } from './reproduce/stages/evaluation.js';
import { gradCamSample } from './reproduce/stages/gradcam.js';
import { buildReport, writePredictions, writeReports } from './reproduce/stages/outputs.js';
import type { PendingFold, TrainingOutcome } from './reproduce/stages/training.js';
import { type ConfigOverrides, resolveConfig } from './run/config.js';
import { RunTimer } from './run/timing.js';
import type { ReproduceDeps } from './run/types.js';

export type { GradCamImage, ReproduceDeps } from './run/types.js';

export interface ReproduceOptions extends ConfigOverrides {
  manifest?: string;
  data?: string;
  out: string;
  resume?: boolean;
  /**
   * Trains the run's pending units somewhere else, e.g. on BullMQ workers (@op-screen/queue's
   * `queueExecutor`); `jobs` is then ignored. Called once, after the run directory is claimed.
   */
  executor?: (run: UnitExecutorContext) => UnitExecutor;
  /**
   * Train up to this many units (sequence x fold x architecture) at the same time, in child
   * processes (default 1: in this process). Results are those of 1: every unit keeps its seed.
   * Ignored with `executor`. Not stored in the run: a run may resume with another value. The unit
   * processes train with the default engine (`deps.engine` is this process's only). 'auto': as
   * many as the cores hold with each unit's replicas, capped by free memory (`autoJobs`).
   */
  jobs?: number | 'auto';
  /**
   * With `jobs` > 1: the argv prefix that runs the op-screen CLI (`[node, .../dist/cli.js]`), whose
   * `train-unit` command trains one unit. Required then (this package has no CLI of its own).
   */
  unitCommand?: string[];
  /** Log lines (one per stage / epoch when not on a TTY). */
  log?: (line: string) => void;
}

/** What an executor is told about the run whose units it trains. */
export interface UnitExecutorContext {
  paths: RunPaths;
  /** The run's inputs fingerprint (a unit refuses a run directory whose inputs changed). */
  fingerprint: string;
  arch: string;
  folds: number;
  log: (line: string) => void;
}

/** Trains the pending folds (units) and resolves when each has its done-marker. */
export type UnitExecutor = (pending: PendingFold[]) => Promise<void>;

export interface ReproduceResult {
  report: Report;
  paths: RunPaths;
}

function unitCommandOf(opts: ReproduceOptions): string[] {
  if (opts.unitCommand && opts.unitCommand.length > 0) return opts.unitCommand;
  throw new OpScreenError(
    'BAD_OPTION',
    'jobs > 1 needs a command that starts the op-screen CLI to train units (pass unitCommand).',
    undefined,
    'jobs',
  );
}

/**
 * `op-screen reproduce`: cohort -> images -> preprocessing -> grouped splits -> training per
 * sequence and fold -> evaluation -> baselines -> run directory. Each arrow is a stage module in
 * ./stages; this function only passes their results along.
 */
export async function reproduce(
  opts: ReproduceOptions,
  deps: ReproduceDeps = defaultDeps(),
): Promise<ReproduceResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cfg = resolveConfig(opts);
  const manifestArg = manifestArgument(opts);
  // read and validated before the run directory is claimed: a bad manifest leaves nothing behind
  const given =
    manifestArg === null
      ? null
      : await readManifest(manifestArg, {
          tScoreThreshold: cfg.tScoreThreshold,
          includeExcluded: cfg.includeExcluded,
        });
  if (given && manifestArg) checkSequencesPresent(given.rows, cfg, manifestArg);
  const { paths, resumed, release } = await prepareRunDir(
    resolve(opts.out),
    cfg,
    { manifest: manifestArg },
    opts.resume ?? false,
  );
  log(
    `${resumed ? 'resuming' : 'starting'} run in ${paths.root} (preset ${cfg.preset}, ${cfg.split}-level split, seed ${cfg.seed})`,
  );
  let timer: RunTimer;
  try {
    timer = await RunTimer.start(paths.timing, t0);
  } catch (err) {
    await release();
    throw err;
  }
  try {
    const { cohort, images, skipped, excluded, prepared, split, fingerprint } = await prepareRunInputs(
      manifestArg,
      cfg,
      paths,
      deps,
      log,
      given,
    );
    log(
      `split: ${split.split.test.length} test vertebrae, ${cfg.folds} folds; patients in more than one split: ${split.split.groupsInMultipleSplits}`,
    );
    const jobs =
      opts.jobs === 'auto' ? autoJobs(cfg, getArch(cfg.arch).parameters) : Math.max(1, opts.jobs ?? 1);
    const outcomes = await trainArchitectures({
      cfg,
      deps,
      paths,
      resumed,
      images,
      prepared,
      split,
      log,
      onProgress: () => void timer.save(),
      remote: opts.executor
        ? opts.executor({ paths, fingerprint, arch: cfg.arch, folds: cfg.folds, log })
        : jobs > 1
          ? localExecutor({
              jobs,
              runDir: paths.root,
              fingerprint,
              arch: cfg.arch,
              folds: cfg.folds,
              command: unitCommandOf(opts),
              log,
            })
          : undefined,
    });
    // The first architecture is the run's model: results, baselines, training curves, Grad-CAM.
    const { foldResults, training } = outcomes.get(cfg.arch) as TrainingOutcome;
    const evaluation = evaluateRun(cfg, images, foldResults);
    const baselines = vbqBaseline(cfg, evaluation.seqScores, evaluation.imageByKey, log);
    const evaluations = new Map(
      [...outcomes].map(([arch, o]) => [
        arch,
        arch === cfg.arch ? evaluation : evaluateRun(cfg, images, o.foldResults),
      ]),
    );

    if (cfg.archs) await writeComparedPredictions(paths, cfg, outcomes, evaluations);
    else await writePredictions(paths, cfg, foldResults, evaluation);
    const report = await buildReport({
      cfg,
      deps,
      synthetic: cohort.synthetic,
      sidecar: cohort.sidecar,
      split,
      skipped,
      excluded,
      imageCount: images.length,
      images,
      evaluation,
      baselines,
      training,
      prepared,
      wallTimeSeconds: await timer.save(),
      ...(cfg.archs ? { comparison: compareArchitectures(cfg, evaluations) } : {}),
    });
    const primaryPaths = pathsForArch(cfg, paths, cfg.arch);
    const gradcams = await gradCamSample(
      cfg,
      deps,
      primaryPaths,
      images,
      prepared.inputs,
      evaluation.seqScores,
      log,
    );
    // model/meta.json (for predict) goes beside the first architecture's fold models.
    await writeReports(primaryPaths, cfg, report, evaluation, prepared, gradcams);
    log(
      `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${report.wallTimeSeconds.toFixed(1)} s over ${timer.sessions} session(s)): ${paths.report}`,
    );
    return { report, paths };
  } finally {
    timer.stop();
    await release();
  }
}
