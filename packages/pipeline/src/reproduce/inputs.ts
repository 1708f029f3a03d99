import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Manifest, RunPaths } from '@op-screen/study';
import { OpScreenError } from '../errors.js';
import type { RunConfig } from '../run/config.js';
import type { VertebraImage } from '../run/data.js';
import { splitVertebrae, type VertebraSplit } from '../run/splits.js';
import { imageKey, type ReproduceDeps } from '../run/types.js';
import { checkSequencesPresent, checkSplitUsable, splitOrExplain } from './checks.js';
import { type Cohort, resolveCohort } from './stages/cohort.js';
import { type LoadedImages, loadImages } from './stages/images.js';
import { type PreparedInputs, prepareInputs } from './stages/preprocessing.js';

/** Everything the training stage needs, rebuilt deterministically from the run directory. */
export interface RunInputs extends LoadedImages {
  cohort: Cohort;
  prepared: PreparedInputs;
  split: VertebraSplit;
  /**
   * SHA-256 of what training sees: image keys, labels, network inputs and the split. A queue
   * worker rebuilds the inputs on its own machine and refuses a job whose fingerprint differs
   * from the coordinator's (another file system, changed images).
   */
  fingerprint: string;
}

export function inputsFingerprint(
  images: VertebraImage[],
  prepared: PreparedInputs,
  split: VertebraSplit,
): string {
  const h = createHash('sha256');
  for (const im of images) h.update(`${imageKey(im.row)}\u0001${im.row.label}\n`);
  for (const x of prepared.inputs) h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  h.update(JSON.stringify({ test: split.split.test, folds: split.split.folds }));
  return h.digest('hex');
}

/**
 * Stages 1-4 (cohort, images, preprocessing, grouped splits): deterministic given the run's
 * config and manifest, so the coordinator and every queue worker compute the same inputs.
 */
export async function prepareRunInputs(
  manifestArg: string | null,
  cfg: RunConfig,
  paths: RunPaths,
  deps: ReproduceDeps,
  log: (line: string) => void,
  /** The manifest at `manifestArg`, when the caller has read it already. */
  given: Manifest | null = null,
  /** A queue worker only reads the run directory (the coordinator wrote the cohort and skipped.csv). */
  role: 'coordinator' | 'worker' = 'coordinator',
): Promise<RunInputs> {
  const cohortManifest = `${paths.cohort}/manifest.csv`;
  if (role === 'worker' && manifestArg === null && !existsSync(cohortManifest))
    throw new OpScreenError(
      'RUN_DIR_UNREACHABLE',
      `${cohortManifest} is missing; the coordinator writes the synthetic cohort before it queues jobs, so this worker does not see the same run directory`,
      cohortManifest,
    );
  const cohort = await resolveCohort(manifestArg, cfg, paths, log, given);
  const loaded = await loadImages(cohort, cfg, deps, paths, log, role === 'coordinator');
  checkSequencesPresent(
    loaded.images.map((im) => im.row),
    cfg,
    cohort.manifestPath,
    'images',
  );
  const split = splitOrExplain(() => splitVertebrae(loaded.images, cfg), cohort.manifestPath);
  for (const w of checkSplitUsable(loaded.images, split, cfg, cohort.manifestPath)) log(w);
  const prepared = prepareInputs(loaded.images, cfg, deps);
  const fingerprint = inputsFingerprint(loaded.images, prepared, split);
  return { ...loaded, cohort, prepared, split, fingerprint };
}
