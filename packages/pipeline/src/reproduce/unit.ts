import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runPaths } from '@op-screen/study';
import { OpScreenError } from '../errors.js';
import { type RunConfig, runConfigSchema } from '../run/config.js';
import type { EpochRecord } from '../run/engine.js';
import { pathsForArch } from './compare.js';
import { prepareRunInputs, type RunInputs } from './inputs.js';
import { defaultDeps } from './ports.js';
import { trainOneFold } from './stages/training.js';

/**
 * One independent training unit of a run (sequence x fold x architecture): what a queue job, a
 * `--jobs` child process or the run itself trains. Its seed is the fold's own, so the result is the
 * same wherever it runs.
 */
export interface TrainingUnit {
  runDir: string;
  sequence: string;
  fold: number;
  /** Architecture (zoo name) the unit trains. */
  arch: string;
  /** {@link RunInputs.fingerprint} as the run that hands the unit out computed it. */
  fingerprint: string;
}

interface StoredRun {
  config: RunConfig;
  inputs: { manifest: string | null };
}

async function readRun(runDir: string): Promise<StoredRun> {
  const file = `${runDir}/config.json`;
  if (!existsSync(file))
    throw new OpScreenError(
      'RUN_DIR_UNREACHABLE',
      `${file} is not visible on this machine; a worker needs the run directory at the same path as the coordinator (shared file system)`,
      file,
    );
  const stored = JSON.parse(await readFile(file, 'utf8')) as StoredRun;
  return { config: runConfigSchema.parse(stored.config), inputs: stored.inputs };
}

// The last run's inputs, kept for the next unit of the same run (a queue thread is reused).
let cached: { key: string; inputs: Promise<RunInputs> } | undefined;
function inputsFor(
  u: TrainingUnit,
  stored: StoredRun,
  cfg: RunConfig,
  log: (l: string) => void,
): Promise<RunInputs> {
  const key = `${u.runDir}\u0000${u.fingerprint}`;
  if (cached?.key !== key) {
    const inputs = prepareRunInputs(
      stored.inputs.manifest,
      cfg,
      runPaths(u.runDir),
      defaultDeps(),
      log,
      null,
      'worker',
    );
    cached = { key, inputs };
    inputs.catch(() => {
      if (cached?.inputs === inputs) cached = undefined;
    });
  }
  return cached.inputs;
}

export interface UnitOptions {
  log: (line: string) => void;
  /** After each epoch, once its checkpoint is written; may throw to stop there. */
  onEpoch?: (e: EpochRecord, epochs: number) => void;
  /** Training replicas per unit, overriding the run's `workers`. */
  workers?: number;
  /** Describes this process in the error that reports different inputs. */
  where?: string;
}

/**
 * Rebuilds a run's inputs from its directory (as a queue worker does), checks them against the
 * fingerprint the unit was handed with, and trains the unit, resuming from its last checkpoint.
 */
export async function trainUnit(
  u: TrainingUnit,
  o: UnitOptions,
): Promise<{ epochs: number; seconds: number }> {
  const t0 = performance.now();
  const stored = await readRun(u.runDir);
  const cfg: RunConfig = { ...stored.config, arch: u.arch };
  if (o.workers !== undefined) cfg.workers = o.workers;
  const inputs = await inputsFor(u, stored, cfg, o.log);
  if (inputs.fingerprint !== u.fingerprint)
    throw new OpScreenError(
      'RUN_INPUTS_CHANGED',
      `the run's images or manifest read differently${o.where ? ` on ${o.where}` : ''} than where the run started (fingerprint ${inputs.fingerprint.slice(0, 12)} vs ${u.fingerprint.slice(0, 12)}); check that the file system holds the same files`,
      u.runDir,
    );
  const result = await trainOneFold(
    {
      cfg,
      deps: defaultDeps(),
      paths: pathsForArch(stored.config, runPaths(u.runDir), u.arch),
      resumed: true,
      images: inputs.images,
      prepared: inputs.prepared,
      split: inputs.split,
      log: o.log,
      onProgress: () => undefined,
      onEpoch: o.onEpoch ? (_seq, _k, e) => o.onEpoch?.(e, cfg.epochs) : undefined,
    },
    u.sequence,
    u.fold,
  );
  return { epochs: result.fit.history.length, seconds: (performance.now() - t0) / 1000 };
}
