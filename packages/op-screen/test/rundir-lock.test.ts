import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDeps, reproduce } from '@op-screen/pipeline';
import { lockRunDir, RUN_LOCK } from '@op-screen/study';
import { writeSyntheticCohort } from '@op-screen/synth';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

const deps = { ...defaultDeps(), engine: linearEngine };
let manifest: string;
const base = mkdtempSync(join(tmpdir(), 'rundir-lock-'));

beforeAll(async () => {
  await writeSyntheticCohort(join(base, 'cohort'), { patients: 16, seed: 2 });
  manifest = join(base, 'cohort', 'manifest.csv');
}, 60_000);

/** A pid that certainly belongs to no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('the run directory lock', () => {
  it('a second run on the same --out is refused at once with "in use by pid N"; the first completes', async () => {
    const out = join(base, 'twice');
    const opts = { manifest, out, preset: 'tiny', epochs: 2, resume: true, log: () => {} };
    const first = reproduce(opts, deps);
    // the first has taken the lock before it trains: wait for it to appear
    while (!existsSync(join(out, RUN_LOCK))) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await expect(reproduce(opts, deps)).rejects.toMatchObject({
      code: 'RUN_DIR_IN_USE',
      message: expect.stringContaining(`in use by pid ${process.pid}`),
    });
    expect(performance.now() - t0).toBeLessThan(5000);
    await first;
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    // released at the end: the same command resumes (re-evaluates) the finished run
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
    await reproduce(opts, deps);
  }, 120_000);

  it('recognises a stale lock left by a killed run and takes it over', async () => {
    const out = join(base, 'stale');
    mkdirSync(out);
    const pid = deadPid();
    writeFileSync(join(out, RUN_LOCK), JSON.stringify({ pid, host: hostname(), startedAt: 'then' }));
    // a directory holding only a stale lock is still a new run directory (no --resume needed)
    await reproduce({ manifest, out, preset: 'tiny', epochs: 1, log: () => {} }, deps);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
  }, 120_000);

  it('a lock from another host is refused with what to do; a failed run releases its lock', async () => {
    const out = join(base, 'other-host');
    mkdirSync(out);
    writeFileSync(join(out, RUN_LOCK), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'then' }));
    await expect(lockRunDir(out)).rejects.toMatchObject({
      code: 'RUN_DIR_IN_USE',
      message: expect.stringMatching(/in use by pid 1 on host elsewhere .*if that run is gone, delete/),
    });
    const failing = join(base, 'failing');
    const broken = {
      ...deps,
      engine: { ...linearEngine, createModel: () => Promise.reject(new Error('boom')) },
    };
    await expect(
      reproduce({ manifest, out: failing, preset: 'tiny', epochs: 1, log: () => {} }, broken),
    ).rejects.toThrow('boom');
    expect(existsSync(join(failing, RUN_LOCK))).toBe(false);
    expect(JSON.parse(readFileSync(join(failing, 'config.json'), 'utf8')).config.preset).toBe('tiny');
  }, 120_000);
});

describe('Ctrl-C', () => {
  it('exits 130 saying what was saved and how to resume, drops the lock; the bare re-run names --resume', async () => {
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const out = join(base, 'interrupted');
    const args = [
      cli,
      'reproduce',
      '--manifest',
      manifest,
      '--preset',
      'tiny',
      '--sequence',
      'T1',
      '--out',
      out,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((res) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // interrupt once training has started
        if (/split: /.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => res(c));
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /interrupted\. Finished folds and each fold's last epoch are saved in .*; run the same command with --resume to continue/,
    );
    expect(existsSync(join(out, RUN_LOCK))).toBe(false);
    const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/OUT_NOT_EMPTY/);
    expect(again.stderr).toContain('pass --resume to continue that run');
  }, 120_000);
});
