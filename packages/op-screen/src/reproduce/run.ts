import { resolve } from 'node:path';
import type { Report } from '../report/schema.js';
import { prepareRunDir, type RunPaths } from '../run/rundir.js';
import { RunTimer } from '../run/timing.js';
import { type ConfigOverrides, resolveConfig } from './config.js';
import { defaultDeps } from './ports.js';
import { splitVertebrae } from './splits.js';
import { vbqBaseline } from './stages/baselines.js';
import { manifestArgument, resolveCohort } from './stages/cohort.js';
import { evaluateRun } from './stages/evaluation.js';
import { gradCamSample } from './stages/gradcam.js';
import { loadImages } from './stages/images.js';
import { buildReport, writePredictions, writeReports } from './stages/outputs.js';
import { prepareInputs } from './stages/preprocessing.js';
import { trainSequences } from './stages/training.js';
import type { ReproduceDeps } from './types.js';

export type { GradCamImage, ReproduceDeps } from './types.js';

export interface ReproduceOptions extends ConfigOverrides {
  manifest?: string;
  data?: string;
  out: string;
  resume?: boolean;
  /** Log lines (one per stage / epoch when not on a TTY). */
  log?: (line: string) => void;
}

export interface ReproduceResult {
  report: Report;
  paths: RunPaths;
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
  const { paths, resumed } = await prepareRunDir(
    resolve(opts.out),
    cfg,
    { manifest: manifestArg },
    opts.resume ?? false,
  );
  log(
    `${resumed ? 'resuming' : 'starting'} run in ${paths.root} (preset ${cfg.preset}, ${cfg.split}-level split, seed ${cfg.seed})`,
  );
  const timer = await RunTimer.start(`${paths.root}/timing.json`, t0);

  const cohort = await resolveCohort(manifestArg, cfg, paths, log);
  const { images, skipped, excluded } = await loadImages(cohort, deps, paths, log);
  const prepared = prepareInputs(images, cfg, deps);
  const split = splitVertebrae(images, cfg);
  log(
    `split: ${split.split.test.length} test vertebrae, ${cfg.folds} folds; patients in more than one split: ${split.split.groupsInMultipleSplits}`,
  );
  const { foldResults, training } = await trainSequences({
    cfg,
    deps,
    paths,
    resumed,
    images,
    prepared,
    split,
    log,
    onProgress: () => void timer.save(),
  });
  const evaluation = evaluateRun(cfg, images, foldResults);
  const baselines = vbqBaseline(cfg, evaluation.seqScores, evaluation.imageByKey, log);

  await writePredictions(paths, cfg, foldResults, evaluation);
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
  });
  const gradcams = await gradCamSample(cfg, deps, paths, images, prepared.inputs, evaluation.seqScores, log);
  await writeReports(paths, cfg, report, evaluation, prepared, gradcams);
  log(
    `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${report.wallTimeSeconds.toFixed(1)} s over ${timer.sessions} session(s)): ${paths.report}`,
  );
  return { report, paths };
}
