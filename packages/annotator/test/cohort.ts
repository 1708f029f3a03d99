// A tiny synthetic cohort from `op-screen synth` (the CLI, built by turbo before these tests),
// with its boxes blanked so there is something to annotate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const CLI = fileURLToPath(new URL('../../op-screen/dist/cli.js', import.meta.url));

export function synthCohort(patients = 2, seed = 7): { dir: string; manifest: string; original: string } {
  const dir = mkdtempSync(join(tmpdir(), 'op-screen-annotate-'));
  execFileSync(
    process.execPath,
    [CLI, 'synth', '--out', dir, '--patients', String(patients), '--seed', String(seed)],
    {
      stdio: 'ignore',
    },
  );
  const manifest = join(dir, 'manifest.csv');
  // Blank roi and csf_roi and keep the columns a hand-written manifest has (synth v2 also writes
  // exclude, sex and age; the app adds its own exclude column, which the tests check).
  const columns = ['patient_id', 'sequence', 'level', 'image', 't_score', 'roi', 'slice', 'csf_roi'];
  const rows = parse(readFileSync(manifest, 'utf8'), { columns: true }) as Record<string, string>[];
  const blanked = rows.map((r) => columns.map((c) => (c === 'roi' || c === 'csf_roi' ? '' : (r[c] ?? ''))));
  const original = stringify([columns, ...blanked]);
  writeFileSync(manifest, original);
  return { dir, manifest, original };
}

/**
 * `op-screen reproduce --preset tiny --epochs 1 --sequence T1` on `manifest` into `out`: the tiny
 * real run the browser tests train (ResNet-18 on 32x32 crops, 2 folds, T1 only to keep CI short:
 * about 35 s on 2 cores for 12 patients).
 */
export function reproduceTiny(manifest: string, out: string): void {
  execFileSync(
    process.execPath,
    [
      CLI,
      'reproduce',
      '--manifest',
      manifest,
      '--preset',
      'tiny',
      '--epochs',
      '1',
      '--sequence',
      'T1',
      '--out',
      out,
    ],
    { stdio: 'pipe' },
  );
}

/**
 * A tiny real run for the --model tests: `op-screen synth` (12 patients, boxes and exclusions as
 * synth writes them) and {@link reproduceTiny} on it.
 */
export function trainedRun(seed = 3): { dir: string; manifest: string; run: string } {
  const dir = mkdtempSync(join(tmpdir(), 'op-screen-annotate-run-'));
  const cohort = join(dir, 'cohort');
  const run = join(dir, 'run');
  execFileSync(
    process.execPath,
    [CLI, 'synth', '--out', cohort, '--patients', '12', '--seed', String(seed)],
    {
      stdio: 'ignore',
    },
  );
  const manifest = join(cohort, 'manifest.csv');
  reproduceTiny(manifest, run);
  return { dir, manifest, run };
}

/** One row of `op-screen predict`'s CSV, parsed. */
export interface CliPrediction {
  score: number;
  probability: number;
  patientProbability: number;
  answer: string;
}

/** `op-screen predict` on a run's model: the rows' scores by `patient sequence level`. */
export function cliPredictions(run: string, manifest: string): Map<string, number> {
  return new Map([...cliPredictionRows(run, manifest)].map(([k, r]) => [k, r.score]));
}

/** `op-screen predict` on a run's model: each row's score, probability and patient answer by `patient sequence level`. */
export function cliPredictionRows(run: string, manifest: string): Map<string, CliPrediction> {
  const out = join(mkdtempSync(join(tmpdir(), 'op-screen-predict-')), 'predictions.csv');
  execFileSync(
    process.execPath,
    [CLI, 'predict', '--model', join(run, 'model'), '--manifest', manifest, '--out', out],
    {
      stdio: 'ignore',
    },
  );
  const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
  return new Map(
    rows.map((r) => [
      `${r.patient_id} ${r.sequence} ${r.level}`,
      {
        score: Number(r.score),
        probability: Number(r.probability),
        patientProbability: Number(r.patient_probability),
        answer: r.answer ?? '',
      },
    ]),
  );
}

/** The CLI's path, for tests that start `op-screen annotate` itself. */
export const OP_SCREEN_CLI = CLI;
