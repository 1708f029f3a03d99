// The run directory of `op-screen reproduce`: its layout (the one place that names its files),
// its lock, and the claim a new or resumed run makes on it.
import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './atomic.js';
import { StudyError } from './errors.js';

/** The model card's file name in a model directory. */
export const MODEL_CARD = 'meta.json';

/**
 * Paths of the run directory contract (facade README, "Run directory"): the one place that builds
 * them. With `arch` (a run comparing several architectures) the fold checkpoints and models of that
 * architecture sit one level down: checkpoints/ARCH/SEQ/fold-K and model/ARCH/SEQ/fold-K.
 */
export function runPaths(root: string, arch?: string) {
  const scoped = (top: string) => (arch === undefined ? join(root, top) : join(root, top, arch));
  const model = scoped('model');
  return {
    root,
    config: join(root, 'config.json'),
    cohort: join(root, 'cohort'),
    report: join(root, 'report.json'),
    html: join(root, 'report.html'),
    predictions: join(root, 'predictions.csv'),
    skipped: join(root, 'skipped.csv'),
    timing: join(root, 'timing.json'),
    checkpoints: join(root, 'checkpoints'),
    model,
    /** The model card of `model` (thresholds, preprocessing, weights). */
    modelCard: join(model, MODEL_CARD),
    foldDir: (seq: string, fold: number) => join(scoped('checkpoints'), seq, `fold-${fold}`),
    foldDone: (seq: string, fold: number) => join(scoped('checkpoints'), seq, `fold-${fold}`, 'done.json'),
    foldModel: (seq: string, fold: number) => foldModelDir(model, seq, fold),
  };
}

/** A fold model's directory inside a model directory: MODEL/SEQ/fold-K. */
export function foldModelDir(modelDir: string, seq: string, fold: number): string {
  return join(modelDir, seq, `fold-${fold}`);
}

export type RunPaths = ReturnType<typeof runPaths>;

/** Stable JSON (sorted keys) so a config comparison does not depend on key order. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export interface PreparedRun {
  paths: RunPaths;
  resumed: boolean;
  /** Gives the run directory up (removes its lock); call once the run ends, however it ends. */
  release(): Promise<void>;
}

/** The lock file of a run directory: `{pid, host, startedAt}` of the process using it. */
export const RUN_LOCK = '.op-screen.lock';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `root`'s lock if this process holds it: a run that lost it to a stale-lock takeover
 * leaves the new one. Synchronous, so an exit handler (Ctrl-C) can call it too.
 */
export function releaseRunDirLock(root: string): void {
  const path = join(root, RUN_LOCK);
  try {
    const held = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (held.pid === process.pid && held.host === hostname()) unlinkSync(path);
  } catch {
    // no lock, or not readable: nothing of ours to remove
  }
}

/**
 * Takes `root`'s lock, or refuses at once with `RUN_DIR_IN_USE` naming the process that holds it.
 * A lock left by a process that is gone (killed, crashed) on this host is stale and taken over;
 * one from another host cannot be checked and is refused with what to do.
 */
export async function lockRunDir(root: string): Promise<() => Promise<void>> {
  const path = join(root, RUN_LOCK);
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await fh.close();
      }
      return async () => releaseRunDirLock(root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = await readJson<LockInfo>(path).catch(() => undefined);
    if (held && held.host !== mine.host)
      throw new StudyError(
        'RUN_DIR_IN_USE',
        `${root} is in use by pid ${held.pid} on host ${held.host} (since ${held.startedAt}); if that run is gone, delete ${path}.`,
        root,
      );
    if (held && alive(held.pid))
      throw new StudyError(
        'RUN_DIR_IN_USE',
        `${root} is in use by pid ${held.pid} (since ${held.startedAt}); wait for that run to end, or stop it first.`,
        root,
      );
    // stale (its process is gone) or half-written: remove it and try again
    await unlink(path).catch(() => {});
  }
  throw new StudyError('RUN_DIR_IN_USE', `${root}: could not take the run directory's lock ${path}.`, root);
}

/** Leaf keys (dotted paths) whose values differ between two JSON values, with both values. */
export function differingKeys(
  a: unknown,
  b: unknown,
  prefix = '',
): Array<{ key: string; before: string; after: string }> {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  const sa = a === undefined ? 'nothing' : JSON.stringify(a);
  const sb = b === undefined ? 'nothing' : JSON.stringify(b);
  return sa === sb ? [] : [{ key: prefix || '(root)', before: sa, after: sb }];
}

/**
 * Claims a run directory. A non-empty directory is refused unless `resume` is set (never
 * overwrite user files); on resume the stored config must match the requested one exactly.
 * The directory is locked for the run ({@link lockRunDir}): a second run on it is refused at once.
 */
export async function prepareRunDir(
  root: string,
  config: unknown,
  inputs: Record<string, unknown>,
  resume: boolean,
): Promise<PreparedRun> {
  const paths = runPaths(root);
  const exists = existsSync(root);
  if (exists && !statSync(root).isDirectory())
    throw new StudyError('OUT_NOT_DIRECTORY', `${root} is a file, not a run directory.`, root);
  // a stale lock alone (a run killed before it wrote anything) does not make the directory a run
  const entries = exists ? (await readdir(root)).filter((e) => e !== RUN_LOCK) : [];
  if (entries.length > 0 && !resume)
    throw new StudyError('OUT_NOT_EMPTY', `${root} is not empty; op-screen never overwrites files.`, root);
  await mkdir(root, { recursive: true });
  const release = await lockRunDir(root);
  try {
    return {
      paths,
      resumed: await claim(root, paths, config, inputs, entries.length > 0 && resume),
      release,
    };
  } catch (err) {
    await release();
    throw err;
  }
}

/** Checks a resumed run's stored config, or writes a new run's; returns whether it resumed. */
async function claim(
  root: string,
  paths: RunPaths,
  config: unknown,
  inputs: Record<string, unknown>,
  resume: boolean,
): Promise<boolean> {
  const stored = { config, inputs };
  if (resume) {
    const prev = await readJson<typeof stored>(paths.config);
    if (!prev)
      throw new StudyError(
        'RESUME_MISMATCH',
        `${root} has no config.json, so it is not an op-screen run directory; refusing to write into it.`,
        root,
      );
    if (stableStringify(prev) !== stableStringify(stored)) {
      const diffs = differingKeys(prev, stored)
        .slice(0, 8)
        .map((d) => `${d.key}: run has ${d.before}, now ${d.after}`);
      throw new StudyError(
        'RESUME_MISMATCH',
        `resuming with other parameters than the run in ${root} (stored in config.json): ${diffs.join('; ')}. Resume with the run's parameters, or start a new output directory.`,
        root,
      );
    }
    return true;
  }
  await writeJsonAtomic(paths.config, stored);
  return false;
}
