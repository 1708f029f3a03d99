#!/usr/bin/env node
// Peak resident memory while fine-tuning at batch 16 on the default backend (all replicas live in
// this process, so maxRSS covers them). Default EfficientNet-B4@380, the study's model; a few
// steps are enough, memory peaks in the first. Appends one line to RSS.md beside this file.
// usage: node bench/train/rss-b4.mjs [--arch efficientnet_b4] [--size 380] [--steps N] [--workers N]
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = await import(join(here, '../../packages/efficientnet/dist/index.js'));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const ARCH = arg('arch', 'efficientnet_b4');
const SIZE = Number(arg('size', '380'));
const STEPS = Number(arg('steps', '2'));
const WORKERS = Number(arg('workers', String(os.availableParallelism())));
const BATCH = 16;
const info = await lib.selectBackend();
const model = lib.createModel(ARCH, { inputShape: [SIZE, SIZE, 3], numClasses: 1, seed: 1 });
const x = new Float32Array(BATCH * SIZE * SIZE * 3).map((_, i) => Math.sin(i) * 0.5);
const y = new Float32Array(BATCH).map((_, i) => i % 2);
const t0 = performance.now();
const mb = lib.autoMicroBatch(model);
const need = lib.estimateWasmTrainingBytes(model, mb);
let outcome;
try {
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
  outcome = `${r.history[0].imagesPerSecond.toFixed(3)} img/s`;
} catch (e) {
  outcome = `refused: ${e.code ?? 'error'} (${e.message.split(';')[0]})`;
}
const seconds = (performance.now() - t0) / 1000;
const peakGB = (process.resourceUsage().maxRSS * 1024) / 1e9;
const line = `- ${ARCH}@${SIZE}, batch ${BATCH}, ${STEPS} steps, backend ${info.backend}, ${WORKERS} replicas, micro-batch ${mb} (estimated heap per replica ${(need / 1e9).toFixed(1)} GB): peak RSS ${peakGB.toFixed(2)} GB (goal < 8 GB); ${outcome}; ${seconds.toFixed(0)} s.`;
console.log(line);
const file = join(here, 'RSS.md');
if (!existsSync(file)) {
  writeFileSync(
    file,
    `# Peak memory while fine-tuning (batch 16)\n\n\`node bench/train/rss-b4.mjs [--arch A --size S]\`, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${new Date().toISOString().slice(0, 10)}.\n\n`,
  );
}
appendFileSync(file, `${line}\n`);
