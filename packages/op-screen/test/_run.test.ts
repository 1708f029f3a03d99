import { rmSync } from 'node:fs';
import { it } from 'vitest';
import { defaultDeps } from '../src/reproduce/ports.js';
import { reproduce } from '../src/reproduce/run.js';
import { linearEngine } from './helpers/linear-engine.js';

it('run', async () => {
  rmSync('/tmp/run1', { recursive: true, force: true });
  const r = await reproduce(
    { out: '/tmp/run1', preset: 'tiny', epochs: 5, patients: 60 },
    { ...defaultDeps(), engine: linearEngine },
  );
  console.log(
    JSON.stringify(r.report.results, null, 1).slice(0, 3000),
    r.report.baselines,
    r.report.wallTimeSeconds,
  );
}, 120000);
