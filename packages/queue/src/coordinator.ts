import { readFile } from 'node:fs/promises';
import type { PendingFold } from '@op-screen/pipeline';
import { OpScreenError } from '@op-screen/pipeline';
import type { RunPaths } from '@op-screen/study';
import { type Job, Queue, QueueEvents } from 'bullmq';
import {
  type FoldJobData,
  type FoldJobProgress,
  jobIdOf,
  jobLabel,
  QUEUE_NAME,
  queueSettings,
  runIdOf,
} from './jobs.js';
import { type QueueTarget, redact } from './url.js';

/** Resolves `p`, or rejects with QUEUE_UNREACHABLE after `ms`. */
export async function withinMs<T>(p: Promise<T>, ms: number, target: QueueTarget): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new OpScreenError(
            'QUEUE_UNREACHABLE',
            `no answer from Redis at ${target.display} within ${ms} ms; is redis-server running and reachable from here?`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a BullMQ client, giving up after 5 s (a client that never reached Redis may not close). */
export async function closeQuietly(c: { close(): Promise<unknown> }): Promise<void> {
  await Promise.race([c.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
}

type Outcome = { state: 'completed' } | { state: 'failed'; reason: string };

/** Adds one job per pending fold; jobs still waiting or active from an earlier coordinator are kept. */
async function enqueue(
  queue: Queue,
  jobs: FoldJobData[],
  attempts: number,
  backoffMs: number,
): Promise<void> {
  for (const data of jobs) {
    const jobId = jobIdOf(data);
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
      await existing.remove();
    }
    await queue.add('fold', data, {
      jobId,
      attempts,
      backoff: { type: 'fixed', delay: backoffMs },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    });
  }
}

/**
 * The queue side of the training stage: enqueues one BullMQ job per pending fold, logs each job's
 * progress (epochs done, loss) from QueueEvents, and resolves when every job has completed. A job
 * that fails for good (after its attempts) stops the wait with QUEUE_JOB_FAILED naming its code.
 */
export function queueExecutor(
  target: QueueTarget,
  paths: RunPaths,
  fingerprint: string,
  arch: string,
  folds: number,
  log: (line: string) => void,
): (pending: PendingFold[]) => Promise<void> {
  return async (pending) => {
    const settings = queueSettings();
    const runId = runIdOf(paths.root, await readFile(paths.config, 'utf8'));
    const jobs: FoldJobData[] = pending.map((p) => ({
      runDir: paths.root,
      runId,
      sequence: p.sequence,
      fold: p.fold,
      arch: p.arch ?? arch,
      fingerprint,
    }));
    const queue = new Queue<FoldJobData>(QUEUE_NAME, { connection: target.connection });
    const events = new QueueEvents(QUEUE_NAME, { connection: target.connection });
    const errorLog = (e: Error) => log(`queue: ${redact(e.message, target)} (retrying)`);
    queue.on('error', errorLog);
    events.on('error', errorLog);
    try {
      await withinMs(
        Promise.all([queue.waitUntilReady(), events.waitUntilReady()]),
        settings.connectTimeoutMs,
        target,
      );
      await enqueue(queue, jobs, settings.attempts, settings.backoffMs);
      log(
        `queue: ${jobs.length} fold job(s) of run ${runId} on ${target.display}; start workers with: op-screen worker --queue ${target.bare}${target.connection.password ? ' (password in the URL or OP_SCREEN_REDIS_PASSWORD)' : ''}`,
      );
      await waitForJobs(queue, events, jobs, settings.reconcileMs, folds, log);
    } finally {
      await closeQuietly(events);
      await closeQuietly(queue);
    }
  };
}

async function stateOf(queue: Queue, id: string): Promise<Outcome | undefined> {
  const job = (await queue.getJob(id)) as Job | undefined;
  if (!job) return { state: 'failed', reason: 'JOB_LOST: the job is no longer in the queue' };
  const state = await job.getState();
  if (state === 'completed') return { state: 'completed' };
  if (state === 'failed') return { state: 'failed', reason: job.failedReason ?? 'unknown reason' };
  return undefined;
}

async function waitForJobs(
  queue: Queue,
  events: QueueEvents,
  jobs: FoldJobData[],
  reconcileMs: number,
  folds: number,
  log: (line: string) => void,
): Promise<void> {
  const byId = new Map(jobs.map((d) => [jobIdOf(d), d]));
  const open = new Set(byId.keys());
  const failures: string[] = [];
  let wake: () => void = () => undefined;
  const settle = (id: string, o: Outcome | undefined) => {
    if (!o || !open.has(id)) return;
    open.delete(id);
    const label = jobLabel(byId.get(id) as FoldJobData, folds);
    if (o.state === 'completed') log(`queue: ${label}: done (${byId.size - open.size}/${byId.size} jobs)`);
    else {
      failures.push(`${label}: ${o.reason}`);
      log(`queue: ${label}: failed: ${o.reason}`);
    }
    wake();
  };
  events.on('progress', ({ jobId, data }) => {
    const d = byId.get(jobId);
    const p = data as Partial<FoldJobProgress>;
    if (d && open.has(jobId) && typeof p.epoch === 'number')
      log(
        `queue: ${jobLabel(d, folds)}: epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4)} val_loss ${p.valLoss?.toFixed(4)} on ${p.worker}`,
      );
  });
  events.on('active', ({ jobId }) => {
    const d = byId.get(jobId);
    if (d) log(`queue: ${jobLabel(d, folds)}: started`);
  });
  events.on('stalled', ({ jobId }) => {
    const d = byId.get(jobId);
    if (d) log(`queue: ${jobLabel(d, folds)}: its worker stopped answering; the job goes back to the queue`);
  });
  events.on('completed', ({ jobId }) => settle(jobId, { state: 'completed' }));
  // 'failed' is also emitted for attempts that will be retried: ask the job's state.
  events.on('failed', ({ jobId }) => {
    if (open.has(jobId))
      void stateOf(queue, jobId).then(
        (o) => settle(jobId, o),
        () => undefined,
      );
  });
  while (open.size > 0 && failures.length === 0) {
    // Job states, re-read every reconcileMs, cover events missed while Redis was away.
    for (const id of [...open]) settle(id, await stateOf(queue, id));
    if (open.size === 0 || failures.length > 0) break;
    await new Promise<void>((res) => {
      const t = setTimeout(res, reconcileMs);
      wake = () => {
        clearTimeout(t);
        res();
      };
    });
  }
  if (failures.length > 0)
    throw new OpScreenError(
      'QUEUE_JOB_FAILED',
      `${failures.length} fold job(s) failed on the queue: ${failures.join('; ')}. Fix the cause and run the same command with --resume (finished folds are kept).`,
    );
}
