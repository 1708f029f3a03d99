import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDeps, type Report, reportSchema, reproduce } from '@op-screen/pipeline';
import { writeSyntheticCohort } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEvaluate } from '../src/commands/evaluate.js';
import { linearEngine } from './helpers/linear-engine.js';

let run: string;
let report: Report;

beforeAll(async () => {
  const cohort = mkdtempSync(join(tmpdir(), 'evaluate-run-'));
  await writeSyntheticCohort(cohort, { patients: 24, seed: 3 });
  run = join(cohort, 'run');
  await reproduce(
    { manifest: join(cohort, 'manifest.csv'), out: run, preset: 'tiny', epochs: 3, log: () => {} },
    { ...defaultDeps(), engine: linearEngine },
  );
  report = reportSchema.parse(JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')));
}, 120_000);

async function evaluate(args: { input: string; json?: boolean }) {
  let stdout = '';
  let stderr = '';
  const code = await runEvaluate(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("op-screen evaluate on a run's own predictions.csv", () => {
  it('equals report.json to 1e-9: test rows only, per sequence and both, patients as groups', async () => {
    const r = await evaluate({ input: join(run, 'predictions.csv'), json: true });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      format: string;
      results: Array<{
        result: string;
        n: number;
        auc: number;
        aucCI95: number[];
        patient: { n: number; auc: number; aucCI95: number[] };
      }>;
    };
    expect(out.format).toBe('run');
    expect(out.results.map((x) => x.result)).toEqual(['T1', 'T2', 'both']);
    for (const x of out.results) {
      const want = report.results[x.result as 'T1'] as NonNullable<Report['results']['T1']>;
      if (x.result === 'both') {
        // report.json's both recalibrates each fold model's T1+T2 mean with its own map, which
        // predictions.csv does not hold; evaluate averages the two sequences' probabilities
        expect(x.n).toBe(want.image.n);
        expect(Math.abs(x.auc - want.image.auc)).toBeLessThan(0.05);
        continue;
      }
      expect(x.n).toBe(want.image.n);
      expect(Math.abs(x.auc - want.image.auc)).toBeLessThan(1e-9);
      expect(x.patient.n).toBe(want.patient.n);
      expect(Math.abs(x.patient.auc - want.patient.auc)).toBeLessThan(1e-9);
      for (const k of [0, 1]) {
        if (Number.isFinite(x.aucCI95[k]))
          expect(Math.abs((x.aucCI95[k] as number) - (want.image.aucCI95[k] as number))).toBeLessThan(1e-9);
        if (Number.isFinite(x.patient.aucCI95[k]))
          expect(
            Math.abs((x.patient.aucCI95[k] as number) - (want.patient.aucCI95[k] as number)),
          ).toBeLessThan(1e-9);
      }
    }
  });

  it('writes scores at full precision: no ties made by rounding', () => {
    const rows = parse(readFileSync(join(run, 'predictions.csv'), 'utf8'), { columns: true }) as Array<{
      score: string;
    }>;
    // a float32 probability needs up to 9 significant digits; 6 made ties
    expect(rows.some((row) => row.score.replace(/^0\.0*|\.|e.*$/g, '').length > 6)).toBe(true);
  });

  it('reads a plain label,score table as before, and the file as a positional argument on the CLI', async () => {
    const plain = join(run, 'plain.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(plain, 'label,score\n0,0.1\n1,0.9\n0,0.3\n1,0.6\n');
    const r = await evaluate({ input: plain });
    expect(r.stdout).toMatch(/^samples 4 \(positives 2\)\nAUC 1\.0000/);
    const { execFileSync } = await import('node:child_process');
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const viaCli = execFileSync(process.execPath, [cli, 'evaluate', join(run, 'predictions.csv')], {
      encoding: 'utf8',
    });
    expect(viaCli).toMatch(/^T1 \(hold-out test set\)\n {2}samples \d+/);
    expect(viaCli).toMatch(/\nboth \(hold-out test set\)\n/);
  });
});

describe('predict progress', () => {
  it('reports reading every row, then each fold model pass, up to its total', async () => {
    const { predictManifest } = await import('@op-screen/pipeline');
    const events: Array<[string, number, number]> = [];
    const r = await predictManifest(
      {
        model: run,
        manifest: join(run, '..', 'manifest.csv'),
        onProgress: (s, d, t) => events.push([s, d, t]),
      },
      { ...defaultDeps(), engine: linearEngine },
    );
    expect(r.predictions.length).toBeGreaterThan(0);
    const reading = events.filter((e) => e[0] === 'reading');
    const scoring = events.filter((e) => e[0] === 'scoring');
    expect(reading.at(-1)?.[1]).toBe(reading.at(-1)?.[2]);
    expect(scoring.map((e) => e[1])).toEqual([1, 2, 3, 4]); // 2 sequences x 2 folds (tiny)
    expect(scoring.every((e) => e[2] === 4)).toBe(true);
  });
});
