#!/usr/bin/env node
// Many series at once: `op-screen locate --manifest` on 16 real series (64 rows) with --jobs 2
// (two child processes) against --jobs 1 (in process), in the same run, rounds interleaved; the
// two manifests written must be byte-identical. Ratio = time(jobs 2) / time(jobs 1).
//   node bench/locate/manifest-jobs.mjs [--rounds 2]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const DATA = join(root, '..', 'shared', 'data', 'real-spine');
const CLI = join(root, 'packages/op-screen/dist/cli.js');
const cases = [
  ...readdirSync(join(DATA, 'myosegmentum'))
    .sort()
    .slice(0, 10)
    .map((id) => join(DATA, 'myosegmentum', id)),
  ...readdirSync(join(DATA, 'zukic'))
    .sort()
    .slice(0, 6)
    .map((id) => join(DATA, 'zukic', id)),
];
const lines = ['patient_id,sequence,level,image,label'];
cases.forEach((c, i) => {
  for (const l of ['L1', 'L2', 'L3', 'L4']) lines.push(`P${i},T2,${l},${join(c, 'image.nii.gz')},${i % 2}`);
});
const dir = mkdtempSync(join(tmpdir(), 'bench-locate-jobs-'));
const time = (jobs, r) => {
  const m = join(dir, `m-${jobs}-${r}.csv`);
  writeFileSync(m, `${lines.join('\n')}\n`);
  const t = performance.now();
  const p = spawnSync(process.execPath, [CLI, 'locate', '--manifest', m, '--jobs', String(jobs), '--json'], {
    encoding: 'utf8',
  });
  if (p.status !== 0) throw new Error(p.stderr);
  return { s: (performance.now() - t) / 1000, text: readFileSync(m, 'utf8') };
};
const one = [];
const two = [];
let same = true;
for (let r = 0; r < Number(a.rounds); r++) {
  const x = time(1, r);
  const y = time(2, r);
  one.push(x.s);
  two.push(y.s);
  same &&= x.text === y.text;
}
const min = (v) => Math.min(...v);
console.log(
  JSON.stringify({
    workload: `op-screen locate --manifest, ${cases.length} real series (${lines.length - 1} rows), wall time incl. process start`,
    jobs1S: +min(one).toFixed(1),
    jobs2S: +min(two).toFixed(1),
    ratio: +(min(two) / min(one)).toFixed(3),
    sameManifest: same,
  }),
);
