import { Queue } from 'bullmq';
import { closeQuietly, withinMs } from './coordinator.js';
import { type FoldJobData, QUEUE_NAME, queueSettings } from './jobs.js';
import type { QueueTarget } from './url.js';

export interface RunQueueStatus {
  runId: string;
  runDir: string;
  waiting: number;
  active: number;
  done: number;
  failed: number;
}

export interface QueueStatus {
  queue: string;
  runs: RunQueueStatus[];
  /** Workers connected now (BullMQ's client list): name (host:pid) and address. */
  workers: Array<{ name: string; addr: string; idleSeconds: number }>;
}

const STATES = {
  waiting: ['wait', 'delayed', 'prioritized', 'paused', 'waiting-children'],
  active: ['active'],
  done: ['completed'],
  failed: ['failed'],
} as const;

/** `op-screen queue status`: jobs per run by state, and the workers Redis sees. */
export async function queueStatus(target: QueueTarget): Promise<QueueStatus> {
  const queue = new Queue<FoldJobData>(QUEUE_NAME, { connection: target.connection });
  queue.on('error', () => undefined);
  try {
    await withinMs(queue.waitUntilReady(), queueSettings().connectTimeoutMs, target);
    const runs = new Map<string, RunQueueStatus>();
    for (const [bucket, states] of Object.entries(STATES) as Array<
      [keyof typeof STATES, readonly string[]]
    >) {
      const jobs = await queue.getJobs([...states] as never, 0, -1);
      for (const job of jobs) {
        if (!job?.data) continue;
        const { runId, runDir } = job.data;
        const r = runs.get(runId) ?? { runId, runDir, waiting: 0, active: 0, done: 0, failed: 0 };
        r[bucket]++;
        runs.set(runId, r);
      }
    }
    const workers = (await queue.getWorkers()).map((w) => ({
      // BullMQ names a worker's connection `<prefix>:<queue>:w:<name>`; the name is host:pid.
      name: (w.rawname ?? '').split(':w:')[1] ?? '',
      addr: w.addr ?? '',
      idleSeconds: Number(w.idle ?? 0),
    }));
    return {
      queue: target.display,
      runs: [...runs.values()].sort((a, b) => a.runDir.localeCompare(b.runDir)),
      workers,
    };
  } finally {
    await closeQuietly(queue);
  }
}

export function formatQueueStatus(s: QueueStatus): string {
  const lines = [`queue ${s.queue}`];
  if (s.runs.length === 0) lines.push('no jobs');
  else {
    lines.push('run               waiting  active    done  failed  directory');
    for (const r of s.runs)
      lines.push(
        `${r.runId.padEnd(16)} ${String(r.waiting).padStart(8)} ${String(r.active).padStart(7)} ${String(r.done).padStart(7)} ${String(r.failed).padStart(7)}  ${r.runDir}`,
      );
  }
  lines.push(`workers seen: ${s.workers.length}`);
  for (const w of s.workers) lines.push(`  ${w.name || '(unnamed)'} ${w.addr} idle ${w.idleSeconds} s`);
  return lines.join('\n');
}
