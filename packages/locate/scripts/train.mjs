#!/usr/bin/env node
// Trains the localisation network on real sagittal lumbar MRI with vertebral-body masks
// (../shared/data/real-spine) and writes the weights plus a record of exactly which cases,
// seed, schedule and losses produced them. Seeded: the same command gives the same weights on
// the same backend and machine.
//
//   node scripts/train.mjs --data ../../../shared/data/real-spine --out weights/locate-v1.bin
//      [--cases myosegmentum,zukic | --only ID,ID | --exclude ID,ID] [--epochs 40] [--seed 1]
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '@op-screen/metrics';
import { readNifti } from '@op-screen/mri-io';
import { Adam } from '@op-screen/train';
import { registerWasmKernels } from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients (its bundle carries them)
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  DEFAULT_SPEC,
  encodeWeights,
  forward,
  initParams,
  makeSample,
  prepareCase,
  SLICE_REACH,
} from '../dist/index.js';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(import.meta.dirname, '../../../../shared/data/real-spine') },
    out: { type: 'string', default: resolve(import.meta.dirname, '../weights/locate-v1.bin') },
    cases: { type: 'string', default: 'myosegmentum,zukic' },
    only: { type: 'string' },
    exclude: { type: 'string' },
    epochs: { type: 'string', default: '34' },
    seed: { type: 'string', default: '1' },
    // a fixed number of samples per epoch, drawn evenly over the cases, so a split with few
    // cases trains as many steps as one with many
    'samples-per-epoch': { type: 'string', default: '240' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '0.002' },
    'level-weight': { type: 'string', default: '0' },
    quiet: { type: 'boolean', default: false },
  },
});

export const SPACING = 2;
const SIZE = 96;
const SIGMA_MM = 4;
const LEVEL_WEIGHT = Number(a['level-weight']);

function listCases(root, datasets, only, exclude) {
  const out = [];
  for (const ds of datasets) {
    for (const id of readdirSync(join(root, ds)).sort())
      out.push({ dataset: ds, id, dir: join(root, ds, id) });
  }
  return out.filter((c) => (!only || only.includes(c.id)) && !(exclude ?? []).includes(c.id));
}

