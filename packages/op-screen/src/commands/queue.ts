import { formatQueueStatus, parseQueueUrl, queueStatus } from '@op-screen/queue';
import type { Command } from 'commander';

export function registerQueueCommand(program: Command): void {
  const queue = program
    .command('queue')
    .description('inspect the BullMQ queue that reproduce --queue and op-screen worker use');
  queue
    .command('status')
    .description('jobs waiting, active, done and failed per run, and the workers connected')
    .requiredOption('--queue <url>', 'redis:// or rediss:// URL')
    .option('--json', 'print JSON')
    .action(async (o: { queue: string; json?: boolean }) => {
      const s = await queueStatus(parseQueueUrl(o.queue));
      process.stdout.write(`${o.json ? JSON.stringify(s, null, 2) : formatQueueStatus(s)}\n`);
    });
}
