import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import { Worker } from 'bullmq';
import { QUEUE_NAME, queueSettings } from './jobs.js';
import { type QueueTarget, redact } from './url.js';

export interface WorkerOptions {
  target: QueueTarget;
  /** Jobs this process trains at the same time (BullMQ concurrency, one processor thread each). */
  concurrency?: number;
  /** Training replica threads per job, overriding the run's `workers` (may change float rounding). */
  workers?: number;
  log?: (line: string) => void;
}

/** The built processor file (dist/queue-processor.js beside this package's dist/index.js). */
function processorFile(): string {
  const file = fileURLToPath(new URL('./queue-processor.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`${file} is missing; build the package (tsup) first`);
  return file;
}

/**
 * `op-screen worker`: trains fold jobs from the queue until SIGTERM/SIGINT. Jobs run in BullMQ's
 * sandboxed processor (a worker thread each, src/processor.ts), so this thread only holds
 * the job locks. On SIGTERM the running jobs finish their current epoch (checkpointed) and go
 * back to the queue; then the worker exits. Resolves when it has stopped.
 */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const settings = queueSettings();
  const me = `${hostname()}:${process.pid}`;
  if (opts.workers !== undefined) process.env.OP_SCREEN_JOB_WORKERS = String(opts.workers);
  const worker = new Worker(QUEUE_NAME, processorFile(), {
    connection: opts.target.connection,
    concurrency: opts.concurrency ?? 1,
    useWorkerThreads: true,
    lockDuration: settings.lockDuration,
    stalledInterval: settings.stalledInterval,
    maxStalledCount: settings.maxStalledCount,
    name: me,
    autorun: false,
  });
  worker.on('error', (e) => log(`worker ${me}: queue: ${redact(e.message, opts.target)} (retrying)`));
  worker.on('failed', (job, e) => {
    if (job && e.name !== 'WaitingError')
      log(
        `worker ${me}: job ${job.id} failed (attempt ${job.attemptsMade}): ${redact(e.message, opts.target)}`,
      );
  });
  const channel = new BroadcastChannel('op-screen-worker-stop');
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      // A second signal: stop now (a running epoch is lost; its job is retried from the last checkpoint).
      log(`worker ${me}: ${sig} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(`worker ${me}: ${sig}: finishing the current epoch, then exiting (send it again to exit now)`);
    channel.postMessage('stop');
    void worker.close();
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  log(
    `worker ${me}: waiting for jobs on ${opts.target.display} (concurrency ${opts.concurrency ?? 1}, lock ${settings.lockDuration} ms)`,
  );
  try {
    await worker.run();
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await worker.close();
    channel.close();
  }
  log(`worker ${me}: stopped`);
}
