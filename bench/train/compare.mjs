#!/usr/bin/env node
// Before/after training throughput in one run: fineTune img/s of two builds of the library on
// the same models, batch 16, one replica, in alternating child processes (before, after, before,
// ...) so both see the machine in the same state; reports the medians and after / before.
// "after" is this checkout (packages/efficientnet/dist + packages/train/dist, so `pnpm build`
// first); "before" is any build of the pre-split single package that exports selectBackend,
// createModel and fineTune (--before path/to/dist/index.js).
// usage: node bench/train/compare.mjs [--before /work/main/scratch/eff-before/dist/index.js]
//          [--models efficientnet_b0:96,resnet18:64] [--steps 4] [--rounds 5] [--out file.json]
//        node bench/train/compare.mjs --child before|after --model efficientnet_b0:96 --steps 4
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const BEFORE = resolve(arg('before', '/work/main/scratch/eff-before/dist/index.js'));
const STEPS = Number(arg('steps', '4'));
const BATCH = 16;

async function loadLib(which) {
  if (which === 'before') return import(BEFORE);
  return {
    ...(await import(join(here, '../../packages/efficientnet/dist/index.js'))),
    ...(await import(join(here, '../../packages/train/dist/index.js'))),
  };
}

/** One measurement in this process: warm-up step, then STEPS timed steps; prints JSON. */
async function child(which, spec) {
  const [arch, sizeText] = spec.split(':');
  const size = Number(sizeText);
  const lib = await loadLib(which);
  const info = await lib.selectBackend();
  const model = lib.createModel(arch, { inputShape: [size, size, 3], numClasses: 1, seed: 1 });
  const x = new Float32Array(BATCH * size * size * 3);
  let s = 7;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  const y = new Float32Array(BATCH).map((_, i) => i % 2);
  const b = { x, y, n: BATCH };
  const small = { x: x.subarray(0, 2 * size * size * 3), y: y.subarray(0, 2), n: 2 };
  // CPU time of the timed steps (one replica: all training runs on this thread), as well as wall
  // time: on a shared machine img per CPU-second is much less disturbed by other processes
  let cpu = 0;
  const data = {
    async *train(epoch) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < (epoch === 0 ? 1 : STEPS); i++) yield b;
      const c = process.cpuUsage(c0);
      if (epoch === 1) cpu = (c.user + c.system) / 1e6;
    },
    async *validation() {
      yield small;
    },
  };
  const r = await lib.fineTune(model, data, { epochs: 2, workers: 1, progress: false, earlyStopping: false });
  const h = r.history[1];
  console.log(
    JSON.stringify({
      which,
      model: spec,
      backend: info.backend,
      simd: info.simd,
      imgPerSec: h.imagesPerSecond,
      imgPerCpuSec: (STEPS * BATCH) / cpu,
      loss: h.loss ?? h.trainLoss,
    }),
  );
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function parent() {
  if (!existsSync(BEFORE)) {
    // bench/run.mjs runs every script here; without a "before" build there is nothing to compare
    if (!process.argv.includes('--before')) {
      console.log(
        `compare.mjs: skipped, no "before" build at ${BEFORE} (pass --before path/to/dist/index.js)`,
      );
      return;
    }
    throw new Error(`no "before" build at ${BEFORE}`);
  }
  const models = arg('models', 'efficientnet_b0:96,resnet18:64').split(',');
  const rounds = Number(arg('rounds', '5'));
  const rows = [];
  for (const model of models) {
    const runs = { before: [], after: [] };
    const cpuRuns = { before: [], after: [] };
    const losses = { before: new Set(), after: new Set() };
    for (let r = 0; r < rounds; r++) {
      // alternate which goes first, so neither always follows the other
      const order = r % 2 ? ['after', 'before'] : ['before', 'after'];
      for (const which of order) {
        const p = spawnSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            '--child',
            which,
            '--model',
            model,
            '--steps',
            String(STEPS),
            '--before',
            BEFORE,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        const line = p.stdout.trim().split('\n').pop() ?? '';
        if (p.status !== 0 || !line.startsWith('{'))
          throw new Error(`${which} ${model} failed: ${p.stderr.slice(-2000)}`);
        const o = JSON.parse(line);
        runs[which].push(o.imgPerSec);
        cpuRuns[which].push(o.imgPerCpuSec);
        losses[which].add(o.loss);
        console.error(
          `${model} round ${r + 1} ${which}: ${o.imgPerSec.toFixed(2)} img/s, ${o.imgPerCpuSec.toFixed(2)} img/CPU-s (load ${os.loadavg()[0].toFixed(1)})`,
        );
      }
    }
    const before = median(runs.before);
    const after = median(runs.after);
    rows.push({
      model,
      before,
      after,
      ratio: after / before,
      cpuBefore: median(cpuRuns.before),
      cpuAfter: median(cpuRuns.after),
      cpuRatio: median(cpuRuns.after) / median(cpuRuns.before),
      // each round's after / before (the two ran back to back): the least disturbed estimate
      pairedCpuRatio: median(cpuRuns.after.map((v, i) => v / cpuRuns.before[i])),
      runs,
      cpuRuns,
      sameLoss: [...losses.before].join() === [...losses.after].join(),
    });
  }
  const lines = [
    `Batch ${BATCH}, 1 replica, ${STEPS} timed steps after a warm-up step, ${rounds} alternating rounds per build, medians; ${os.availableParallelism()} cores, ${new Date().toISOString().slice(0, 16)}Z.`,
    '',
    '| model | before img/s | after img/s | after / before | before img/CPU-s | after img/CPU-s | after / before (CPU) | median of per-round CPU ratios | same training loss |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model.replace(':', '@')} | ${r.before.toFixed(2)} | ${r.after.toFixed(2)} | ${r.ratio.toFixed(3)} | ${r.cpuBefore.toFixed(2)} | ${r.cpuAfter.toFixed(2)} | ${r.cpuRatio.toFixed(3)} | ${r.pairedCpuRatio.toFixed(3)} | ${r.sameLoss ? 'yes' : 'no'} |`,
    ),
    '',
    'Each run (img/s, img/CPU-s), in order:',
    '',
    ...rows.flatMap((r) =>
      ['before', 'after'].map(
        (w) =>
          `- ${r.model.replace(':', '@')} ${w}: ${r.runs[w].map((v, i) => `${v.toFixed(2)} / ${r.cpuRuns[w][i].toFixed(2)}`).join(', ')}`,
      ),
    ),
  ];
  console.log(lines.join('\n'));
  const out = arg('out', '');
  if (out) writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
}

const which = arg('child', '');
if (which) await child(which, arg('model', 'efficientnet_b0:96'));
else await parent();
