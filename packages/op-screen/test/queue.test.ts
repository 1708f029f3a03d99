// BullMQ on a real redis-server (Debian's, started by the test on a free loopback port): a
// coordinator (`reproduce --queue`) and worker processes (`op-screen worker`) of the built CLI.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from './helpers/redis.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const cli = join(pkg, 'dist', 'cli.js');
const root = mkdtempSync(join(tmpdir(), 'queue-test-'));
// Short lock and stall intervals so a SIGKILLed worker's job is picked up again within seconds.
const QUEUE_ENV = {
  OP_SCREEN_QUEUE_LOCK_MS: '6000',
  OP_SCREEN_QUEUE_STALLED_MS: '2000',
  OP_SCREEN_QUEUE_RECONCILE_MS: '500',
  OP_SCREEN_QUEUE_BACKOFF_MS: '200',
  OP_SCREEN_QUEUE_CONNECT_MS: '20000',
};
const RUN = [
  'reproduce',
  '--preset',
  'tiny',
  '--sequence',
  'T1',
  '--patients',
  '8',
  '--epochs',
  '3',
  '--workers',
  '1',
];

let redis: RedisServer;
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...QUEUE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b) => {
    out += b;
  });
  child.stderr?.on('data', (b) => {
    out += b;
  });
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, output: () => out, exit };
}

/** A worker; the password comes from OP_SCREEN_REDIS_PASSWORD, not the URL. */
const worker = () =>
  start(['worker', '--queue', `redis://127.0.0.1:${redis.port}`], {
    OP_SCREEN_REDIS_PASSWORD: redis.password,
  });

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exited(p: Proc, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    p.exit,
    new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), ms);
    }),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') throw new Error(`process did not exit within ${ms} ms; output:\n${p.output()}`);
  return code;
}

