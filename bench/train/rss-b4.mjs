#!/usr/bin/env node
// Peak resident memory while fine-tuning EfficientNet-B4@380 at batch 16 on the default backend
// (all replicas live in this process, so maxRSS covers them). A few steps are enough: memory is
// at its high-water mark from the first step. Writes RSS.md beside this file.
// usage: node bench/train/rss-b4.mjs [--steps N] [--workers N]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = await import(join(here, '../../packages/efficientnet/dist/index.js'));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const STEPS = Number(arg('steps', '2'));
const WORKERS = Number(arg('workers', String(os.availableParallelism())));
const SIZE = 380;
const BATCH = 16;
const info = await lib.selectBackend();
const model = lib.createModel('efficientnet_b4', { inputShape: [SIZE, SIZE, 3], numClasses: 1, seed: 1 });
const x = new Float32Array(BATCH * SIZE * SIZE * 3).map((_, i) => Math.sin(i) * 0.5);
const y = new Float32Array(BATCH).map((_, i) => i % 2);
const t0 = performance.now();
const r = await lib.fineTune(
  model,
  {
    async *train() {
      for (let i = 0; i < STEPS; i++) yield { x, y, n: BATCH };
    },
    async *validation() {
      yield { x: x.subarray(0, 2 * SIZE * SIZE * 3), y: y.subarray(0, 2), n: 2 };
    },
  },
  { epochs: 1, workers: WORKERS, progress: false },
);
const seconds = (performance.now() - t0) / 1000;
const peakGB = (process.resourceUsage().maxRSS * 1024) / 1e9;
const line = `EfficientNet-B4@380, batch 16, ${STEPS} steps, backend ${info.backend}, ${WORKERS} replicas, micro-batch ${lib.autoMicroBatch(model)}: peak RSS ${peakGB.toFixed(2)} GB (goal < 8 GB); ${r.history[0].imagesPerSecond.toFixed(3)} img/s; ${seconds.toFixed(0)} s in all.`;
console.log(line);
writeFileSync(
  join(here, 'RSS.md'),
  `# Peak memory while fine-tuning B4@380\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`node bench/train/rss-b4.mjs\` (${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB).\n\n${line}\n`,
);
