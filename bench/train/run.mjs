#!/usr/bin/env node
// Training throughput (batch 16, img/s) of @op-screen/efficientnet's fineTune on its default
// backend (wasm + our gradient kernels + one replica per core) versus torch CPU with the same
// number of threads, in the same run; plus where the time goes (kernel time of one profiled
// single-replica step) and the ratio. Writes RESULTS.md beside this file.
// usage: node bench/train/run.mjs [--steps N] [--models efficientnet_b0:224,resnet50:224] [--workers N]
// Needs packages/efficientnet/dist (cd packages/efficientnet && npx tsup) and /usr/bin/python3 with torch.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/efficientnet');
const lib = await import(join(pkg, 'dist/index.js'));
const tf = await import(join(pkg, 'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const STEPS = Number(arg('steps', '3'));
const BATCH = 16;
const WORKERS = Number(arg('workers', String(os.availableParallelism())));
const MODELS = arg('models', 'efficientnet_b0:224,resnet50:224')
  .split(',')
  .map((s) => {
    const [arch, size] = s.split(':');
    return { arch, size: Number(size) };
  });

const info = await lib.selectBackend();
console.error(
  `backend ${info.backend} simd=${info.simd} replicas=${WORKERS} cores=${os.availableParallelism()}`,
);

function batchOf(size, seed) {
  const x = new Float32Array(BATCH * size * size * 3);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  const y = new Float32Array(BATCH).map((_, i) => i % 2);
  return { x, y, n: BATCH };
}

async function ours({ arch, size }) {
  const model = lib.createModel(arch, { inputShape: [size, size, 3], numClasses: 1, seed: 1 });
  const b = batchOf(size, 7);
  const small = { x: b.x.subarray(0, 2 * size * size * 3), y: b.y.subarray(0, 2), n: 2 };
  const data = {
    // epoch 0: one warm-up step (kernel setup, XNNPACK operator caches); epoch 1: timed steps
    async *train(epoch) {
      for (let i = 0; i < (epoch === 0 ? 1 : STEPS); i++) yield b;
    },
    async *validation() {
      yield small;
    },
  };
  const r = await lib.fineTune(model, data, {
    epochs: 2,
    workers: WORKERS,
    progress: false,
    earlyStopping: false,
  });
  const imgPerSec = r.history[1].imagesPerSecond;
  // where time goes: one single-replica step, kernel time summed by kernel name
  const one = {
    async *train() {
      yield b;
    },
    async *validation() {
      yield small;
    },
  };
  const prof = await tf.profile(() => lib.fineTune(model, one, { epochs: 1, workers: 1, progress: false }));
  const byKernel = new Map();
  let total = 0;
  for (const k of prof.kernels) {
    if (k.name.endsWith('__op')) continue; // op wrappers (fusedConv2d__op) time the kernel inside them again
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const split = [...byKernel.entries()].sort((a, b2) => b2[1] - a[1]).slice(0, 10);
  model.dispose();
  return { imgPerSec, split, totalKernelMs: total };
}

function torch(models, threads) {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      join(here, 'torch_train.py'),
      String(threads),
      String(BATCH),
      String(STEPS),
      ...models.map((m) => `${m.arch}:${m.size}`),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`torch peer failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const rows = [];
const loads = [];
for (const m of MODELS) {
  // peer right before ours for each model, so both see the machine in the same state
  loads.push(os.loadavg()[0]);
  const t = torch([m], WORKERS)[0];
  const o = await ours(m);
  loads.push(os.loadavg()[0]);
  rows.push({ ...m, ours: o, torch: t.imgPerSec });
  console.error(
    `${m.arch}@${m.size}: ours ${o.imgPerSec.toFixed(2)} img/s, torch ${t.imgPerSec.toFixed(2)} img/s, ratio ${(o.imgPerSec / t.imgPerSec).toFixed(2)}x`,
  );
}

const lines = [
  '# Training throughput: fineTune (wasm + gradient kernels + worker replicas) vs torch CPU',
  '',
  `Batch ${BATCH}, 1-logit head, Adam, train mode; ${STEPS} timed steps after one warm-up step; ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}).`,
  `Ours: backend ${info.backend} (SIMD ${info.simd}), ${WORKERS} replicas (main thread + ${WORKERS - 1} worker threads). Peer: torch ${WORKERS} threads, same run.`,
  `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/train/run.mjs\`. Ratio = ours / torch (higher is better; goal >= 1.0).`,
  `1-minute load average during the run: ${loads.map((l) => l.toFixed(1)).join(', ')} (above ${os.availableParallelism()} means other processes competed for the cores; torch's thread pool suffers more from that than independent replicas, so ratios from a loaded machine flatter us).`,
  '',
  '| model | ours img/s | torch img/s | ratio |',
  '|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.arch}@${r.size} | ${r.ours.imgPerSec.toFixed(2)} | ${r.torch.toFixed(2)} | ${(r.ours.imgPerSec / r.torch).toFixed(2)}x |`,
  ),
  '',
  '## Where the time goes (one single-replica step of batch 16, kernel time by kernel)',
  '',
];
for (const r of rows) {
  lines.push(
    `### ${r.arch}@${r.size} (kernel total ${(r.ours.totalKernelMs / 1000).toFixed(1)} s)`,
    '',
    '| kernel | ms | share |',
    '|---|---|---|',
  );
  for (const [k, ms] of r.ours.split)
    lines.push(`| ${k} | ${ms.toFixed(0)} | ${((100 * ms) / r.ours.totalKernelMs).toFixed(1)}% |`);
  lines.push('');
}
writeFileSync(join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
