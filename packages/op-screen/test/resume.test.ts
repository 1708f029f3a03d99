import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportSchema } from '@op-screen/pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const cli = join(pkg, 'dist', 'cli.js');

beforeAll(() => {
  // turbo builds before testing; a bare `vitest run` in a fresh checkout builds here.
  if (!existsSync(cli)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
}, 120_000);

function historyLines(file: string): Array<{ epoch: number; trainLoss: number; valLoss: number }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => child.on('exit', (code) => res(code)));
}

describe('reproduce --resume (real tfjs engine, CLI child process)', () => {
  it('continues after SIGKILL from the last checkpoint without redoing a completed epoch', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'resume-')), 'run');
    const args = [
      cli,
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
      '--out',
      out,
    ];
    const history0 = join(out, 'checkpoints', 'T1', 'fold-0', 'history.jsonl');
    const first = spawn(process.execPath, args, { stdio: 'ignore' });
    const firstExit = exitOf(first);
    const deadline = Date.now() + 150_000;
    while (historyLines(history0).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await firstExit;
    const before = historyLines(history0);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(out, 'report.json'))).toBe(false);

    // Without --resume the directory is refused, with it the run completes.
    const refused = spawn(process.execPath, args, { stdio: 'ignore' });
    expect(await exitOf(refused)).toBe(1);
    const second = spawn(process.execPath, [...args, '--resume'], { stdio: 'ignore' });
    expect(await exitOf(second)).toBe(0);

    const after = historyLines(history0);
    // Each epoch exactly once, and the epochs finished before the kill are the same records.
    expect(after.map((h) => h.epoch)).toEqual([1, 2, 3].slice(0, after.length));
    expect(after.slice(0, before.length)).toEqual(before);
    const report = reportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.training.T1?.[0]?.history.map((h) => h.epoch)).toEqual(after.map((h) => h.epoch));
    expect(report.training.T1).toHaveLength(2);
    // Wall time covers the killed session (up to its last epoch) and the resumed one.
    const timing = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8')) as {
      sessions: Array<{ seconds: number }>;
    };
    expect(timing.sessions).toHaveLength(2);
    expect(report.wallTimeSeconds).toBeCloseTo(
      timing.sessions.reduce((s, x) => s + x.seconds, 0),
      6,
    );
    expect(timing.sessions[0]?.seconds).toBeGreaterThan(0);
    expect(existsSync(join(out, 'checkpoints', 'T1', 'fold-1', 'done.json'))).toBe(true);
    expect(existsSync(join(out, 'model', 'T1', 'fold-0', 'model.json'))).toBe(true);
    // Finished folds drop the trainer's checkpoints (the saved model and done.json suffice).
    expect(readdirSync(join(out, 'checkpoints', 'T1', 'fold-0')).filter((f) => f.endsWith('.ckpt'))).toEqual(
      [],
    );
  }, 240_000);
});
