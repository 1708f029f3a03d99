#!/usr/bin/env node
// Time to first image in Chromium: the annotator page showing a 20-slice 512x512 sagittal DICOM
// series (fetch every file, decode in the page with @op-screen/mri-io's browser build, order the
// slices, window and draw the mid-sagittal one) against a plain <img> of a PNG of that same slice,
// both served from 127.0.0.1 in the same run. Fresh page per round, no HTTP cache, rounds
// interleaved. Needs Debian's chromium (/usr/bin/chromium or OP_SCREEN_CHROMIUM) and a build.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const req = createRequire(join(root, 'packages', 'annotator', 'package.json'));
const { chromium } = req('playwright-core');
const { startAnnotateServer } = await import(join(root, 'packages/annotator/dist/index.js'));
const op = await import(join(root, 'packages/op-screen/dist/index.js'));
const mri = await import(join(root, 'packages/mri-io/dist/index.js'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function png8(gray, width, height) {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) gray.copy(raw, y * (width + 1) + 1, y * width, (y + 1) * width);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-annotator-'));
await op.writeSyntheticCohort(dir, {
  patients: 2,
  seed: 1,
  geometry: { rows: 512, columns: 512, slices: 20, pixelSpacing: 0.5 },
});
const manifest = join(dir, 'manifest.csv');
// The same mid-sagittal slice the page shows first, windowed 1st-99th percentile like the page.
const slice = await mri.readSlice(join(dir, 'series/SYN0001/T1'));
const sorted = Float32Array.from(slice.data).sort();
const lo = sorted[Math.floor(sorted.length * 0.01)];
const hi = sorted[Math.floor(sorted.length * 0.99)];
const gray = Buffer.from(slice.data.map((v) => Math.max(0, Math.min(255, ((v - lo) / (hi - lo)) * 255))));
const png = png8(gray, slice.columns, slice.rows);
writeFileSync(join(dir, 'slice.png'), png);

const peer = createServer((rq, res) => {
  const headers = { 'cache-control': 'no-store' };
  if (rq.url === '/slice.png') res.writeHead(200, { ...headers, 'content-type': 'image/png' }).end(png);
  else
    res
      .writeHead(200, { ...headers, 'content-type': 'text/html' })
      .end(
        `<!doctype html><link rel="icon" href="data:,"><img id="i" src="/slice.png" width="512" height="512"><script>const i=document.getElementById('i');i.decode().then(()=>performance.mark('peer:first-image'));</script>`,
      );
});
await new Promise((ok) => peer.listen(0, '127.0.0.1', ok));
const server = await startAnnotateServer({ manifest, stdout: null });

const exe = process.env.OP_SCREEN_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(exe)) throw new Error(`Chromium not found at ${exe}: apt-get install -y chromium`);
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'bench-chromium-')), {
  executablePath: exe,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
async function measure(url, mark) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 120_000 });
  const t = await page.evaluate((m) => performance.getEntriesByName(m)[0].startTime, mark);
  await page.close();
  return t;
}
const ours = [];
const theirs = [];
await measure(server.url, 'op-screen:first-image'); // warm-up (compiles the bundle once)
await measure(`http://127.0.0.1:${peer.address().port}/`, 'peer:first-image');
for (let r = 0; r < ROUNDS; r++) {
  ours.push(await measure(server.url, 'op-screen:first-image'));
  theirs.push(await measure(`http://127.0.0.1:${peer.address().port}/`, 'peer:first-image'));
}
await context.close();
await server.close();
peer.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const m = median(ours);
const p = median(theirs);
console.log(
  JSON.stringify({
    workload: 'first image, 20-slice 512x512 MONOCHROME2 16-bit sagittal series (10.5 MB of DICOM)',
    rounds: ROUNDS,
    oursMs: +m.toFixed(1),
    peerPngImgMs: +p.toFixed(1),
    pngBytes: png.length,
    ratio: +(p / m).toFixed(3),
    oursAllMs: ours.map((v) => +v.toFixed(1)),
    peerAllMs: theirs.map((v) => +v.toFixed(1)),
  }),
);
