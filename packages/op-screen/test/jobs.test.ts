import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// reproduce --jobs N trains independent units (sequence x fold) in child processes: the same
// predictions.csv byte for byte as --jobs 1, and a run SIGKILLed after a unit finished resumes
// without training that unit again and without leaving training processes behind.

const cli = join(__dirname, '..', 'dist', 'cli.js');
const base = mkdtempSync(join(tmpdir(), 'jobs-'));
const args = (out: string, jobs: number) => [
  cli,
  'reproduce',
  '--manifest',
  join(base, 'cohort', 'manifest.csv'),
  '--preset',
  'tiny',
  '--sequence',
  'T1',
  '--epochs',
  '2',
  '--workers',
  '1',
  '--jobs',
  String(jobs),
  '--out',
  out,
];
let reference: string;

beforeAll(() => {
  execFileSync(
    process.execPath,
    [cli, 'synth', '--out', join(base, 'cohort'), '--patients', '14', '--seed', '2'],
    { stdio: 'ignore' },
  );
  execFileSync(process.execPath, args(join(base, 'one'), 1), { stdio: 'ignore' });
  reference = readFileSync(join(base, 'one', 'predictions.csv'), 'utf8');
}, 300_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('reproduce --jobs', () => {
  it('--jobs 2 writes the predictions.csv of --jobs 1, byte for byte', () => {
    const log = execFileSync(process.execPath, args(join(base, 'two'), 2), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(readFileSync(join(base, 'two', 'predictions.csv'), 'utf8')).toBe(reference);
    expect(log).toContain('T1');
  }, 300_000);

  it('SIGKILL after one unit finished: no training process is left, and --resume trains only the rest, same predictions', async () => {
    const out = join(base, 'killed');
    const child = spawn(process.execPath, args(out, 2), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/fold \d \(of 2\): done in/.test(stderr) && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 1500));
    // the unit processes ended with their parent (their IPC channel closed)
    const units = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(cli) && l.includes('train-unit'))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(units.filter(alive)).toEqual([]);
    const finished = [0, 1].filter((k) =>
      existsSync(join(out, 'checkpoints', 'T1', `fold-${k}`, 'done.json')),
    );
    expect(finished.length).toBeGreaterThanOrEqual(1);
    const resumed = spawnSync(process.execPath, [...args(out, 2), '--resume'], { encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    const left = 2 - finished.length;
    expect(resumed.stderr).toContain(left > 0 ? `training ${left} unit(s)` : 'complete (resumed from');
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8')).toBe(reference);
  }, 300_000);
});

describe('--jobs auto', () => {
  it("takes as many units as the cores hold with each unit's replicas, capped by free memory", async () => {
    const { autoJobs, unitMemoryBytes } = await import('@op-screen/pipeline');
    const { PRESETS } = await import('@op-screen/pipeline');
    const GB = 2 ** 30;
    // quick: 1 replica per unit -> one unit per core
    expect(autoJobs(PRESETS.quick, 11_689_512, 2, 20 * GB)).toBe(2);
    expect(autoJobs(PRESETS.quick, 11_689_512, 16, 20 * GB)).toBe(16);
    // study: a replica per core already -> one unit
    expect(autoJobs(PRESETS.study, 19_341_616, 2, 20 * GB)).toBe(1);
    // memory caps it
    const per = unitMemoryBytes(PRESETS.quick, 11_689_512);
    expect(autoJobs(PRESETS.quick, 11_689_512, 16, 3 * per)).toBe(2);
    expect(autoJobs(PRESETS.quick, 11_689_512, 16, per / 10)).toBe(1);
  });
});
