#!/usr/bin/env node
// The accuracy protocol of the README: (1) leave one dataset out (train on MyoSegmenTUM, test on
// Zukic); (2) k-fold (default 3) cross-validation grouped by subject (Zukic's T1/T2 pairs of one subject stay together). Each
// split trains a fresh network with scripts/train.mjs (same seed and schedule as the shipped
// one) on its training cases only, then scripts/evaluate.mjs measures it on the held-out cases.
// Two splits train at a time (one per core). Writes OUT/summary.json and OUT/<split>/.
//   node scripts/cross-validate.mjs --out DIR [--epochs 34] [--jobs 2] [--splits lodo,cv5]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '@op-screen/metrics';
import { evaluateCases, summarise } from './evaluate.mjs';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, '../../../../shared/data/real-spine') },
    out: { type: 'string' },
    epochs: { type: 'string', default: '34' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '2' },
    splits: { type: 'string', default: 'lodo,cv3' },
    // measure again with the weights a previous run left in DIR/<split>/ (after a decoding change)
    'evaluate-only': { type: 'boolean', default: false },
  },
});
if (!a.out) throw new Error('--out DIR is required');
const SAME_SUBJECT = [
  ['VB1_02', 'VB1_03'],
  ['VB1_06', 'VB1_07'],
  ['VB1_10', 'VB1_11'],
  ['VB1_15', 'VB1_16'],
];
const myo = readdirSync(join(a.data, 'myosegmentum')).sort();
const zukic = readdirSync(join(a.data, 'zukic')).sort();
const all = [...myo, ...zukic];

const splits = [];
const wanted = new Set(a.splits.split(','));
if (wanted.has('lodo')) splits.push({ name: 'train-myosegmentum-test-zukic', train: myo, test: zukic });
// the other way round trains on 11 series of 7 subjects (see README)
if (wanted.has('lodo-reverse'))
  splits.push({ name: 'train-zukic-test-myosegmentum', train: zukic, test: myo });
const cv = [...wanted].find((w) => /^cv\d$/.test(w));
if (cv) {
  const K = Number(cv.slice(2));
  const groups = [];
  const grouped = new Set(SAME_SUBJECT.flat());
  for (const g of SAME_SUBJECT) groups.push(g);
  for (const id of all) if (!grouped.has(id)) groups.push([id]);
  const rng = createRng(Number(a.seed));
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  for (let f = 0; f < K; f++) {
    const test = groups
      .filter((_, i) => i % K === f)
      .flat()
      .sort();
    splits.push({ name: `cv${K}-fold${f}`, train: all.filter((id) => !test.includes(id)), test });
  }
}

function train(split) {
  const dir = join(a.out, split.name);
  mkdirSync(dir, { recursive: true });
  const weights = join(dir, 'weights.bin');
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'train.mjs'),
        '--data',
        a.data,
        '--only',
        split.train.join(','),
        '--epochs',
        a.epochs,
        '--seed',
        a.seed,
        '--out',
        weights,
        '--quiet',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('exit', (code) =>
      code === 0 ? res(weights) : rej(new Error(`training ${split.name} exited ${code}`)),
    );
  });
}

const results = {};
const queue = [...splits];
async function worker() {
  for (let s = queue.shift(); s; s = queue.shift()) {
    const t0 = Date.now();
    const weights = a['evaluate-only'] ? join(a.out, s.name, 'weights.bin') : await train(s);
    const rows = await evaluateCases({ data: a.data, weights, cases: s.test, out: join(a.out, s.name) });
    const summary = summarise(rows);
    writeFileSync(
      join(a.out, s.name, 'results.json'),
      `${JSON.stringify({ split: s, summary, rows }, null, 1)}\n`,
    );
    results[s.name] = { rows, summary };
    console.error(
      `${s.name}: ${summary.right}/${summary.series} right, ${summary.wrong} wrong, ${summary.abstained} abstained (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
}
await Promise.all(Array.from({ length: Number(a.jobs) }, worker));
const pooled = (names) => summarise(names.flatMap((n) => results[n]?.rows ?? []));
const cvNames = Object.keys(results).filter((n) => /^cv\d/.test(n));
const report = {
  epochs: Number(a.epochs),
  seed: Number(a.seed),
  splits: Object.fromEntries(Object.entries(results).map(([n, r]) => [n, r.summary])),
  cvPooled: cvNames.length ? pooled(cvNames) : null,
  failures: Object.entries(results).flatMap(([n, r]) =>
    r.rows
      .filter((x) => x.outcome !== 'right')
      .map((x) => ({
        split: n,
        id: x.id,
        outcome: x.outcome,
        warnings: x.warnings,
        overlay: join(n, x.overlay ?? ''),
      })),
  ),
};
writeFileSync(join(a.out, 'summary.json'), `${JSON.stringify(report, null, 1)}\n`);
console.log(
  JSON.stringify(
    {
      splits: Object.fromEntries(
        Object.entries(report.splits).map(([n, s]) => [
          n,
          { right: s.right, wrong: s.wrong, abstained: s.abstained, series: s.series },
        ]),
      ),
      cv5Pooled: report.cv5Pooled && {
        right: report.cv5Pooled.right,
        wrong: report.cv5Pooled.wrong,
        abstained: report.cv5Pooled.abstained,
      },
    },
    null,
    1,
  ),
);