function epochs(run: string, fold: number, arch?: string): number[] {
  const f = join(run, 'checkpoints', ...(arch ? [arch] : []), 'T1', `fold-${fold}`, 'history.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

async function stopWorker(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  p.child.kill('SIGTERM');
  await exited(p, 60_000);
}

beforeAll(async () => {
  if (!existsSync(cli)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
  redis = await startRedis();
}, 600_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.stop();
});

describe('reproduce --queue with op-screen worker (real redis-server, CLI child processes)', () => {
  let localPredictions = '';

  it('local reference run (same options, no queue)', async () => {
    const p = start([...RUN, '--out', join(root, 'local')]);
    expect(await exited(p, 240_000), p.output()).toBe(0);
    localPredictions = readFileSync(join(root, 'local', 'predictions.csv'), 'utf8');
    expect(localPredictions.split('\n').length).toBeGreaterThan(3);
  });

  it('two workers, one SIGKILLed mid-job: the run completes, no epoch is repeated, predictions.csv equals the local run', async () => {
    const run = join(root, 'killed');
    const w1 = worker();
    const w2 = worker();
    const coord = start([...RUN, '--out', run, '--queue', redis.url]);
    // The worker training fold 0 is killed once that fold has a checkpointed epoch.
    await until('fold 0 epoch 1', () => epochs(run, 0).length >= 1, 240_000);
    const victim = [w1, w2].find((w) => /T1 fold 0: attempt/.test(w.output()));
    expect(victim, `${w1.output()}\n${w2.output()}`).toBeDefined();
    (victim as Proc).child.kill('SIGKILL');
    expect(await exited(coord, 240_000), coord.output()).toBe(0);
    for (const k of [0, 1]) expect(epochs(run, k)).toEqual([1, 2, 3]);
    // The job was recovered after the kill (BullMQ stalled-job check), by the surviving worker.
    const survivor = (victim === w1 ? w2 : w1) as Proc;
    expect(survivor.output()).toMatch(/T1 fold 0: attempt/);
    expect(coord.output()).toMatch(/epoch \d\/3 loss/);
    expect(readFileSync(join(run, 'predictions.csv'), 'utf8')).toBe(localPredictions);

    // queue status: this run's jobs are done, the surviving worker is connected.
    const status = start(['queue', 'status', '--queue', redis.url, '--json']);
    expect(await exited(status, 60_000)).toBe(0);
    const s = JSON.parse(status.output()) as {
      queue: string;
      runs: Array<{ runDir: string; done: number; failed: number; waiting: number; active: number }>;
      workers: Array<{ name: string }>;
    };
    expect(s.runs.find((r) => r.runDir === run)).toMatchObject({ done: 2, failed: 0, waiting: 0, active: 0 });
    expect(s.workers.map((w) => w.name)).toContain(`${hostname()}:${survivor.child.pid}`);
    // The password is never written anywhere.
    for (const text of [
      coord.output(),
      survivor.output(),
      status.output(),
      readFileSync(join(run, 'config.json'), 'utf8'),
      readFileSync(join(run, 'report.json'), 'utf8'),
      readFileSync(join(run, 'report.html'), 'utf8'),
    ])
      expect(text).not.toContain(redis.password);
    // SIGTERM: the idle worker exits cleanly.
    survivor.child.kill('SIGTERM');
    expect(await exited(survivor, 60_000)).toBe(0);
  });

  it('Redis stopped and started again mid-run: the run completes', async () => {
    const run = join(root, 'restart');
    const w = worker();
    const coord = start([...RUN, '--out', run, '--queue', redis.url]);
    await until('fold 0 epoch 1', () => epochs(run, 0).length >= 1, 240_000);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    expect(await exited(coord, 240_000), coord.output()).toBe(0);
    expect(existsSync(join(run, 'report.json'))).toBe(true);
    for (const k of [0, 1]) expect(epochs(run, k)).toEqual([1, 2, 3]);
    expect(readFileSync(join(run, 'predictions.csv'), 'utf8')).toBe(localPredictions);
    await stopWorker(w);
  });

  it('a typed job failure (the images changed under the run) fails the job after its attempts and the coordinator exits 1', async () => {
    const run = join(root, 'failing');
    const coord = start([...RUN, '--out', run, '--queue', redis.url]);
    await until('jobs queued', () => /fold job\(s\) of run/.test(coord.output()), 240_000);
    // Damage one series of the cohort the coordinator wrote: the worker's inputs differ.
    const series = join(run, 'cohort', 'series');
    const patient = readdirSync(series).sort()[0] as string;
    const dir = join(series, patient, 'T1');
    for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'not a DICOM file');
    const w = worker();
    expect(await exited(coord, 180_000), coord.output()).toBe(1);
    expect(coord.output()).toMatch(/failed: RUN_INPUTS_CHANGED/);
    expect(coord.output()).toMatch(
      /op-screen( reproduce)?: .*fold job\(s\) failed on the queue.*QUEUE_JOB_FAILED/,
    );
    // Bounded: the job was tried exactly `attempts` (2) times.
    expect(w.output().match(/T1 fold \d: attempt 2/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(w.output()).not.toMatch(/attempt 3/);
    expect(existsSync(join(run, 'report.json'))).toBe(false);
    await stopWorker(w);
  });

  it('two architectures on the queue; SIGTERM mid-job lets the epoch finish, hands the job back and exits 0', async () => {
    const run = join(root, 'archs');
    const archs = ['resnet18', 'efficientnet_b0'];
    const w1 = worker();
    const coord = start([...RUN, '--arch', archs.join(','), '--out', run, '--queue', redis.url]);
    const histories = () => archs.flatMap((a) => [0, 1].map((k) => epochs(run, k, a)));
    await until('a first epoch', () => histories().some((h) => h.length >= 1), 240_000);
    w1.child.kill('SIGTERM');
    expect(await exited(w1, 120_000), w1.output()).toBe(0);
    expect(w1.output()).toMatch(/stopped after a checkpointed epoch; back in the queue/);
    // Nothing is lost: the job's finished epochs stay, and no fold is complete yet past them.
    const afterStop = histories();
    const w2 = worker();
    expect(await exited(coord, 300_000), coord.output()).toBe(0);
    const final = histories();
    for (const h of final) expect(h).toEqual([1, 2, 3]);
    afterStop.forEach((h, i) => {
      expect(final[i]?.slice(0, h.length)).toEqual(h);
    });
    expect(w2.output()).toMatch(/attempt 1/);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as {
      comparison?: { architectures: string[]; pairedDeLong: unknown[] };
    };
    expect(report.comparison?.architectures).toEqual(archs);
    expect(report.comparison?.pairedDeLong).toHaveLength(2);
    const csv = readFileSync(join(run, 'predictions.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      '"arch","patient_id","sequence","level","fold","split","label","score","probability","answer"',
    );
    for (const a of archs) expect(csv).toContain(`\n"${a}",`);
    await stopWorker(w2);
  });
});
