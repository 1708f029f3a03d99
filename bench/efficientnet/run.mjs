#!/usr/bin/env node
// Inference throughput (batch 16) of @op-screen/efficientnet on its default backend versus torch CPU
// (Debian python3-torch) with the same thread count, in the same run. Writes RESULTS.md beside this file.
// usage: node bench/efficientnet/run.mjs [--iters N] [--models efficientnet_b0:224,resnet50:224,efficientnet_b4:380]
// Needs packages/efficientnet/dist (cd packages/efficientnet && npx tsup) and /usr/bin/python3 with torch.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
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

/** tfjs model (as built or BN-folded) with a timed one-batch forward and a per-kernel profile. */
async function tfjsModel({ arch, size }, fold) {
  const opts = { inputShape: [size, size, 3], seed: 1 };
  const built = zoo.createModel(arch, opts);
  const model = fold ? await zoo.foldBatchNorm(built, arch, opts) : built;
  if (fold) built.dispose();
  const x = tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', 2);
  const once = async () => {
    const t = performance.now();
    const y = model.predict(x);
    await y.data();
    y.dispose();
    return (performance.now() - t) / 1000;
  };
  const profile = async () => {
    const prof = await tf.profile(async () => {
      const y = model.predict(x);
      await y.data();
      y.dispose();
    });
    const byKernel = new Map();
    let total = 0;
    for (const k of prof.kernels) {
      if (k.name.endsWith('__op')) continue; // op wrappers: their kernels are listed on their own
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
      total += ms;
    }
    return { total, kernels: [...byKernel].sort((a, b) => b[1] - a[1]) };
  };
  const dispose = () => {
    x.dispose();
    model.dispose();
  };
  return { once, profile, dispose };
}

/** The torch peer as a child process answering one timed forward per request. */
async function torchPeer(models) {
  const child = spawn(
    '/usr/bin/python3',
    [join(here, 'torch_bench.py'), String(BATCH), ...models.map((m) => `${m.arch}:${m.size}`)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('torch peer exited early');
    return JSON.parse(value);
  };
  const ready = await next();
  return {
    versions: ready,
    async once(arch, threads) {
      child.stdin.write(`${threads} ${arch}\n`);
      return (await next()).seconds;
    },
    close() {
      child.stdin.end('\n');
    },
  };
}

// Interleaved: each round times one batch of every contender back to back, so tfjs and torch see
// the same machine load; the best round of each is reported.
const loadStart = os.loadavg()[0];
const torch = await torchPeer(MODELS);
const ncpu = os.cpus().length;
const results = [];
for (const m of MODELS) {
  const plainModel = await tfjsModel(m, false);
  const foldedModel = await tfjsModel(m, true);
  await plainModel.once(); // warm-ups
  await foldedModel.once();
  await torch.once(m.arch, threads);
  if (ncpu !== threads) await torch.once(m.arch, ncpu);
  const t = { plain: [], folded: [], torch: [], torchAll: [] };
  for (let i = 0; i < ITERS; i++) {
    t.plain.push(await plainModel.once());
    t.torch.push(await torch.once(m.arch, threads));
    t.folded.push(await foldedModel.once());
    t.torchAll.push(ncpu !== threads ? await torch.once(m.arch, ncpu) : t.torch.at(-1));
  }
  const profPlain = await plainModel.profile();
  const profFolded = await foldedModel.profile();
  plainModel.dispose();
  foldedModel.dispose();
  const ips = (s) => BATCH / Math.min(...s);
  const r = {
    ...m,
    plain: ips(t.plain),
    folded: ips(t.folded),
    torch: ips(t.torch),
    torchAll: ips(t.torchAll),
    profPlain,
    profFolded,
    seconds: t,
  };
  console.error(
    `${m.arch}@${m.size}: tfjs ${r.plain.toFixed(2)} / folded ${r.folded.toFixed(2)} img/s, torch ${threads}t ${r.torch.toFixed(2)}, ${ncpu}t ${r.torchAll.toFixed(2)} img/s`,
  );
  results.push(r);
}
torch.close();
const loadEnd = os.loadavg()[0];

const f = (x, d = 2) => x.toFixed(d);
const lines = [];
lines.push('# @op-screen/efficientnet inference throughput vs torch CPU');
lines.push('');
lines.push(
  `Run: ${new Date().toISOString()}, ${os.cpus()[0]?.model ?? 'cpu'} x${ncpu}, Node ${process.version}, ` +
    `tfjs ${info.versions['tfjs-core']} backend \`${info.backend}\` (SIMD ${info.simd}, threads ${threads}), ` +
    `torch ${torch.versions.torch} / torchvision ${torch.versions.torchvision} (Debian python3-torch). Batch ${BATCH}, float32, inference mode, ` +
    `best of ${ITERS} interleaved rounds after one warm-up; random weights (speed does not depend on values). ` +
    `Command: \`node bench/efficientnet/run.mjs\`. 1-minute load average ${loadStart.toFixed(1)} at start, ` +
    `${loadEnd.toFixed(1)} at end on ${ncpu} cores (other jobs share the machine: read the ratios, not the absolute numbers).`,
);
lines.push('');
lines.push(
  `| model | tfjs ${info.backend} img/s (as built) | tfjs ${info.backend} img/s (foldBatchNorm) | torch ${threads} thread(s) img/s | **ratio** tfjs folded / torch, same threads | ratio as built | torch ${ncpu} threads img/s | ratio folded vs torch ${ncpu} threads |`,
);
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results)
  lines.push(
    `| ${r.arch}@${r.size} | ${f(r.plain)} | ${f(r.folded)} | ${f(r.torch)} | **${f(r.folded / r.torch)}x** | ${f(r.plain / r.torch)}x | ${f(r.torchAll)} | ${f(r.folded / r.torchAll)}x |`,
  );
lines.push('');
lines.push(
  'Each round times one batch of tfjs (as built), torch, tfjs (folded) and torch on all cores back to back,',
);
lines.push(
  'so both frameworks see the same load. wasm in Node is single-threaded, hence torch with one thread.',
);
lines.push('');
lines.push('## Where the time goes (tfjs profile of one batch, kernel time summed by kernel)');
for (const r of results)
  for (const [label, p] of [
    ['as built', r.profPlain],
    ['BN folded', r.profFolded],
  ]) {
    lines.push('');
    lines.push(`**${r.arch}@${r.size}, ${label}** — ${f(p.total, 0)} ms of kernel time per batch`);
    lines.push('');
    lines.push('| kernel | ms | share |');
    lines.push('|---|---:|---:|');
    for (const [name, ms] of p.kernels.slice(0, 8))
      lines.push(`| ${name} | ${f(ms, 0)} | ${f((100 * ms) / p.total, 1)}% |`);
  }
lines.push('');
const out = lines.join('\n');
writeFileSync(join(here, 'RESULTS.md'), `${out}\n`);
console.log(out);
