// Smoke test of the main command on the webgpu backend: `op-screen reproduce --preset quick`
// (one epoch, 12 synthetic patients, T1) on the software WebGPU adapter (Mesa llvmpipe through
// Dawn's OpenGL ES backend) against the same run on wasm. Mesa is found or apt-installed before
// the run (ensureMesaForTests), else the test FAILS; it never skips. Both runs use one training
// process (--workers 1): on wasm the default of one replica per core would change BatchNorm's
// batch statistics, on webgpu there is always one. After one epoch from a zero head the scores
// of a run span only ~2e-4, so the AUCs are equal only because the two backends' scores agree to
// ~1e-6 here; with 24 patients one fold's scores drifted by 3e-4 (see the package README).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMesaForTests } from '@op-screen/webgpu-kernels';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ARGS = ['--preset', 'quick', '--epochs', '1', '--patients', '12', '--sequence', 'T1', '--workers', '1'];

interface Report {
  versions: { backend: { backend: string; webgpu: { software: boolean; dawnBackend: string } | null } };
  results: { T1: { image: { auc: number }; patient: { auc: number } } };
  training: { T1: Array<{ history: Array<{ loss: number; valLoss: number }> }> };
}

let tmp = '';
beforeAll(() => {
  ensureMesaForTests();
  tmp = mkdtempSync(join(tmpdir(), 'op-screen-webgpu-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function reproduce(backend: 'wasm' | 'webgpu'): { report: Report; scores: Map<string, number> } {
  const out = join(tmp, backend);
  const r = spawnSync(process.execPath, [CLI, 'reproduce', ...ARGS, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, OP_SCREEN_BACKEND: backend, EGL_PLATFORM: 'surfaceless' },
    timeout: 900_000,
  });
  if (r.status !== 0) throw new Error(`reproduce on ${backend} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
  const scores = new Map<string, number>();
  // every field is quoted: read it as CSV, not by splitting on commas
  const rows = parse(readFileSync(join(out, 'predictions.csv'), 'utf8')) as string[][];
  for (const c of rows.slice(1)) scores.set(c.slice(0, 5).join(','), Number(c[6]));
  return { report, scores };
}

describe('op-screen reproduce on webgpu (software adapter)', () => {
  it('completes with the AUCs, losses and scores of the same run on wasm', () => {
    const wasm = reproduce('wasm');
    const gpu = reproduce('webgpu');
    expect(wasm.report.versions.backend.backend).toBe('wasm');
    expect(gpu.report.versions.backend.backend).toBe('webgpu');
    expect(gpu.report.versions.backend.webgpu?.software).toBe(true);
    expect(gpu.report.versions.backend.webgpu?.dawnBackend).toBe('opengles');
    const w = wasm.report.results.T1;
    const g = gpu.report.results.T1;
    expect(Math.abs(g.image.auc - w.image.auc)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(g.patient.auc - w.patient.auc)).toBeLessThanOrEqual(0.01);
    const losses = (r: Report) => r.training.T1.flatMap((f) => f.history.flatMap((h) => [h.loss, h.valLoss]));
    const lw = losses(wasm.report);
    const lg = losses(gpu.report);
    expect(lg).toHaveLength(lw.length);
    lg.forEach((v, i) => {
      expect(Math.abs(v - (lw[i] as number))).toBeLessThan(1e-3);
    });
    expect([...gpu.scores.keys()]).toEqual([...wasm.scores.keys()]);
    let worst = 0;
    for (const [k, v] of gpu.scores) worst = Math.max(worst, Math.abs(v - (wasm.scores.get(k) as number)));
    // measured: every score equal to wasm's at the 6 decimals of predictions.csv
    expect(worst).toBeLessThan(1e-4);
  }, 1_800_000);
});
