// A loaded network: its parameters as tensors on the current tfjs backend, and what it was
// trained at. The weights file format and its check live in model.ts.
import * as tf from '@tensorflow/tfjs-core';
import { LocateError } from './errors.js';
import { decodeWeights, forward, type NetSpec, OUTPUTS, paramDefs, SIZE_MULTIPLE } from './model.js';

export interface Locator {
  spec: NetSpec;
  /** Millimetres per canonical pixel. */
  spacing: number;
  /** sha256 of the weights file (hex), as the model card states it. */
  sha256: string;
  params: tf.Tensor[];
  /** Frees the tensors. */
  dispose(): void;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes as unknown as ArrayBuffer);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A locator from weights bytes. With `expectSha256`, bytes whose sha256 differs are refused
 * (`BAD_WEIGHTS`): the shipped loaders pass the model card's hash.
 */
export async function locatorFromBytes(
  bytes: Uint8Array,
  expectSha256?: string,
  file?: string,
): Promise<Locator> {
  const sha256 = await sha256Hex(bytes);
  if (expectSha256 && sha256 !== expectSha256) {
    throw new LocateError(
      'BAD_WEIGHTS',
      `sha256 ${sha256} differs from the model card's ${expectSha256}`,
      file,
    );
  }
  const { header, params } = decodeWeights(bytes, file);
  const defs = paramDefs(header.spec);
  const tensors = params.map((p, i) => tf.tensor(p, defs[i].shape));
  return {
    spec: header.spec,
    spacing: header.spacing,
    sha256,
    params: tensors,
    dispose: () => {
      for (const t of tensors) t.dispose();
    },
  };
}

/** Maps `[rows, columns, 4]` (body, centre and L5 probabilities, level index / LEVEL_SCALE) of canonical images of one size. */
export async function predictMaps(
  locator: Locator,
  images: readonly Float32Array[],
  rows: number,
  columns: number,
): Promise<Float32Array[]> {
  const H = Math.ceil(rows / SIZE_MULTIPLE) * SIZE_MULTIPLE;
  const W = Math.ceil(columns / SIZE_MULTIPLE) * SIZE_MULTIPLE;
  const out: Float32Array[] = [];
  const batch = 4;
  for (let s = 0; s < images.length; s += batch) {
    const part = images.slice(s, s + batch);
    const x = new Float32Array(part.length * H * W);
    part.forEach((img, b) => {
      for (let i = 0; i < rows; i++) x.set(img.subarray(i * columns, (i + 1) * columns), b * H * W + i * W);
    });
    const y = tf.tidy(() => {
      const z = forward(locator.spec, locator.params, tf.tensor4d(x, [part.length, H, W, 1]));
      const [prob, level] = tf.split(z, [3, 1], 3);
      return tf.concat([tf.sigmoid(prob), level], 3);
    });
    const data = (await y.data()) as Float32Array;
    y.dispose();
    const C = OUTPUTS.length;
    for (let b = 0; b < part.length; b++) {
      const m = new Float32Array(rows * columns * C);
      for (let i = 0; i < rows; i++) {
        m.set(data.subarray((b * H * W + i * W) * C, (b * H * W + i * W + columns) * C), i * columns * C);
      }
      out.push(m);
    }
  }
  return out;
}
