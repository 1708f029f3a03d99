// The BullMQ sandboxed processor of `op-screen worker`: runs in a worker thread
// (useWorkerThreads), so training, which holds its thread's event loop for seconds at a time,
// never delays the parent's lock renewals; and the thread dies with its process, so a SIGKILLed
// worker leaves no training behind that would race the job's next attempt.
import { hostname } from 'node:os';
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { OpScreenError, trainUnit } from '@op-screen/pipeline';
import { type SandboxedJob, UnrecoverableError, WaitingError } from 'bullmq';
import type { FoldJobData, FoldJobProgress, FoldJobResult } from './jobs.js';
import { jobLabel } from './jobs.js';

/** Channel on which the worker's main thread announces SIGTERM to its processor threads. */
export const STOP_CHANNEL = 'op-screen-worker-stop';

/** Error codes no retry can cure (the run's own data or options): the job fails on the first attempt. */
const PERMANENT = new Set([
  'NO_USABLE_ROWS',
  'MANIFEST_EMPTY',
  'MANIFEST_UNREADABLE',
  'BAD_OPTION',
  'INVALID_OPTION',
  'UNKNOWN_ARCH',
  'EMPTY_DATA',
  'NON_FINITE_LOSS',
  'NON_FINITE_GRADIENT',
  'CHECKPOINT_MISMATCH',
  'WEIGHT_SHAPE_MISMATCH',
  'SAFETENSORS_INVALID',
]);

/** Thrown from the epoch callback once SIGTERM arrived: the epoch's checkpoint is already written. */
class StopAfterEpoch extends OpScreenError {
  constructor() {
    super('WORKER_STOPPING', 'the worker is stopping; the job goes back to the queue');
  }
}

/** `CODE: message` of an error, the form a failed job's reason takes. */
export function reasonOf(err: unknown): string {
  const e = err as { code?: unknown; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0] as string;
  if (typeof e?.code === 'string') return `${e.code}: ${msg}`;
  if (err instanceof RangeError || /out of memory|allocation failed/i.test(msg))
    return `OUT_OF_MEMORY: ${msg}`;
  return `TRAINING_FAILED: ${msg}`;
}

const me = `${hostname()}:${process.pid}/${threadId}`;
const log = (l: string) => process.stderr.write(`${l}\n`);
let stopping = false;
const channel = new BroadcastChannel(STOP_CHANNEL);
channel.onmessage = () => {
  stopping = true;
};
(channel as unknown as { unref(): void }).unref();

async function train(job: SandboxedJob<FoldJobData>, signal?: AbortSignal): Promise<FoldJobResult> {
  const d = job.data;
  if (stopping) throw new StopAfterEpoch();
  const override = process.env.OP_SCREEN_JOB_WORKERS;
  const r = await trainUnit(d, {
    log: (l) => log(`  ${l}`),
    workers: override ? Number(override) : undefined,
    where: me,
    onEpoch: (e, epochs) => {
      const p: FoldJobProgress = {
        // EpochRecord.epoch counts from 1, as the logs print it.
        epoch: e.epoch,
        epochs,
        loss: e.loss,
        valLoss: e.valLoss,
        worker: me,
      };
      job.updateProgress(p as unknown as object).catch(() => undefined);
      // After the last epoch the fold is as good as done: finish it rather than hand it on.
      if ((stopping || signal?.aborted) && e.epoch < epochs) throw new StopAfterEpoch();
    },
  });
  return { epochs: r.epochs, worker: me, seconds: r.seconds };
}

/** One fold job: rebuild the run's inputs, check them, train the fold (resuming from its checkpoint). */
export default async function processFoldJob(
  job: SandboxedJob<FoldJobData>,
  token?: string,
  signal?: AbortSignal,
): Promise<FoldJobResult> {
  const label = `run ${job.data.runId} ${jobLabel(job.data)}`;
  log(`worker ${me}: ${label}: attempt ${job.attemptsMade + 1}`);
  try {
    const r = await train(job, signal);
    log(`worker ${me}: ${label}: done in ${r.seconds.toFixed(1)} s`);
    return r;
  } catch (err) {
    if (err instanceof StopAfterEpoch) {
      // Back to waiting without using up an attempt; the next worker resumes from the checkpoint.
      await job.moveToWait(token);
      log(`worker ${me}: ${label}: stopped after a checkpointed epoch; back in the queue`);
      throw new WaitingError();
    }
    const reason = reasonOf(err);
    log(`worker ${me}: ${label}: ${reason}`);
    // Errors another attempt cannot cure fail the job at once; the rest (out of memory, a worker
    // thread lost, a file system hiccup, inputs read differently) are retried up to its attempts.
    throw PERMANENT.has(reason.slice(0, reason.indexOf(':')))
      ? new UnrecoverableError(reason)
      : new Error(reason);
  }
}
