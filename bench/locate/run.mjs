#!/usr/bin/env node
// Time per series of @op-screen/locate on one core with the wasm backend, in Node and in
// Chromium (Debian's, via playwright-core; the page is single-threaded: no cross-origin
// isolation), on the same real series (../shared/data/real-spine), with the boxes of both
// compared. Reading the file is timed apart. Peers (TotalSpineSeg, SPINEPS) need torch and their
// weights, which this machine cannot fetch: their published CPU times are quoted, not re-run.
//   node bench/locate/run.mjs [--cases 10] [--rounds 3]
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const req = createRequire(join(root, 'packages', 'locate', 'package.json'));
const { values: a } = parseArgs({
  options: { cases: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } },
});
const tf = req('@tensorflow/tfjs-core');
const wasm = req('@tensorflow/tfjs-backend-wasm');
const loc = await import(join(root, 'packages/locate/dist/index.js'));
const mri = await import(join(root, 'packages/mri-io/dist/index.js'));
const DATA = join(root, '..', 'shared', 'data', 'real-spine');
const n = Number(a.cases);
const rounds = Number(a.rounds);
const ids = [];
for (let i = 0; ids.length < n; i++) {
  const ds = i % 2 === 0 ? 'myosegmentum' : 'zukic';
  const list = (await import('node:fs')).readdirSync(join(DATA, ds)).sort();
  const id = list[Math.floor(i / 2) % list.length];
  if (!ids.some((x) => x.id === id)) ids.push({ ds, id, file: join(DATA, ds, id, 'image.nii.gz') });
}

wasm.setWasmPaths(`${dirname(req.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
await tf.setBackend('wasm');
const locator = await loc.loadLocator();
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const node = [];
const readMs = [];
const nodeResults = {};
for (const c of ids) {
  const bytes = readFileSync(c.file);
  const t0 = performance.now();
  const img = await mri.readNifti(new Uint8Array(bytes));
  readMs.push(performance.now() - t0);
  await loc.locateVertebrae(img, locator); // warm-up per shape
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    nodeResults[c.id] = await loc.locateVertebrae(img, locator);
    times.push(performance.now() - t);
  }
  node.push(median(times));
}

// ---- Chromium ----
const esbuild = req('esbuild');
const entry = `
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadLocator, locateVertebrae } from '@op-screen/locate';
import { readNifti } from '@op-screen/mri-io';
window.run = async (ids, rounds) => {
  setWasmPaths('/wasm/');
  await tf.setBackend('wasm');
  const locator = await loadLocator(new Uint8Array(await (await fetch('/weights.bin')).arrayBuffer()));
  const out = {};
  for (const id of ids) {
    const img = await readNifti(new Uint8Array(await (await fetch('/case/' + id)).arrayBuffer()));
    await locateVertebrae(img, locator);
    const times = [];
    let res;
    for (let r = 0; r < rounds; r++) { const t = performance.now(); res = await locateVertebrae(img, locator); times.push(performance.now() - t); }
    out[id] = { times, slice: res.slice, levels: Object.fromEntries(Object.entries(res.levels).map(([k, v]) => [k, v.rect])) };
  }
  return out;
};`;
const bundle = await esbuild.build({
  stdin: { contents: entry, resolveDir: join(root, 'packages', 'locate'), loader: 'js' },
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'esm',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
});
const js = bundle.outputFiles[0].text;
const wasmDir = dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
const weights = readFileSync(join(root, 'packages/locate/weights/locate-v1.bin'));
const server = createServer((rq, res) => {
  const u = rq.url ?? '/';
  if (u === '/')
    return res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><script type="module" src="/b.js"></script>');
  if (u === '/b.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
  if (u === '/weights.bin') return res.writeHead(200).end(weights);
  if (u.startsWith('/wasm/')) {
    const f = join(wasmDir, u.slice(6));
    if (existsSync(f)) return res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(f));
  }
  if (u.startsWith('/case/')) {
    const c = ids.find((x) => x.id === u.slice(6));
    if (c) return res.writeHead(200).end(readFileSync(c.file));
  }
  res.writeHead(404).end();
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const exe = process.env.OP_SCREEN_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(exe)) throw new Error(`Chromium not found at ${exe}: apt-get install -y chromium`);
const { chromium } = createRequire(join(root, 'packages', 'annotator', 'package.json'))('playwright-core');
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'bench-locate-')), {
  executablePath: exe,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => typeof window.run === 'function');
const web = await page.evaluate(([i, r]) => window.run(i, r), [ids.map((c) => c.id), rounds]);
await browser.close();
server.close();

const same = ids.filter((c) => {
  const w = web[c.id];
  const nres = nodeResults[c.id];
  return (
    w.slice === nres.slice &&
    JSON.stringify(w.levels) ===
      JSON.stringify(Object.fromEntries(Object.entries(nres.levels).map(([k, v]) => [k, v.rect])))
  );
}).length;
const nodeMs = median(node);
const webMs = median(ids.map((c) => median(web[c.id].times)));
console.log(
  JSON.stringify({
    workload: `locateVertebrae on ${ids.length} real sagittal series (224 x 224 x 25-26 slices, 1 mm), wasm backend, one thread`,
    nodeMsPerSeries: +nodeMs.toFixed(0),
    chromiumMsPerSeries: +webMs.toFixed(0),
    readNiftiMs: +median(readMs).toFixed(0),
    sameBoxesNodeAndChromium: `${same}/${ids.length}`,
    quotedPeers: { TotalSpineSeg_s: 780, SPINEPS_s: 571 },
    ratioVsSpinepsQuoted: +(571000 / nodeMs).toFixed(0),
    nodeAllMs: node.map((v) => +v.toFixed(0)),
  }),
);
