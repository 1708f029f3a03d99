import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { backboneWithHead, initBackend, loadModel, saveModel, ZooError } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

/** A small "pretrained" Keras-style network of someone's, saved to and loaded from local files. */
async function someonesModel(dir: string): Promise<tfl.LayersModel> {
  const input = tfl.input({ shape: [16, 16, 1], name: 'img' });
  let x = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
      name: 'conv_a',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      name: 'conv_b',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: 10, activation: 'softmax', name: 'their_head' })
    .apply(x) as tfl.SymbolicTensor;
  await saveModel(tfl.model({ inputs: input, outputs: out, name: 'theirs' }), dir);
  return loadModel(dir);
}

async function trainOneEpoch(m: tfl.LayersModel): Promise<void> {
  m.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const x = tf.randomUniform([8, 16, 16, 1], 0, 1, 'float32', 3);
  const y = tf.tensor2d([1, 0, 1, 0, 1, 0, 1, 0], [8, 1]);
  await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
}

const snapshot = (m: tfl.LayersModel, layer: string) =>
  (m.getLayer(layer).getWeights()[0] as tf.Tensor).dataSync().slice();

describe('backboneWithHead: any layers model as a fine-tunable backbone with the study head', () => {
  it('cuts at a named layer, pools, adds a zero one-logit head; frozen, only the head learns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbone-'));
    try {
      const frozen = backboneWithHead(await someonesModel(dir), { cutAt: 'conv_b', freeze: true });
      expect(frozen.outputs[0]?.shape).toEqual([null, 1]);
      expect((frozen.predict(tf.ones([1, 16, 16, 1])) as tf.Tensor).dataSync()[0]).toBe(0);
      const before = snapshot(frozen, 'conv_a');
      await trainOneEpoch(frozen);
      expect(snapshot(frozen, 'conv_a')).toEqual(before);
      expect(Array.from(snapshot(frozen, 'fc')).some((v) => v !== 0)).toBe(true);
      const open = backboneWithHead(await loadModel(dir), { cutAt: 'conv_b' });
      const b2 = snapshot(open, 'conv_a');
      await trainOneEpoch(open);
      expect(snapshot(open, 'conv_a')).not.toEqual(b2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing layer or a cut of another rank with INVALID_OPTION', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbone-'));
    try {
      const m = await someonesModel(dir);
      expect(() => backboneWithHead(m, { cutAt: 'nope' })).toThrow(ZooError);
      expect(backboneWithHead(m).outputs[0]?.shape).toEqual([null, 1]); // default: last 4-D layer
      expect(backboneWithHead(m, { cutAt: 'gap', numClasses: 2 }).outputs[0]?.shape).toEqual([null, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
