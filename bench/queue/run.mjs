#!/usr/bin/env node
// Queue benchmark (issue 15). Starts Debian's redis-server on a free 127.0.0.1 port, then
//  1. overhead per job: BullMQ with op-screen's job options and a sandboxed worker-thread
//     processor (as `op-screen worker` runs jobs) that only sleeps 20 ms; per job, enqueue ->
//     start (processedOn - timestamp) and finish -> coordinator sees it (QueueEvents 'completed'
//     received - finishedOn), in ms;
//  2. wall time of the same N real fold jobs (tiny preset, T1 + T2, 2 folds = 4 jobs) trained
//     by 1 vs 2 `op-screen worker` processes of 1 replica each, coordinator `reproduce --queue`;
//     ideal ratio 2.0 on 2 cores.
// Usage: node bench/queue/run.mjs [--jobs 50] [--epochs 2]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..', '..', 'packages', 'op-screen');
const cli = join(pkg, 'dist', 'cli.js');
const require = createRequire(join(pkg, 'package.json'));
const { Queue, QueueEvents, Worker } = await import(require.resolve('bullmq'));
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const JOBS = arg('jobs', 50);
const EPOCHS = arg('epochs', 2);

function redisServer() {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return p;
  if (process.getuid?.() === 0) spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'ignore' });
  if (existsSync('/usr/bin/redis-server')) return '/usr/bin/redis-server';
  throw new Error('redis-server not found: apt-get install -y redis-server');
}
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
const redis = spawn(
  redisServer(),
  [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
  ],
  { stdio: 'ignore' },
);
await new Promise((r) => setTimeout(r, 500));
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const url = `redis://127.0.0.1:${port}/0`;
const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const q = (f) => s[Math.min(s.length - 1, Math.floor(f * s.length))];
  return { median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
};

async function overhead() {
  const name = 'bench-overhead';
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const worker = new Worker(name, join(here, 'noop-processor.mjs'), {
    connection,
    useWorkerThreads: true,
    concurrency: 1,
  });
  const seen = new Map();
  events.on('completed', ({ jobId }) => seen.set(jobId, Date.now()));
  const toStart = [];
  const toSeen = [];
  for (let i = 0; i < JOBS; i++) {
    // One job at a time, as a coordinator with idle workers sees it.
    const job = await queue.add(
      'fold',
      { runDir: '/bench', fold: i },
      { attempts: 2, removeOnComplete: false },
    );
    while (!seen.has(job.id)) await new Promise((r) => setTimeout(r, 2));
    const j = await queue.getJob(job.id);
    toStart.push(j.processedOn - j.timestamp);
    toSeen.push(seen.get(job.id) - j.finishedOn);
  }
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { enqueueToStart: stats(toStart), finishToSeen: stats(toSeen) };
}

function run(args, env) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const onData = (b) => {
    for (const l of String(b).split('\n')) if (l) lines.push({ t: performance.now(), l });
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return { child, lines, exit: new Promise((r) => child.on('exit', (c) => r(c))) };
}

async function wall(workers) {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-queue-run-')), 'run');
  const ws = Array.from({ length: workers }, () => run(['worker', '--queue', url, '--workers', '1'], {}));
  const coord = run(
    [
      'reproduce',
      '--preset',
      'tiny',
      '--patients',
      '8',
      '--epochs',
      String(EPOCHS),
      '--workers',
      '1',
      '--out',
      out,
      '--queue',
      url,
    ],
    {},
  );
  const code = await coord.exit;
  for (const w of ws) w.child.kill('SIGTERM');
  await Promise.all(ws.map((w) => w.exit));
  if (code !== 0) throw new Error(`coordinator exited ${code}:\n${coord.lines.map((x) => x.l).join('\n')}`);
  const start = coord.lines.find((x) => /fold job\(s\) of run/.test(x.l)).t;
  const done = coord.lines.filter((x) => /: done \(\d+\/\d+ jobs\)/.test(x.l));
  // Per worker process: jobs it finished and their wall seconds ("done in X s" lines).
  const perWorker = ws.map((w) => {
    const secs = w.lines
      .map((x) => /: done in ([\d.]+) s/.exec(x.l))
      .filter(Boolean)
      .map((m) => Number(m[1]));
    return { jobs: secs.length, jobSeconds: Number(secs.reduce((a, b) => a + b, 0).toFixed(1)) };
  });
  return { jobs: done.length, seconds: (done[done.length - 1].t - start) / 1000, perWorker };
}

try {
  const load0 = loadavg()[0];
  const o = await overhead();
  console.log(
    `overhead per job (${JOBS} jobs, ms): enqueue->start median ${o.enqueueToStart.median} p90 ${o.enqueueToStart.p90} max ${o.enqueueToStart.max}; finish->coordinator median ${o.finishToSeen.median} p90 ${o.finishToSeen.p90} max ${o.finishToSeen.max}`,
  );
  const one = await wall(1);
  const two = await wall(2);
  const load1 = loadavg()[0];
  console.log(
    `wall time, ${one.jobs} fold jobs (tiny, ${EPOCHS} epochs): 1 worker ${one.seconds.toFixed(1)} s, 2 workers ${two.seconds.toFixed(1)} s, ratio ${(one.seconds / two.seconds).toFixed(2)} (ideal 2.0); load ${load0.toFixed(1)} -> ${load1.toFixed(1)}`,
  );
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      overhead: o,
      wall: { one, two, ratio: one.seconds / two.seconds },
      load: [load0, load1],
    }),
  );
} finally {
  redis.kill('SIGTERM');
}
