#!/usr/bin/env node
// Peak resident memory while fine-tuning at batch 16 on the default backend (all replicas live in
// this process, so maxRSS covers them). Default EfficientNet-B4@380, the study's model; a few
// steps are enough, memory peaks in the first. Appends one line to RSS.md beside this file.
// usage: node bench/train/rss-b4.mjs [--arch efficientnet_b4] [--size 380] [--steps N] [--workers N]
//        [--checkpointing auto|true|false] [--micro-batch N] [--torch]
// --torch also runs the peer (torchvision on Debian's torch CPU, same batch, threads = replicas)
// in a separate process afterwards and reports its peak RSS and img/s on the same line.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// selectBackend / createModel from the zoo; fineTune, autoMicroBatch, estimateWasmTrainingBytes from the trainer
const lib = {
  ...(await import(join(here, '../../packages/efficientnet/dist/index.js'))),
  ...(await import(join(here, '../../packages/train/dist/index.js'))),
};
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
// What fineTune's defaults choose on wasm: gradient checkpointing only when one sample's full tape
// does not fit a replica, and the largest micro-batch the heap budget allows.
const CKPT = arg('checkpointing', 'auto');
const ckpt = CKPT === 'auto' ? lib.autoMicroBatch(model, false) < 1 : CKPT === 'true';
const mb = Number(arg('micro-batch', '0')) || lib.autoMicroBatch(model, ckpt);
const need = lib.estimateWasmTrainingBytes(model, mb, ckpt);
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
    {
      epochs: 1,
      workers: WORKERS,
      // the replicas rebuild the model in worker threads: they must register the zoo's layers
      replicaModules: [lib.zooLayersModule()],
      progress: false,
      gradientCheckpointing: ckpt,
      microBatch: mb,
    },
  );
  outcome = `${r.history[0].imagesPerSecond.toFixed(3)} img/s`;
} catch (e) {
  outcome = `refused: ${e.code ?? 'error'} (${e.message.split(';')[0]})`;
}
const seconds = (performance.now() - t0) / 1000;
// The wasm heap never shrinks, so its size now is the main replica's high-water mark.
const heap =
  info.backend === 'wasm'
    ? (
        await import(
          join(here, '../../packages/efficientnet/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js')
        )
      ).backend().wasm.HEAPU8.buffer.byteLength
    : 0;
const peakGB = (process.resourceUsage().maxRSS * 1024) / 1e9;
const line = `- ${ARCH}@${SIZE}, batch ${BATCH}, ${STEPS} steps, backend ${info.backend}, ${WORKERS} replicas, micro-batch ${mb}${ckpt ? ', gradient checkpointing' : ''} (estimated heap per replica ${(need / 1e9).toFixed(1)} GB): peak RSS ${peakGB.toFixed(2)} GB (goal < 8 GB)${heap ? `, main replica's wasm heap ${(heap / 1e9).toFixed(2)} GB` : ''}; ${outcome}; ${seconds.toFixed(0)} s.`;
let peer = '';
if (process.argv.includes('--torch')) {
  const r = spawnSync(
    '/usr/bin/python3',
    [join(here, 'torch_train.py'), String(WORKERS), String(BATCH), String(STEPS), `${ARCH}:${SIZE}`],
    { encoding: 'utf8' },
  );
  const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : undefined;
  peer = out
    ? ` Peer torch ${WORKERS} threads: peak RSS ${out.maxRssGB.toFixed(2)} GB, ${out.imgPerSec.toFixed(3)} img/s (ratio ours/torch ${(Number(outcome.split(' ')[0]) / out.imgPerSec).toFixed(2)}x).`
    : ` Peer torch failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`;
}
const fullLine = `${line}${peer}`;
console.log(fullLine);
const file = join(here, 'RSS.md');
if (!existsSync(file)) {
  writeFileSync(
    file,
    `# Peak memory while fine-tuning (batch 16)\n\n\`node bench/train/rss-b4.mjs [--arch A --size S]\`, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${new Date().toISOString().slice(0, 10)}.\n\n`,
  );
}
appendFileSync(file, `${fullLine}\n`);
