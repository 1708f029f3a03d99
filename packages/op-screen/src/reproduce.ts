import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getArch } from '@op-screen/efficientnet';
import { prepareRunDir, type RunPaths, readManifest } from '@op-screen/study';
import { OpScreenError } from './errors.js';
import { queueExecutor } from './queue/coordinator.js';
import { parseQueueUrl } from './queue/url.js';
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
import type { TrainingOutcome } from './reproduce/stages/training.js';
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
   * `redis://` or `rediss://` URL: the run becomes a coordinator that trains its folds on BullMQ
   * workers (`op-screen worker`) and evaluates when they have finished. Never stored in the run.
   */
  queue?: string;
  /**
   * Train up to this many units (sequence x fold x architecture) at the same time, in child
   * processes (default 1: in this process). Results are those of 1: every unit keeps its seed.
   * Ignored with `queue`. Not stored in the run: a run may resume with another value. The unit
   * processes train with the default engine (`deps.engine` is this process's only). 'auto': as
   * many as the cores hold with each unit's replicas, capped by free memory (`autoJobs`).
   */
  jobs?: number | 'auto';
  /** With `jobs` > 1: the argv prefix that runs the op-screen CLI (`[node, .../dist/cli.js]`). */
  unitCommand?: string[];
  /** Log lines (one per stage / epoch when not on a TTY). */
  log?: (line: string) => void;
}

export interface ReproduceResult {
  report: Report;
  paths: RunPaths;
}

/** The CLI of this package, beside its build (`dist/cli.js`), run with this Node. */
function defaultUnitCommand(): string[] {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  if (!existsSync(cli))
    throw new OpScreenError(
      'BAD_OPTION',
      `jobs > 1 needs the op-screen CLI to start units; ${cli} does not exist (pass unitCommand).`,
      undefined,
      'jobs',
    );
  return [process.execPath, cli];
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
  // Parsed before the run directory exists, so a mistyped URL leaves nothing behind.
  const queue = opts.queue ? parseQueueUrl(opts.queue) : undefined;
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
      remote: queue
        ? queueExecutor(queue, paths, fingerprint, cfg.arch, cfg.folds, log)
        : jobs > 1
          ? localExecutor({
              jobs,
              runDir: paths.root,
              fingerprint,
              arch: cfg.arch,
              folds: cfg.folds,
              command: opts.unitCommand ?? defaultUnitCommand(),
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
