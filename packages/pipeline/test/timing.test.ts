// report.json wallTimeSeconds sums every session of a run that was killed and resumed several
// times: each session is appended to timing.json and rewritten atomically as it goes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunTimer } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'timing-'));
const bundle = join(dir, 'timing.mjs');

beforeAll(async () => {
  // the real module, bundled so a plain node child process can run it and be SIGKILLed
  await build({
    entryPoints: [fileURLToPath(new URL('../src/run/timing.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'silent',
  });
});

/**
 * A session that saves every 20 ms (as a run saves every epoch) until it is SIGKILLed; with
 * `everyMs` it never saves by itself (one long epoch) and relies on the timer's periodic save.
 */
function killedSession(file: string, runMs: number, everyMs?: number): Promise<void> {
  const script = `const { RunTimer } = await import(${JSON.stringify(bundle)});
const t = await RunTimer.start(${JSON.stringify(file)}, performance.now()${everyMs ? `, ${everyMs}` : ''});
process.stdout.write('started\\n');
${everyMs ? 'setInterval(() => {}, 1000);' : 'setInterval(() => void t.save(), 20);'}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), runMs));
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`exit ${_code}`)),
    );
  });
}

describe('RunTimer over a run killed and resumed several times', () => {
  it('counts every session: three SIGKILLed ones and the one that finishes', async () => {
    const file = join(dir, 'timing.json');
    for (const ms of [300, 200, 400]) await killedSession(file, ms);
    const killed = (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Array<{ seconds: number }> })
      .sessions;
    expect(killed).toHaveLength(3);
    // each killed session kept its time up to its last save (within a save interval of the kill)
    for (const [i, ms] of [300, 200, 400].entries()) {
      expect(killed[i]?.seconds).toBeGreaterThan((ms - 60) / 1000);
      expect(killed[i]?.seconds).toBeLessThan(ms / 1000 + 5);
    }
    const last = await RunTimer.start(file);
    await new Promise((r) => setTimeout(r, 50));
    const total = await last.save();
    last.stop();
    expect(last.sessions).toBe(4);
    const all = (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Array<{ seconds: number }> }).sessions;
    expect(all).toHaveLength(4);
    expect(total).toBeCloseTo(
      all.reduce((s, x) => s + x.seconds, 0),
      9,
    );
    expect(total).toBeGreaterThan(0.84);
  });

  it('a session killed before its first epoch is still listed', async () => {
    const file = join(dir, 'early.json');
    await killedSession(file, 0);
    const t = await RunTimer.start(file);
    await t.save();
    t.stop();
    const all = (JSON.parse(readFileSync(file, 'utf8')) as { sessions: unknown[] }).sessions;
    expect(all).toHaveLength(2);
  });

  it('a session killed in the middle of one long epoch keeps its time up to the last periodic save', async () => {
    const file = join(dir, 'long-epoch.json');
    await killedSession(file, 700, 100);
    const [s] = (JSON.parse(readFileSync(file, 'utf8')) as { sessions: Array<{ seconds: number }> }).sessions;
    // without the periodic save it would be ~0 (only the save at start)
    expect(s?.seconds).toBeGreaterThan(0.45);
    expect(s?.seconds).toBeLessThan(5);
  });

  it('stop() ends the periodic saves', async () => {
    const file = join(dir, 'stopped.json');
    const t = await RunTimer.start(file, performance.now(), 30);
    await new Promise((r) => setTimeout(r, 100));
    t.stop();
    await new Promise((r) => setTimeout(r, 60));
    const before = readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 150));
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
