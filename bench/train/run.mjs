#!/usr/bin/env node
// Training throughput (batch 16, img/s) of @op-screen/train's fineTune on its default
// backend (wasm + our gradient kernels + replicas) versus torch CPU with the same number of
// threads, in the same run, for each replica count in --workers (default: 1 and one per core);
// plus where the time goes (kernel time and calls of one profiled single-replica step). Writes
// RESULTS.md beside this file, keeping the hand-written part from "## Reading these numbers" on.
// usage: node bench/train/run.mjs [--steps N] [--models efficientnet_b0:224,resnet50:224] [--workers 1,2]
// Needs packages/efficientnet/dist and packages/train/dist (pnpm build) and /usr/bin/python3 with torch.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/efficientnet');
// selectBackend / createModel from the zoo, fineTune from the trainer
const lib = {
  ...(await import(join(pkg, 'dist/index.js'))),
  ...(await import(join(here, '../../packages/train/dist/index.js'))),
};
const tf = await import(join(pkg, 'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const STEPS = Number(arg('steps', '3'));
const BATCH = 16;
const WORKERS = [...new Set(arg('workers', `1,${os.availableParallelism()}`).split(',').map(Number))];
const MODELS = arg('models', 'efficientnet_b0:224,resnet50:224')
  .split(',')
  .map((s) => {
    const [arch, size] = s.split(':');
    return { arch, size: Number(size) };
  });

const info = await lib.selectBackend();
console.error(
  `backend ${info.backend} simd=${info.simd} replicas=${WORKERS.join(',')} cores=${os.availableParallelism()}`,
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

async function ours({ arch, size }, workers, profile) {
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
    workers,
    // the replicas rebuild the model in worker threads: they must register the zoo's layers
    replicaModules: [lib.zooLayersModule()],
    progress: false,
    earlyStopping: false,
  });
  const imgPerSec = r.history[1].imagesPerSecond;
  if (!profile) {
    model.dispose();
    return { imgPerSec };
  }
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
  let calls = 0;
  for (const k of prof.kernels) {
    // op wrappers (fusedConv2d__op) and custom-gradient scopes time the kernels inside them again
    if (k.name.endsWith('__op') || !tf.getKernel(k.name, 'wasm')) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byKernel.set(k.name, e);
    total += ms;
    calls++;
  }
  const split = [...byKernel.entries()].sort((a, b2) => b2[1].ms - a[1].ms).slice(0, 12);
  model.dispose();
  return { imgPerSec, split, totalKernelMs: total, calls };
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
for (const m of MODELS) {
  for (const [i, workers] of WORKERS.entries()) {
    // peer right before ours, so both see the machine in the same state
    const load0 = os.loadavg()[0];
    const t = torch([m], workers)[0];
    const o = await ours(m, workers, i === 0);
    const load1 = os.loadavg()[0];
    rows.push({ ...m, workers, ours: o, torch: t.imgPerSec, loads: [load0, load1] });
    console.error(
      `${m.arch}@${m.size} x${workers}: ours ${o.imgPerSec.toFixed(2)} img/s, torch ${t.imgPerSec.toFixed(2)} img/s, ratio ${(o.imgPerSec / t.imgPerSec).toFixed(2)}x (load ${load0.toFixed(1)}-${load1.toFixed(1)})`,
    );
  }
}

const cores = os.availableParallelism();
const lines = [
  '# Training throughput: fineTune (wasm + gradient kernels + worker replicas) vs torch CPU',
  '',
  `Batch ${BATCH}, 1-logit head, Adam, train mode; ${STEPS} timed steps after one warm-up step; ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'}).`,
  `Ours: backend ${info.backend} (SIMD ${info.simd}), N replicas (main thread + N-1 worker threads). Peer: torch with N threads, run right before ours.`,
  `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/train/run.mjs --steps ${STEPS}\`. Ratio = ours / torch (higher is better; goal >= 1.0).`,
  `Load = 1-minute load average before torch and after ours (above ${cores}, other processes competed for the cores; torch's thread pool suffers more from that than independent replicas, so 2-thread ratios from a loaded machine flatter us; the 1-thread pair is the per-core figure).`,
  '',
  '| model | replicas / torch threads | ours img/s | torch img/s | ratio | load |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.arch}@${r.size} | ${r.workers} | ${r.ours.imgPerSec.toFixed(2)} | ${r.torch.toFixed(2)} | ${(r.ours.imgPerSec / r.torch).toFixed(2)}x | ${r.loads.map((l) => l.toFixed(1)).join(' / ')} |`,
  ),
  '',
  '## Where the time goes (one single-replica step of batch 16, kernel time by kernel)',
  '',
];
for (const r of rows) {
  if (!r.ours.split) continue;
  lines.push(
    `### ${r.arch}@${r.size} (kernel total ${(r.ours.totalKernelMs / 1000).toFixed(1)} s, ${r.ours.calls} kernel calls)`,
    '',
    '| kernel | ms | calls | share |',
    '|---|---|---|---|',
  );
  for (const [k, e] of r.ours.split)
    lines.push(
      `| ${k} | ${e.ms.toFixed(0)} | ${e.calls} | ${((100 * e.ms) / r.ours.totalKernelMs).toFixed(1)}% |`,
    );
  lines.push('');
}
// keep the hand-written reading of the numbers
const out = join(here, 'RESULTS.md');
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const at = previous.indexOf('## Reading these numbers');
const tail = at >= 0 ? previous.slice(at) : '';
writeFileSync(out, `${lines.join('\n')}\n${tail}`);
console.log(lines.join('\n'));
