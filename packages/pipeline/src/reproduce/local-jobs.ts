import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, freemem } from 'node:os';
import { OpScreenError } from '../errors.js';
import type { RunConfig } from '../run/config.js';
import type { PendingFold } from './stages/training.js';
import type { TrainingUnit } from './unit.js';

/**
 * Memory one training unit needs, in bytes, estimated from the model: its parameters held about
 * 4 times (weights, gradients, Adam's two moments) in float32, plus activations of one batch at
 * the input size (a generous 600 floats per input pixel and channel for ResNet/EfficientNet
 * stacks), plus 300 MB for the process (Node, tfjs, the run's decoded crops).
 */
export function unitMemoryBytes(
  cfg: Pick<RunConfig, 'inputSize' | 'channels' | 'batchSize'>,
  parameters: number,
): number {
  const weights = parameters * 4 * 4;
  const activations = cfg.batchSize * cfg.inputSize * cfg.inputSize * cfg.channels * 600 * 4;
  return weights + activations + 300 * 2 ** 20;
}

/**
 * `--jobs auto`: as many units as the cores hold with each unit's training replicas (`workers`;
 * 0 means one replica per core, so one unit at a time: a second would only oversubscribe the
 * cores, measured 1.04x slower for the study preset), fewer when free memory cannot hold them.
 */
export function autoJobs(
  cfg: Pick<RunConfig, 'inputSize' | 'channels' | 'batchSize' | 'workers'>,
  parameters: number,
  cores = availableParallelism(),
  free = freemem(),
): number {
  const replicas = cfg.workers > 0 ? cfg.workers : cores;
  const byCores = Math.max(1, Math.floor(cores / replicas));
  return Math.max(1, Math.min(byCores, Math.floor((free * 0.8) / unitMemoryBytes(cfg, parameters))));
}

/** Messages between the run and its unit processes (IPC). */
export type UnitMessage =
  | { kind: 'train'; unit: TrainingUnit }
  | { kind: 'epoch'; epoch: number; epochs: number; loss: number; valLoss: number }
  | { kind: 'done'; epochs: number; seconds: number }
  | { kind: 'failed'; reason: string };

/**
 * Trains pending units side by side in `jobs` child processes (`op-screen train-unit`), each taking
 * the next unit when it finishes one (a child rebuilds the run's inputs once, then keeps them).
 * Every unit keeps its own seed, so the run's results are those of `--jobs 1`. A child resumes a
 * unit from its checkpoint, writes the unit's marker when done, and exits with its parent (the IPC
 * channel closes: a SIGKILLed run leaves no training behind). Progress: one line per unit and epoch.
 * A failed unit stops the run once the running units end, naming the unit and its reason.
 */
export function localExecutor(o: {
  jobs: number;
  runDir: string;
  fingerprint: string;
  arch: string;
  folds: number;
  /** argv prefix that runs the CLI: [node, .../cli.js]. */
  command: string[];
  log: (line: string) => void;
}): (pending: PendingFold[]) => Promise<void> {
  return async (pending) => {
    const queue: TrainingUnit[] = pending.map((p) => ({
      runDir: o.runDir,
      sequence: p.sequence,
      fold: p.fold,
      arch: p.arch ?? o.arch,
      fingerprint: o.fingerprint,
    }));
    const label = (u: TrainingUnit) => `${u.arch} ${u.sequence} fold ${u.fold} (of ${o.folds})`;
    const n = Math.max(1, Math.min(o.jobs, queue.length));
    o.log(`training ${queue.length} unit(s), ${n} at a time in child processes (--jobs ${o.jobs})`);
    const failures: string[] = [];
    const lane = () =>
      new Promise<void>((resolve) => {
        const [cmd, ...pre] = o.command as [string, ...string[]];
        const child: ChildProcess = spawn(cmd, [...pre, 'train-unit'], {
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        let err = '';
        let current: TrainingUnit | undefined;
        child.stderr?.on('data', (d: Buffer) => {
          err = (err + d.toString()).slice(-4000);
        });
        const next = () => {
          current = failures.length === 0 ? queue.shift() : undefined;
          if (current) child.send({ kind: 'train', unit: current } satisfies UnitMessage);
          else child.disconnect();
        };
        child.on('message', (m: UnitMessage) => {
          const u = current as TrainingUnit;
          if (m.kind === 'epoch')
            o.log(
              `${label(u)}: epoch ${m.epoch}/${m.epochs} loss ${m.loss.toFixed(4)} val_loss ${m.valLoss.toFixed(4)}`,
            );
          else if (m.kind === 'done') {
            o.log(`${label(u)}: done in ${m.seconds.toFixed(1)} s (${m.epochs} epochs)`);
            next();
          } else if (m.kind === 'failed') {
            failures.push(`${label(u)}: ${m.reason}`);
            next();
          }
        });
        child.on('exit', (code, signal) => {
          if (current) {
            const last =
              err
                .trim()
                .split('\n')
                .filter((l) => l.trim() !== '')
                .at(-1) ?? '';
            failures.push(
              `${label(current)}: its process ended (${signal ?? `exit ${code}`})${last ? `: ${last.slice(0, 300)}` : ''}`,
            );
          }
          resolve();
        });
        next();
      });
    await Promise.all(Array.from({ length: n }, lane));
    if (failures.length > 0)
      throw new OpScreenError('UNIT_FAILED', `a training unit failed: ${failures.join('; ')}`, o.runDir);
  };
}
