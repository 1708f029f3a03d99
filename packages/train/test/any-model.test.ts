import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fineTune, predictProbabilities, type TrainBatch } from '../src/index.js';

async function* each(list: TrainBatch[]): AsyncGenerator<TrainBatch> {
  yield* list;
}

// The engine is not tied to the zoo: a model built with tfjs-layers alone trains, resumes its
// schedule and predicts, on one replica and on two (the worker rebuilds it from JSON with no
// replicaModules, since it uses only built-in layers).
function handBuilt(seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.batchNormalization({}),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** A learnable task: label 1 images are brighter in their left half. */
function batch(n: number, seed: number) {
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n);
  let s = seed;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = rnd() + (p % 8 < 4 && y[i] === 1 ? 0.8 : 0);
  }
  return { x, y, n };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fineTune on a hand-built tfjs-layers model', () => {
  it('lowers the validation loss and predicts, with one and with two replicas', async () => {
    const train = [batch(16, 1), batch(16, 2), batch(16, 3), batch(16, 4)];
    const val = [batch(16, 9)];
    for (const workers of [1, 2]) {
      const model = handBuilt(3);
      const r = await fineTune(
        model,
        { train: () => each(train), validation: () => each(val) },
        { epochs: 6, learningRate: 1e-2, workers, progress: false, seed: 1 },
      );
      expect(r.history).toHaveLength(6);
      const first = r.history[0]?.valLoss as number;
      expect(r.bestValLoss).toBeLessThan(first);
      const p = await predictProbabilities(model, each(val), { workers });
      expect(p).toHaveLength(16);
      let pos = 0;
      let neg = 0;
      p.forEach((v, i) => {
        if (i % 2 === 1) pos += v;
        else neg += v;
      });
      expect(pos).toBeGreaterThan(neg);
      model.dispose();
    }
  });
});

describe('predictProbabilities', () => {
  it('takes batches without labels', async () => {
    await tf.setBackend('cpu');
    const model = handBuilt(5);
    const b = batch(8, 3);
    const p = await predictProbabilities(model, [{ x: b.x, n: b.n }], { workers: 1 });
    expect(p).toHaveLength(8);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    model.dispose();
  });
});
