#!/usr/bin/env node
// Time to first prediction: the annotator page with `--model` (first image, then the tfjs chunk,
// the backend, both T1 fold models fetched and loaded, the patient's 3 boxed vertebrae scored and
// shown, in Chromium; also reported: until their Grad-CAM overlays are drawn too) against `op-screen predict` scoring the same 3 rows with
// the same run from a cold process (Node, tfjs wasm), in the same run. The run is a tiny real
// one trained here (`reproduce --preset tiny --epochs 1 --sequence T1`, ResNet-18 on 32x32,
// 2 folds, about 1-2 minutes). Fresh page per round, rounds interleaved.
// Needs Debian's chromium (/usr/bin/chromium or OP_SCREEN_CHROMIUM) and a build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const req = createRequire(join(root, 'packages', 'annotator', 'package.json'));
const { chromium } = req('playwright-core');
const { startAnnotateServer } = await import(join(root, 'packages/annotator/dist/index.js'));
const CLI = join(root, 'packages/op-screen/dist/cli.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'bench-annotator-model-'));
const cli = (args) => execFileSync(process.execPath, [CLI, ...args], { stdio: 'ignore' });
cli(['synth', '--out', join(dir, 'cohort'), '--patients', '12', '--seed', '3']);
const manifest = join(dir, 'cohort', 'manifest.csv');
const run = join(dir, 'run');
cli([
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
  run,
]);
// The peer's manifest: SYN0001's T1 rows (its L1 is excluded by synth, so 3 are scored, as in the page).
const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
const one = join(dir, 'cohort', 'one.csv');
writeFileSync(one, `${[lines[0], ...lines.filter((l) => l.startsWith('SYN0001,T1,'))].join('\n')}\n`);

const server = await startAnnotateServer({ manifest, model: run, stdout: null });
const exe = process.env.OP_SCREEN_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(exe)) throw new Error(`Chromium not found at ${exe}: apt-get install -y chromium`);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'bench-chromium-')), {
  executablePath: exe,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
let backend = '';
const withCams = [];
async function page() {
  const p = await context.newPage();
  await p.goto(server.url);
  await p.waitForFunction(() => performance.getEntriesByName('op-screen:first-gradcam').length > 0, null, {
    timeout: 180_000,
  });
  const [t, cam] = await p.evaluate(() =>
    ['op-screen:first-prediction', 'op-screen:first-gradcam'].map(
      (m) => performance.getEntriesByName(m)[0].startTime,
    ),
  );
  withCams.push(cam);
  backend = await p.evaluate(() => document.body.dataset.backend);
  await p.close();
  return t;
}
function predict() {
  const t = performance.now();
  execFileSync(process.execPath, [CLI, 'predict', '--model', join(run, 'model'), '--manifest', one], {
    stdio: 'ignore',
  });
  return performance.now() - t;
}
const ours = [];
const theirs = [];
await page(); // warm-up
predict();
for (let r = 0; r < ROUNDS; r++) {
  ours.push(await page());
  theirs.push(predict());
}
await context.close();
await server.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const m = median(ours);
const p = median(theirs);
console.log(
  JSON.stringify({
    workload:
      'first prediction, 3 vertebrae x 2 fold models (ResNet-18 @32x32, 44 MB each), page vs op-screen predict',
    rounds: ROUNDS,
    backend,
    oursMs: +m.toFixed(1),
    oursWithGradCamMs: +median(withCams.slice(1)).toFixed(1),
    peerPredictCliMs: +p.toFixed(1),
    ratio: +(p / m).toFixed(3),
    oursAllMs: ours.map((v) => +v.toFixed(1)),
    peerAllMs: theirs.map((v) => +v.toFixed(1)),
  }),
);
