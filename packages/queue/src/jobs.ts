import { createHash } from 'node:crypto';

/** The one BullMQ queue every run's fold jobs go to (jobs name their run). */
export const QUEUE_NAME = 'op-screen-folds';

/**
 * A job's payload: where the run lives and which fold to train. Only paths, the run's
 * pseudonymous id and the inputs' fingerprint: never images, patient IDs or other PHI.
 */
export interface FoldJobData {
  runDir: string;
  runId: string;
  sequence: string;
  fold: number;
  /** Architecture (zoo name) the fold trains. */
  arch: string;
  /** {@link RunInputs.fingerprint} as the coordinator computed it. */
  fingerprint: string;
}

/** What a worker reports after each epoch (job progress). */
export interface FoldJobProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number;
  worker: string;
}

/** A finished job's return value. */
export interface FoldJobResult {
  epochs: number;
  worker: string;
  seconds: number;
}

/** Stable id of a run: its directory and its config.json, hashed (no path in job ids). */
export function runIdOf(runDir: string, configText: string): string {
  return createHash('sha256').update(`${runDir}\u0000${configText}`).digest('hex').slice(0, 16);
}

/** BullMQ job id of one fold (deterministic, so --resume finds the job a previous coordinator queued). */
export function jobIdOf(d: Pick<FoldJobData, 'runId' | 'sequence' | 'fold' | 'arch'>): string {
  return `${d.runId}-${d.arch}-${d.sequence}-fold${d.fold}`;
}

/** The fold a job trains, as people read it. */
export function jobLabel(d: Pick<FoldJobData, 'sequence' | 'fold' | 'arch'>, folds?: number): string {
  return `${d.arch} ${d.sequence} fold ${d.fold}${folds ? ` (of ${folds})` : ''}`;
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n >= min ? n : fallback;
}

/**
 * Timing of BullMQ's stalled-job recovery and retries. Defaults suit real training; tests and
 * the bench shorten them through the environment so a SIGKILLed worker's job is retried quickly.
 */
export function queueSettings(env: NodeJS.ProcessEnv = process.env) {
  // The lock is renewed from the worker's event loop, which a training step on the main thread
  // holds for up to seconds (model set-up, prediction of a large fold): keep it generous.
  const lockDuration = envInt(env, 'OP_SCREEN_QUEUE_LOCK_MS', 120_000, 500);
  return {
    /** A worker renews its job's lock every lockDuration / 2; a dead worker's lock expires after this. */
    lockDuration,
    /** How often workers look for jobs whose lock expired (and move them back to waiting). */
    stalledInterval: envInt(env, 'OP_SCREEN_QUEUE_STALLED_MS', lockDuration, 500),
    /** A job may lose its worker this many times before it fails. */
    maxStalledCount: envInt(env, 'OP_SCREEN_QUEUE_MAX_STALLED', 3, 0),
    /** Attempts of a job that throws (typed errors included) before it fails for good. */
    attempts: envInt(env, 'OP_SCREEN_QUEUE_ATTEMPTS', 2, 1),
    /** Pause between attempts. */
    backoffMs: envInt(env, 'OP_SCREEN_QUEUE_BACKOFF_MS', 5_000, 0),
    /** How long the coordinator and `queue status` wait for Redis before giving up. */
    connectTimeoutMs: envInt(env, 'OP_SCREEN_QUEUE_CONNECT_MS', 30_000, 100),
    /** How often the coordinator re-reads job states (covers events missed while Redis restarted). */
    reconcileMs: envInt(env, 'OP_SCREEN_QUEUE_RECONCILE_MS', 5_000, 100),
  };
}
