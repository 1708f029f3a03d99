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
