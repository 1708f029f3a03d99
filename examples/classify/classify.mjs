// Classify one grayscale MRI slice with a model loaded from local files.
//   node classify.mjs                                   demo: save an (untrained) 2-class checkpoint, load it, classify
//   node classify.mjs --model DIR                       a tfjs checkpoint written by saveModel (e.g. after fine-tuning)
//   node classify.mjs --arch resnet50 --weights W.safetensors   torchvision ImageNet weights (prints top-5 classes)
//   --image FILE.f32 --shape HxW                        raw little-endian float32 image (default: the phantom slice in ../shared)
//   --check                                             also verify the checkpoint reloads to identical outputs (CI)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createModel,
  loadModel,
  loadTorchvisionWeights,
  saveModel,
  selectBackend,
} from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const check = process.argv.includes('--check');
const shared = fileURLToPath(new URL('../../../shared/', import.meta.url));
const imageFile = arg('image', join(shared, 'data/preprocess/input.f32'));
const [H, W] = arg('shape', '256x224').split('x').map(Number);

const backend = await selectBackend();
console.error(
  `backend: ${backend.backend} (${
    backend.attempts
      .filter((a) => !a.ok)
      .map((a) => a.reason)
      .join('; ') || 'first choice'
  })`,
);

let model;
let labels;
let tmp;
if (arg('weights')) {
  // torchvision layout, 3-channel ImageNet model: the gray slice is replicated to RGB
  model = createModel(arg('arch', 'resnet50'), { init: 'zeros' });
  loadTorchvisionWeights(model, arg('weights'));
} else if (arg('model')) {
  model = await loadModel(arg('model'));
} else {
  // demo checkpoint: a 1-channel, 2-class EfficientNet-B0, saved and loaded like a fine-tuned one.
  // Its weights are random, so its verdict means nothing; it shows the file round trip.
  tmp = mkdtempSync(join(tmpdir(), 'classify-'));
  const fresh = createModel('efficientnet_b0', { channels: 1, numClasses: 2, seed: 1 });
  await saveModel(fresh, tmp);
  model = await loadModel(tmp);
  labels = ['T-score > -2.5', 'osteoporosis (T-score <= -2.5)'];
  if (check) {
    const x = tf.randomNormal([1, 224, 224, 1], 0, 1, 'float32', 3);
    const a = await fresh.predict(x).data();
    const b = await model.predict(x).data();
    if (!a.every((v, i) => Object.is(v, b[i])))
      throw new Error('reloaded checkpoint differs from the saved model');
    console.error('check: reloaded checkpoint reproduces the saved model bit-exactly');
  }
  fresh.dispose();
}

// image: raw float32 -> min-max to [0, 1] -> bilinear resize to the model input -> ImageNet gray mean/std
const [, inH, inW, inC] = model.inputs[0].shape;
const raw = new Float32Array(readFileSync(imageFile).buffer.slice(0));
if (raw.length !== H * W)
  throw new Error(`${imageFile}: expected ${H}x${W} float32 values, got ${raw.length}`);
const input = tf.tidy(() => {
  const img = tf.tensor4d(raw, [1, H, W, 1]);
  const lo = tf.min(img);
  const scaled = tf.div(tf.sub(img, lo), tf.sub(tf.max(img), lo));
  const resized = tf.image.resizeBilinear(scaled, [inH, inW], false, true);
  const norm = tf.div(tf.sub(resized, 0.449), 0.226);
  return inC === 3 ? tf.concat([norm, norm, norm], 3) : norm;
});
const logits = tf.tidy(() => model.predict(input));
const probs = await tf.tidy(() => (logits.shape[1] === 1 ? tf.sigmoid(logits) : tf.softmax(logits))).data();
const ranked = Array.from(probs, (p, i) => [i, p]).sort((a, b) => b[1] - a[1]);
const top = ranked
  .slice(0, Math.min(5, ranked.length))
  .map(([i, p]) => ({ class: labels?.[i] ?? i, probability: Number(p.toFixed(6)) }));
console.log(JSON.stringify({ image: imageFile, model: model.name, input: [inH, inW, inC], top }, null, 1));

if (check) {
  const sum = probs.reduce((a, b) => a + b, 0);
  if (!(Math.abs(sum - 1) < 1e-5 && probs.every((p) => p >= 0 && p <= 1)))
    throw new Error(`probabilities do not sum to 1: ${sum}`);
  console.error('check: probabilities are valid');
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
