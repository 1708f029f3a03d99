import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunPaths } from '@op-screen/study';
import { type Manifest, type ManifestRow, readManifest } from '@op-screen/study';
import { readSynthSidecar, type SynthSidecar, writeSyntheticCohort } from '@op-screen/synth';
import { createStepProgress } from '@op-screen/train';
import { OpScreenError } from '../../errors.js';
import type { RunConfig } from '../../run/config.js';

export interface Cohort {
  manifestPath: string;
  /** True when the run synthesised its own cohort, or the manifest carries `op-screen synth`'s sidecar. */
  synthetic: boolean;
  /** The synthetic cohort's sidecar (latent posteriors for the oracle); null for real data. */
  sidecar: SynthSidecar | null;
  manifest: Manifest;
  /** Manifest rows of the configured sequences. */
  rows: ManifestRow[];
}

/** The manifest the options name (`--manifest FILE` or `--data DIR`), or null for the embedded synthetic cohort. */
export function manifestArgument(opts: { manifest?: string; data?: string }): string | null {
  if (opts.manifest && opts.data)
    throw new OpScreenError('BAD_OPTION', 'pass either a manifest file or a data directory, not both.');
  const path = opts.manifest ? resolve(opts.manifest) : opts.data ? resolve(opts.data, 'manifest.csv') : null;
  // Checked before the run directory is created, so a mistyped path leaves nothing behind that
  // would block the retry (OUT_NOT_EMPTY).
  if (path !== null && !existsSync(path))
    throw new OpScreenError('MANIFEST_UNREADABLE', `manifest ${path} does not exist.`, path);
  if (path !== null && statSync(path).isDirectory())
    throw new OpScreenError('MANIFEST_UNREADABLE', `manifest ${path} is a directory, not a CSV file.`, path);
  return path;
}

/** Stage 1: the cohort's manifest (synthesised into the run directory when none is given). */
export async function resolveCohort(
  manifestArg: string | null,
  cfg: RunConfig,
  paths: RunPaths,
  log: (line: string) => void,
  /** The manifest at `manifestArg`, when the caller has read it already. */
  given: Manifest | null = null,
): Promise<Cohort> {
  let manifestPath = manifestArg;
  if (manifestPath === null) {
    manifestPath = `${paths.cohort}/manifest.csv`;
    if (!existsSync(manifestPath)) {
      await rm(paths.cohort, { recursive: true, force: true });
      const bar = createStepProgress('synthesising', cfg.synthPatients);
      await writeSyntheticCohort(paths.cohort, {
        patients: cfg.synthPatients,
        seed: cfg.seed,
        onPatient: (d) => bar.update(d),
      });
      bar.stop();
      log(`synthetic cohort: ${cfg.synthPatients} patients in ${paths.cohort}`);
    }
  }
  const manifest =
    given ??
    (await readManifest(manifestPath, {
      tScoreThreshold: cfg.tScoreThreshold,
      includeExcluded: cfg.includeExcluded,
    }));
  const rows = manifest.rows.filter((r) => cfg.sequences.includes(r.sequence));
  // A cohort written by `op-screen synth` and passed with --data / --manifest stays marked synthetic.
  const sidecar = await readSynthSidecar(manifestPath);
  const synthetic = manifestArg === null || sidecar !== null;
  return { manifestPath, synthetic, sidecar, manifest, rows };
}
