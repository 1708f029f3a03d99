#!/usr/bin/env node
// Runs every benchmark area (bench/<area>/*.mjs listed below) one after another, so each area's
// peer (pydicom, SciPy, torch, scikit-learn, pROC) runs in the same session as our code.
// Peers come from Debian: apt-get install python3-torch python3-torchvision python3-pydicom
// python3-nibabel python3-sklearn python3-scipy r-cran-proc dcmtk
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const areas = [
  'mri-io',
  'preprocess',
  'metrics',
  'efficientnet',
  'wasm-kernels',
  'train',
  'annotator',
  'queue',
  'locate',
].filter((a) => only.length === 0 || only.includes(a));
let failed = 0;
for (const area of areas) {
  const dir = join(here, area);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.mjs'))
    .sort()) {
    console.log(`\n== bench/${area}/${f}`);
    const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
