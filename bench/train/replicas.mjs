#!/usr/bin/env node
// Where a second replica starts to pay: wall time of fineTune (2 epochs of 2 batches of 16, pool
// start-up included) and of predictProbabilities (32 images, start-up included) with 1 replica and
// with one per core, per model and input size, beside the multiply-adds per sample that
// chooseReplicas reads. Each configuration runs in its own child process, 1 and N interleaved.
// usage: node bench/train/replicas.mjs [--models efficientnet_b0:64,resnet18:32,efficientnet_b0:128]
// Needs packages/efficientnet/dist and packages/train/dist (pnpm build).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};

async function child(arch, size, workers) {
  const zoo = await import(join(here, '../../packages/efficientnet/dist/index.js'));
  const train = await import(join(here, '../../packages/train/dist/index.js'));
  await zoo.selectBackend();
  const model = zoo.createModel(arch, { inputShape: [size, size, 3], numClasses: 1, seed: 1 });
  const per = size * size * 3;
  const batch = (n, seed) => {
    const x = new Float32Array(n * per);
    let s = seed;
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = s / 2 ** 32 - 0.5;
    }
    return { x, y: new Float32Array(n).map((_, i) => i % 2), n };
  };
  const b = batch(16, 7);
  const opts = { workers, replicaModules: [zoo.zooLayersModule()] };
  let t = performance.now();
  await train.fineTune(
    model,
    { train: () => [b, b], validation: () => [b] },
    { ...opts, epochs: 2, progress: false, earlyStopping: false },
  );
  const trainS = (performance.now() - t) / 1000;
  t = performance.now();
  await train.predictProbabilities(model, [b, batch(16, 9)], opts);
  const predictS = (performance.now() - t) / 1000;
  const macs = train.estimateMacsPerSample(model);
  const auto = train.chooseReplicas({
    macsPerSample: macs,
    cores: os.availableParallelism(),
    backend: 'wasm',
  });
  console.log(JSON.stringify({ trainS, predictS, macs, auto }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else {
  const N = os.availableParallelism();
  const models = arg('models', 'efficientnet_b0:64,resnet18:32,efficientnet_b0:128,efficientnet_b0:224');
  console.log(
    `| model | G multiply-adds / sample | default replicas | train 1 (s) | train ${N} (s) | predict 1 (s) | predict ${N} (s) | load |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const spec of models.split(',')) {
    const [arch, size] = spec.split(':');
    const r = {};
    for (const w of [1, N]) {
      const p = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', arch, size, String(w)],
        {
          encoding: 'utf8',
        },
      );
      if (p.status !== 0) throw new Error(`${spec} workers ${w}: ${p.stderr}`);
      r[w] = JSON.parse(p.stdout.trim().split('\n').pop());
    }
    const f = (v) => v.toFixed(1);
    console.log(
      `| ${arch}@${size} | ${(r[1].macs / 1e9).toFixed(3)} | ${r[1].auto} | ${f(r[1].trainS)} | ${f(r[N].trainS)} | ${f(r[1].predictS)} | ${f(r[N].predictS)} | ${os.loadavg()[0].toFixed(1)} |`,
    );
  }
}
