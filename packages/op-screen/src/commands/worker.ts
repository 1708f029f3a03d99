import { parseQueueUrl, runWorker } from '@op-screen/queue';
import type { Command } from 'commander';
import { parseIntOption } from './options.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'train fold jobs from a BullMQ queue (reproduce --queue) until SIGTERM; run directories must be at the same path here (shared file system)',
    )
    .requiredOption(
      '--queue <url>',
      'redis://[user:password@]host:port[/db] or rediss:// (TLS); or OP_SCREEN_REDIS_PASSWORD',
    )
    .option('--concurrency <n>', 'jobs this process trains at the same time', parseIntOption, 1)
    .option(
      '--workers <n>',
      "training replica threads per job (default: the run's --workers)",
      parseIntOption,
    )
    .action(async (o: { queue: string; concurrency: number; workers?: number }) => {
      await runWorker({ target: parseQueueUrl(o.queue), concurrency: o.concurrency, workers: o.workers });
    });
}
