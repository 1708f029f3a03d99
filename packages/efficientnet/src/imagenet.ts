import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { IMAGENET_CLASSES } from './imagenet-classes.js';
import type { Preprocessing, WeightSource } from './registry.js';

/** A decoded photo: 8-bit RGB or RGBA samples, row-major (what a JPEG/PNG decoder returns). */
export interface RgbImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA; alpha is dropped). */
  channels: 3 | 4;
}

export interface ImageNetClass {
  class: number;
  name: string;
  probability: number;
}

/**
 * A photo as the network input its weights expect, `[crop, crop, 3]` NHWC float32: the short side
 * resized to `resize` (bilinear: tfjs has no bicubic, so weights published with bicubic resizing
 * get bilinear, a small documented deviation), the centre `crop` x `crop`, then the weights' own
 * normalisation: 'caffe' = BGR minus the BGR means on the 0-255 scale, 'mean-std' = RGB / 255
 * then (x - mean) / std, 'keras-builtin' = RGB 0-255 as is.
 */
export function imagenetInput(img: RgbImage, p: Preprocessing): Float32Array {
  const { width: w, height: h, channels: c } = img;
  if (img.data.length !== w * h * c)
    throw new ZooError(
      'INPUT_INVALID',
      `image has ${img.data.length} samples, ${w}x${h}x${c} needs ${w * h * c}`,
    );
  return tf.tidy(() => {
    let x = tf.tensor3d(Float32Array.from(img.data), [h, w, c]);
    if (c === 4) x = tf.slice(x, [0, 0, 0], [h, w, 3]);
    const scale = p.resize / Math.min(h, w);
    const rh = Math.max(p.crop, Math.round(h * scale));
    const rw = Math.max(p.crop, Math.round(w * scale));
    const resized = tf.image.resizeBilinear(x as tf.Tensor3D, [rh, rw]);
    const top = Math.floor((rh - p.crop) / 2);
    const left = Math.floor((rw - p.crop) / 2);
    let y = tf.slice(resized, [top, left, 0], [p.crop, p.crop, 3]);
    if (p.kind === 'caffe') y = tf.sub(tf.reverse(y, -1), tf.tensor1d(p.mean));
    else if (p.kind === 'mean-std')
      y = tf.div(tf.sub(tf.div(y, 255), tf.tensor1d(p.mean)), tf.tensor1d(p.std));
    return y.dataSync() as Float32Array;
  });
}

/** The five most probable ImageNet classes of 1000 scores (softmax applied unless `probabilities`). */
export function top5(scores: Float32Array, probabilities = false): ImageNetClass[] {
  if (scores.length !== 1000)
    throw new ZooError('INPUT_INVALID', `expected 1000 ImageNet scores, got ${scores.length}`);
  let p = scores;
  if (!probabilities) {
    const max = Math.max(...scores);
    const e = scores.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    p = e.map((v) => v / sum);
  }
  return [...p.keys()]
    .sort((a, b) => (p[b] as number) - (p[a] as number))
    .slice(0, 5)
    .map((k) => ({ class: k, name: IMAGENET_CLASSES[k] as string, probability: p[k] as number }));
}

/**
 * Refuses a preprocessing that is not the one a weight file was trained with (e.g. torchvision
 * mean/std for Keras "caffe" weights): `PREPROCESSING_MISMATCH`, naming both.
 */
export function checkPreprocessing(
  weights: Pick<WeightSource, 'tag' | 'preprocessing'>,
  given: Preprocessing,
): void {
  const want = weights.preprocessing;
  const sameNumbers = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - (b[i] as number)) < 1e-6);
  if (want.kind !== given.kind || !sameNumbers(want.mean, given.mean) || !sameNumbers(want.std, given.std))
    throw new ZooError(
      'PREPROCESSING_MISMATCH',
      `weights ${weights.tag} were trained with '${want.kind}' preprocessing (mean [${want.mean.join(', ')}], std [${want.std.join(', ')}]), not '${given.kind}' (mean [${given.mean.join(', ')}], std [${given.std.join(', ')}]); use the weights' own preprocessing`,
    );
}

/** Runs an ImageNet classifier (logits, or probabilities when its last layer is a softmax) on one input. */
export async function classifyImageNet(
  model: tfl.LayersModel,
  input: Float32Array,
  size: number,
): Promise<ImageNetClass[]> {
  const out = model.predict(tf.tensor4d(input, [1, size, size, 3])) as tf.Tensor;
  try {
    const scores = (await out.data()) as Float32Array;
    const last = model.layers.at(-1)?.getConfig() as { activation?: string } | undefined;
    const softmaxed = last?.activation === 'softmax';
    return top5(scores, softmaxed);
  } finally {
    out.dispose();
  }
}
