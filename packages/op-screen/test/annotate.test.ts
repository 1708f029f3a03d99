// `op-screen annotate` starts @op-screen/annotator's server: one JSON line with the URL on stdout,
// the page served with the token and refused without it; --model without a run is refused.
// (--model with a real run: @op-screen/annotator's predict.e2e.test.ts starts this CLI with one.)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticCohort } from '@op-screen/synth';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing the URL`)));
  });
}

describe('op-screen annotate', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints {"url"} for 127.0.0.1 with a token and serves the page only with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annotate-cli-'));
    const { manifest } = await writeSyntheticCohort(dir, { patients: 2, seed: 4 });
    child = spawn(process.execPath, [CLI, 'annotate', '--manifest', manifest, '--no-open'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const line = await firstLine(child);
    const { url } = JSON.parse(line) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('op-screen annotator');
    expect((await fetch(url.replace(/\?token=.*/, ''))).status).toBe(403);
  });

  it('refuses --model naming a directory without a finished run (MODEL_NOT_FOUND), before listening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'annotate-cli-nomodel-'));
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, 'patient_id,sequence,level,image\n');
    const r = spawnSync(
      process.execPath,
      [CLI, 'annotate', '--manifest', manifest, '--model', dir, '--no-open'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('has no meta.json, nor has its model/ directory');
    expect(r.stderr).toContain('(MODEL_NOT_FOUND)');
  });
});