async function main() {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
  registerWasmKernels(tf.backend());
  const seed = Number(a.seed);
  const epochs = Number(a.epochs);
  const perEpoch = Number(a['samples-per-epoch']);
  const batch = Number(a.batch);
  const cases = listCases(a.data, a.cases.split(','), a.only?.split(','), a.exclude?.split(','));
  if (cases.length === 0) throw new Error('no training cases selected');
  const t0 = Date.now();
  const prepared = [];
  const used = [];
  for (const c of cases) {
    const image = await readNifti(join(c.dir, 'image.nii.gz'));
    const mask = await readNifti(join(c.dir, 'mask.nii.gz'));
    const tc = prepareCase(c.id, image, mask);
    // keep the slices training draws from only (mid +- 1), to bound memory
    const keep = (arr) =>
      arr.map((s, k) => (Math.abs(k - tc.mid) <= 1 ? s : { ...s, data: new Float32Array(0) }));
    prepared.push({ ...tc, slices: keep(tc.slices), masks: keep(tc.masks) });
    const caseJson = JSON.parse(readFileSync(join(c.dir, 'case.json'), 'utf8'));
    used.push({ dataset: c.dataset, id: c.id, sourceSha256: caseJson.source_sha256 });
  }
  if (!a.quiet) console.error(`${prepared.length} cases read in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const spec = DEFAULT_SPEC;
  const rng = createRng(seed);
  const params = initParams(spec, rng).map((p, i) => tf.variable(tf.tensor(p, undefinedShape(spec, i))));
  const adam = new Adam();
  const history = [];
  const lr0 = Number(a.lr);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const te = Date.now();
    const erng = createRng(seed * 7919 + epoch + 1);
    let order = [];
    const rounds = Math.ceil(perEpoch / prepared.length);
    for (let r = 0; r < rounds; r++) for (let i = 0; i < prepared.length; i++) order.push(i);
    // shuffle, then cut: the cases of the last, partial round differ per epoch
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(erng.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    order = order.slice(0, perEpoch);
    // cosine schedule after one warm-up epoch
    const lr = epoch === 0 ? lr0 * 0.3 : lr0 * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs));
    let lossSum = 0;
    let steps = 0;
    for (let s = 0; s + batch <= order.length; s += batch) {
      const xs = new Float32Array(batch * SIZE * SIZE);
      const ys = new Float32Array(batch * SIZE * SIZE * 4);
      const ws = new Float32Array(batch * SIZE * SIZE * 4);
      for (let b = 0; b < batch; b++) {
        const smp = makeSample(prepared[order[s + b]], erng, {
          size: SIZE,
          spacing: SPACING,
          sigmaMm: SIGMA_MM,
          augment: true,
        });
        xs.set(smp.x, b * SIZE * SIZE);
        ys.set(smp.y, b * SIZE * SIZE * 4);
        ws.set(smp.w, b * SIZE * SIZE * 4);
      }
      const { value, grads } = tf.variableGrads(() => lossOf(spec, params, xs, ys, ws, batch), params);
      lossSum += (await value.data())[0];
      steps++;
      const g = [];
      for (const p of params) g.push(await grads[p.name].data());
      value.dispose();
      for (const k of Object.keys(grads)) grads[k].dispose();
      adam.apply(params, g, lr);
    }
    const rec = { epoch: epoch + 1, loss: lossSum / steps, lr, seconds: (Date.now() - te) / 1000 };
    history.push(rec);
    if (!a.quiet)
      console.error(
        `epoch ${rec.epoch}/${epochs} loss=${rec.loss.toFixed(4)} lr=${lr.toExponential(2)} ${rec.seconds.toFixed(1)} s`,
      );
  }
  const arrays = [];
  for (const p of params) arrays.push(await p.data());
  const bytes = encodeWeights(spec, SPACING, arrays);
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(`${a.out}.tmp`, bytes);
  renameSync(`${a.out}.tmp`, a.out);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const record = {
    weights: a.out.split('/').pop(),
    sha256,
    bytes: bytes.length,
    seed,
    epochs,
    samplesPerEpoch: perEpoch,
    batch,
    learningRate: lr0,
    levelWeight: LEVEL_WEIGHT,
    inputSize: SIZE,
    spacingMm: SPACING,
    sigmaMm: SIGMA_MM,
    backend: tf.getBackend(),
    seconds: (Date.now() - t0) / 1000,
    cases: used,
    history,
  };
  writeFileSync(`${a.out.replace(/\.bin$/, '')}.training.json.tmp`, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(
    `${a.out.replace(/\.bin$/, '')}.training.json.tmp`,
    `${a.out.replace(/\.bin$/, '')}.training.json`,
  );
  if (!a.quiet)
    console.error(
      `wrote ${a.out} (${bytes.length} bytes, sha256 ${sha256}) in ${record.seconds.toFixed(0)} s`,
    );
}

function undefinedShape(spec, i) {
  return paramShapes(spec)[i];
}
let shapes;
function paramShapes(spec) {
  if (!shapes) shapes = DEFAULT_PARAM_DEFS(spec).map((d) => d.shape);
  return shapes;
}

import { paramDefs as DEFAULT_PARAM_DEFS } from '../dist/index.js';

function lossOf(spec, params, xs, ys, ws, n) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [n, SIZE, SIZE, 1]);
    const z = forward(spec, params, x);
    const t = tf.tensor4d(ys, [n, SIZE, SIZE, 4]);
    const w0 = tf.tensor4d(ws, [n, SIZE, SIZE, 4]);
    // positives of the sparse heatmaps weigh more: centre x(1 + 10 t), L5 x(1 + 40 t)
    const boost = tf.add(1, tf.mul(t, tf.tensor1d([0, 10, 40, 0])));
    const w = tf.mul(w0, boost);
    // body and centre: binary cross-entropy with logits, max(z, 0) - z t + log(1 + exp(-|z|));
    // level: squared error x LEVEL_WEIGHT on labelled bodies. Off in the shipped recipe: with it on
    // (x4, x0.1) the body and centre maps never formed in three 36-40 epoch runs (flat outputs)
    const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
    const se = tf.mul(tf.square(tf.sub(z, t)), LEVEL_WEIGHT);
    const perPixel = tf.add(tf.mul(bce, tf.tensor1d([1, 1, 1, 0])), tf.mul(se, tf.tensor1d([0, 0, 0, 1])));
    const perChannel = tf.div(tf.sum(tf.mul(perPixel, w), [0, 1, 2]), tf.add(tf.sum(w0, [0, 1, 2]), 1));
    return tf.sum(perChannel);
  });
}

await main();
