import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '@op-screen/pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(pkg, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'predict-cli-'));

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
  // a run's model directory as far as predict reads it before any fold model is loaded
  mkdirSync(join(dir, 'run', 'model'), { recursive: true });
  writeFileSync(
    join(dir, 'run', 'model', 'meta.json'),
    JSON.stringify({
      config: PRESETS.tiny,
      weights: null,
      sequences: ['T1'],
      folds: 2,
      preprocessing: { pipeline: { steps: [] } },
      thresholds: { T1: { image: 0.5, patient: 0.5 } },
    }),
  );
  writeFileSync(
    join(dir, 'm.csv'),
    'patient_id,sequence,level,image\nP1,T1,L1,missing/a.dcm\nP1,T1,L2,missing/b.dcm\n',
  );
}, 120_000);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('op-screen predict', () => {
  it('scoring nothing is an error (exit 1, NOTHING_SCORED), after listing why each row was skipped', async () => {
    // RUN_DIR is accepted as well as RUN_DIR/model
    for (const model of [join(dir, 'run'), join(dir, 'run', 'model')]) {
      const r = await run(['predict', '--model', model, '--manifest', join(dir, 'm.csv')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/skipped manifest line 2: MISSING_FILE/);
      expect(r.stderr).toMatch(
        /op-screen predict: .*m\.csv: no image was scored: all 2 manifest rows were skipped .*\(NOTHING_SCORED\)/,
      );
    }
    const j = await run(['predict', '--model', join(dir, 'run'), '--manifest', join(dir, 'm.csv'), '--json']);
    expect(JSON.parse(j.stderr.trim().split('\n').at(-1) as string).error.code).toBe('NOTHING_SCORED');
  });

  it('finds out that --out cannot be written before it reads the model or the manifest', async () => {
    // the model does not exist either: the --out error must come first
    const r = await run([
      'predict',
      '--model',
      join(dir, 'no-run'),
      '--manifest',
      join(dir, 'm.csv'),
      '--out',
      join(dir, 'no-such-dir', 'p.csv'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FILE_NOT_FOUND/);
    expect(r.stderr).toContain('no-such-dir');
    writeFileSync(join(dir, 'taken.csv'), 'mine');
    const taken = await run([
      'predict',
      '--model',
      join(dir, 'no-run'),
      '--manifest',
      join(dir, 'm.csv'),
      '--out',
      join(dir, 'taken.csv'),
    ]);
    expect(taken.stderr).toMatch(/OUTPUT_EXISTS/);
    // no probe or temp file is left behind
    expect(readdirSync(dir).filter((f) => f.includes('.probe-') || f.includes('.tmp-'))).toEqual([]);
  });
});
