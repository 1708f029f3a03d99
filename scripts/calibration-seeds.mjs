#!/usr/bin/env node
// Issue 25's "must show" on the default cohort: for each seed, the main command's run, then per
// result (T1, T2, both) the image-level calibration slope with its 95% CI and the patient-level
// calibration-in-the-large, before (raw fold-ensemble scores) and after recalibration, and the
// three-way answer's coverage and decided-patient sensitivity and specificity with CIs.
//   node scripts/calibration-seeds.mjs OUT_DIR [seeds, default 1,2,3,4,5]
// Runs that already finished in OUT_DIR/seed-N are reused (reproduce --resume).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'runs/calibration-seeds');
const seeds = (process.argv[3] ?? '1,2,3,4,5').split(',').map(Number);
const cli = resolve(new URL('..', import.meta.url).pathname, 'packages/op-screen/dist/cli.js');
const f3 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(3));
const ci = (c) => (c ? `${f3(c[0])}-${f3(c[1])}` : 'n/a');
const rows = [];
const tally = { slope: { T1: 0, T2: 0, both: 0 }, citl: { T1: 0, T2: 0, both: 0 } };
for (const seed of seeds) {
  const dir = join(out, `seed-${seed}`);
  if (!existsSync(join(dir, 'report.json')))
    execFileSync(process.execPath, [cli, 'reproduce', '--seed', String(seed), '--out', dir, '--resume'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  for (const [name, c] of Object.entries(r.calibration)) {
    const after = c.recalibrated;
    const b = r.band[name];
    const inCi = after?.image.slopeCI95 && after.image.slopeCI95[0] <= 1 && after.image.slopeCI95[1] >= 1;
    const citl = after?.patient.interceptInTheLarge;
    if (inCi) tally.slope[name]++;
    if (citl !== null && citl !== undefined && Math.abs(citl) < 0.5) tally.citl[name]++;
    rows.push(
      `| ${seed} | ${name} | ${f3(c.image.slope)} (${ci(c.image.slopeCI95)}) | ${f3(after?.image.slope)} (${ci(after?.image.slopeCI95)}) ${inCi ? 'yes' : 'no'} | ${f3(c.patient.interceptInTheLarge)} | ${f3(citl)} | ${b ? `${b.test.decided}/${b.test.n} = ${f3(b.test.coverage)} (${ci(b.test.coverageCI)})` : 'n/a'} | ${b ? `${f3(b.test.sensitivity)} (${ci(b.test.ci.sensitivity)})` : 'n/a'} | ${b ? `${f3(b.test.specificity)} (${ci(b.test.ci.specificity)})` : 'n/a'} | ${f3(r.results[name]?.patient.auc)} |`,
    );
  }
}
console.log(
  '| seed | result | image slope raw (95% CI) | image slope recalibrated (95% CI), CI holds 1 | patient CITL raw | patient CITL recalibrated | band coverage (CI) | decided sensitivity (CI) | decided specificity (CI) | patient AUC |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
console.log(
  `\nrecalibrated image slope CI holds 1: T1 ${tally.slope.T1}/${seeds.length}, T2 ${tally.slope.T2}/${seeds.length}, both ${tally.slope.both}/${seeds.length}; patient |CITL| < 0.5: T1 ${tally.citl.T1}/${seeds.length}, T2 ${tally.citl.T2}/${seeds.length}, both ${tally.citl.both}/${seeds.length}`,
);
