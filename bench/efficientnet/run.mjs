#!/usr/bin/env node
// Inference throughput (batch 16) of @op-screen/efficientnet on its default backend versus torch CPU
// (Debian python3-torch) with the same thread count, in the same run. Writes RESULTS.md beside this file.
// usage: node bench/efficientnet/run.mjs [--iters N] [--models efficientnet_b0:224,resnet50:224,efficientnet_b4:380]
// Needs packages/efficientnet/dist (cd packages/efficientnet && npx tsup) and /usr/bin/python3 with torch.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const zoo = await import(join(here, '../../packages/efficientnet/dist/index.js'));
const tf = await import(
  join(here, '../../packages/efficientnet/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js')
);

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const ITERS = Number(arg('iters', '3'));
const BATCH = Number(arg('batch', '16'));
const MODELS = arg('models', 'efficientnet_b0:224,resnet50:224,efficientnet_b4:380')
  .split(',')
  .map((s) => {
    const [arch, size] = s.split(':');
    return { arch, size: Number(size) };
  });

const info = await zoo.selectBackend();
// wasm in Node runs on one thread (its threaded build needs browser workers), so torch gets one too;
// torch with every core is reported alongside for context.
const threads = info.backend === 'wasm' ? (info.threads ?? 1) : os.cpus().length;
console.error(`backend ${info.backend} simd=${info.simd} threads=${threads}`);

async function tfjsRun({ arch, size }, fold) {
  const opts = { inputShape: [size, size, 3], seed: 1 };
  const built = zoo.createModel(arch, opts);
  const model = fold ? zoo.foldBatchNorm(built, arch, opts) : built;
  if (fold) built.dispose();
  const x = tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', 2);
  const once = async () => {
    const y = model.predict(x);
    await y.data();
    y.dispose();
  };
  await once(); // warm-up (kernel setup, XNNPACK operator caches)
  const seconds = [];
  for (let i = 0; i < ITERS; i++) {
    const t = performance.now();
    await once();
    seconds.push((performance.now() - t) / 1000);
  }
  // where time goes: one profiled batch, kernel time summed by kernel name
  const prof = await tf.profile(async () => {
    const y = model.predict(x);
    await y.data();
    y.dispose();
  });
  const byKernel = new Map();
  let kernelTotal = 0;
  for (const k of prof.kernels) {
    if (k.name.endsWith('__op')) continue; // op wrappers: their kernels are listed on their own
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    kernelTotal += ms;
  }
  x.dispose();
  model.dispose();
  const best = Math.min(...seconds);
  return {
    arch,
    size,
    fold,
    seconds,
    imagesPerSecond: BATCH / best,
    kernelTotalMs: kernelTotal,
    kernels: [...byKernel].sort((a, b) => b[1] - a[1]),
  };
}

function torchRun(nThreads, models) {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      join(here, 'torch_bench.py'),
      String(nThreads),
      String(BATCH),
      String(ITERS),
      ...models.map((m) => `${m.arch}:${m.size}`),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`torch peer failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

// tfjs and torch alternate model by model so that both see the same machine load
const loadStart = os.loadavg()[0];
const ours = [];
const plain = [];
const torchSame = [];
const torchAll = [];
for (const m of MODELS) {
  const p = await tfjsRun(m, false);
  console.error(`tfjs ${m.arch}@${m.size} (as built): ${p.imagesPerSecond.toFixed(2)} img/s`);
  plain.push(p);
  const r = await tfjsRun(m, true);
  console.error(`tfjs ${m.arch}@${m.size} (BN folded): ${r.imagesPerSecond.toFixed(2)} img/s`);
  ours.push(r);
  const [t1] = torchRun(threads, [m]);
  console.error(`torch ${m.arch}@${m.size} ${threads}t: ${t1.imagesPerSecond.toFixed(2)} img/s`);
  torchSame.push(t1);
  torchAll.push(threads === os.cpus().length ? t1 : torchRun(os.cpus().length, [m])[0]);
}
const loadEnd = os.loadavg()[0];

const f = (x, d = 2) => x.toFixed(d);
const lines = [];
lines.push('# @op-screen/efficientnet inference throughput vs torch CPU');
lines.push('');
lines.push(
  `Run: ${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, Node ${process.version}, ` +
    `tfjs ${info.versions['tfjs-core']} backend \`${info.backend}\` (SIMD ${info.simd}, threads ${threads}), ` +
    `torch ${torchSame[0]?.torch} / torchvision ${torchSame[0]?.torchvision} (Debian). Batch ${BATCH}, float32, inference mode, ` +
    `best of ${ITERS} after one warm-up; random weights (speed does not depend on values). Command: \`node bench/efficientnet/run.mjs\`. ` +
    `1-minute load average ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end on 2 cores (other jobs share the machine; read the ratios).`,
);
lines.push('');
lines.push(
  `| model | tfjs ${info.backend} img/s (trainable graph) | tfjs ${info.backend} img/s (foldBatchNorm) | torch ${threads} thread(s) img/s | ratio (tfjs / torch, same threads) | torch ${os.cpus().length} threads img/s | ratio vs all cores |`,
);
lines.push('|---|---:|---:|---:|---:|---:|---:|');
for (const o of ours) {
  const t1 = torchSame.find((t) => t.arch === o.arch);
  const ta = torchAll.find((t) => t.arch === o.arch);
  const p = plain.find((q) => q.arch === o.arch);
  lines.push(
    `| ${o.arch}@${o.size} | ${f(p.imagesPerSecond)} | ${f(o.imagesPerSecond)} | ${f(t1.imagesPerSecond)} | **${f(o.imagesPerSecond / t1.imagesPerSecond)}x** | ${f(ta.imagesPerSecond)} | ${f(o.imagesPerSecond / ta.imagesPerSecond)}x |`,
  );
}
lines.push('');
lines.push(
  'Ratios use the folded graph (what inference should run). tfjs and torch alternate model by model in one run',
);
lines.push('so that both see the same load; absolute numbers move with the load of the shared machine.');
lines.push('');
lines.push('## Where the time goes (tfjs profile of one batch, kernel time by kernel)');
for (const o of [...plain, ...ours]) {
  lines.push('');
  lines.push(
    `**${o.arch}@${o.size}${o.fold ? ', BN folded' : ', as built'}** — kernels ${f(o.kernelTotalMs, 0)} ms of ${f(Math.min(...o.seconds) * 1000, 0)} ms wall per batch`,
  );
  lines.push('');
  lines.push('| kernel | ms | share |');
  lines.push('|---|---:|---:|');
  for (const [name, ms] of o.kernels.slice(0, 8))
    lines.push(`| ${name} | ${f(ms, 0)} | ${f((100 * ms) / o.kernelTotalMs, 1)}% |`);
}
lines.push('');
const out = lines.join('\n');
writeFileSync(join(here, 'RESULTS.md'), `${out}\n`);
console.log(out);
