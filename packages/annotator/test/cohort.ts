// A tiny synthetic cohort from `op-screen synth` (the CLI, built by turbo before these tests),
// with its boxes blanked so there is something to annotate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  // Blank roi and csf_roi (columns 6 and 8 of synth's manifest), keep everything else.
  const lines = readFileSync(manifest, 'utf8').split('\n');
  const blanked = lines.map((l, i) => (i === 0 || l === '' ? l : l.replace(/,"[\d,]+",,"[\d,]+"$/, ',,,')));
  const original = blanked.join('\n');
  writeFileSync(manifest, original);
  return { dir, manifest, original };
}
