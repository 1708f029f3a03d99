#!/usr/bin/env node
// Training and inference throughput (img/s) of @op-screen/efficientnet on one tfjs backend, one
// model after another, within a time budget. run.sh calls it for webgpu (whatever adapter Dawn
// finds: a GPU through Vulkan, else Mesa llvmpipe) and then for wasm (the peer, same script).
// Training: one step = loss and all gradients of a batch (no optimizer), median of --steps after
// a first step that compiles the shaders. Inference: model.predict, median of --reps after one.
// (fineTune runs on webgpu too, reading back with await data(); this measures the step alone so
// both backends time the same work without the optimizer and data pipeline.)
// Prints one JSON line per model; run.sh collects them into RESULTS.md.
// usage: node bench/gpu/run.mjs --backend webgpu|wasm [--models efficientnet_b0:224,...]
//        [--batch 16] [--steps 2] [--reps 3] [--budget-s 240]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = await import(join(here, '../../packages/efficientnet/dist/index.js'));
const kernels = await import(join(here, '../../packages/wasm-kernels/dist/index.js'));
// the tfjs-core instance the package's dist uses (Node loads its CJS main for both)
const tf = createRequire(join(here, '../../packages/efficientnet/package.json'))('@tensorflow/tfjs-core');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const BACKEND = arg('backend', 'webgpu');
const MODELS = arg('models', 'efficientnet_b0:224,resnet50:224,efficientnet_b4:380')
  .split(',')
  .map((s) => s.split(':'));
const BATCH = Number(arg('batch', '16'));
const STEPS = Number(arg('steps', '2'));
const REPS = Number(arg('reps', '3'));
const deadline = Date.now() + Number(arg('budget-s', '240')) * 1000;

const info = await lib.selectBackend({ prefer: BACKEND });
// what fineTune does on wasm: the zoo's gradient kernels (tfjs-backend-wasm has no conv gradients)
if (info.backend === 'wasm') kernels.registerWasmKernels();
console.log(
  JSON.stringify({ kind: 'backend', backend: info.backend, webgpu: info.webgpu, versions: info.versions }),
);

for (const [arch, sizeText] of MODELS) {
  const size = Number(sizeText);
  const row = { kind: 'model', backend: info.backend, arch, size, batch: BATCH };
  if (Date.now() > deadline) {
    console.log(JSON.stringify({ ...row, skipped: 'time budget spent' }));
    continue;
  }
  const t0 = performance.now();
  try {
    const model = lib.createModel(arch, { inputShape: [size, size, 3], numClasses: 2, seed: 1 });
    const n = BATCH * size * size * 3;
    const x = new Float32Array(n).map((_, i) => Math.sin(i) * 0.5);
    const y = new Float32Array(BATCH).map((_, i) => i % 2);
    // inference: warm-up (compiles the shaders), then the median of REPS timed batches
    const xt = tf.tensor4d(x, [BATCH, size, size, 3]);
    const times = [];
    for (let r = 0; r <= REPS && Date.now() < deadline; r++) {
      const s = performance.now();
      const out = model.predict(xt);
      await out.data();
      out.dispose();
      if (r > 0) times.push(performance.now() - s);
    }
    xt.dispose();
    times.sort((a, b) => a - b);
    const inferMs = times.length ? times[Math.floor(times.length / 2)] : Number.NaN;
    if (Number.isFinite(inferMs)) row.inferImgPerS = BATCH / (inferMs / 1000);
    else row.skipped = 'time budget spent during inference';
    // training step: loss and every gradient of one batch (tfjs autodiff through the zoo's layers,
    // the zoo's fused gradients where the backend has them); no optimizer update. Forced to finish
    // by reading back one scalar (the sum of all squared gradients).
    const yt = tf.oneHot(tf.tensor1d(Array.from(y), 'int32'), 2);
    const xb = tf.tensor4d(x, [BATCH, size, size, 3]);
    const step = async () => {
      const s = performance.now();
      const { value, grads } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(yt, model.apply(xb, { training: true })),
      );
      const norm = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      await norm.data();
      tf.dispose([value, norm, ...Object.values(grads)]);
      return performance.now() - s;
    };
    const trainTimes = [];
    for (let i = 0; i <= STEPS && Date.now() < deadline; i++) {
      const ms = await step();
      if (i === 0) row.firstTrainStepS = ms / 1000;
      else trainTimes.push(ms);
    }
    tf.dispose([yt, xb]);
    trainTimes.sort((p, q) => p - q);
    if (trainTimes.length) row.trainImgPerS = BATCH / (trainTimes[Math.floor(trainTimes.length / 2)] / 1000);
    else row.skipped = 'time budget spent during training';
    model.dispose();
  } catch (e) {
    row.error = `${e.code ?? e.name}: ${String(e.message).split('\n')[0].slice(0, 200)}`;
  }
  row.seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify(row));
}
process.exit(0);
