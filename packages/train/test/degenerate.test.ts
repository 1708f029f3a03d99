// Degenerate inputs and tensor lifetimes (issue 18 items 1 and 2): an all-zero batch keeps
// EfficientNet finite on cpu and wasm, a non-finite gradient stops the run with a typed error and
// leaves the last checkpoint, and fineTune / predictProbabilities / gradCam / loadModel give back
// every tensor they make.
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradCam, loadModel, saveModel, selectBackend } from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fineTune, predictProbabilities, TrainError } from '../src/index.js';
import { ReplicaPool } from '../src/pool.js';
import { syntheticData, tinyEfficientNet } from './fixtures/train-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'op-screen-degenerate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIZE = 32;
const PER = SIZE * SIZE;

/** Batches of all-zero single-channel crops with mixed labels. */
function zeroData(batches: number, n: number) {
  const make = () =>
    Array.from({ length: batches }, () => ({
      x: new Float32Array(n * PER),
      y: Float32Array.from({ length: n }, (_, i) => i % 2),
      n,
    }));
  return { train: () => make(), validation: () => make() };
}

const greyModel = (seed = 1) => tinyEfficientNet(SIZE, seed, { inputShape: [SIZE, SIZE, 1] });

function nonFinite(model: { weights: Array<{ read(): tf.Tensor }> }): number {
  let bad = 0;
  for (const w of model.weights) for (const v of w.read().dataSync()) if (!Number.isFinite(v)) bad++;
  return bad;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`an all-zero batch on ${backend}`, () => {
    it('trains EfficientNet to finite weights and a finite validation loss', async () => {
      await selectBackend({ prefer: backend });
      expect(tf.getBackend()).toBe(backend);
      const model = greyModel();
      const r = await fineTune(model, zeroData(2, 4), {
        epochs: 2,
        batchSize: 4,
        learningRate: 1e-2,
        workers: 1,
        progress: false,
      });
      expect(r.history.length).toBe(2);
      for (const h of r.history) {
        expect(Number.isFinite(h.loss)).toBe(true);
        expect(Number.isFinite(h.valLoss)).toBe(true);
      }
      expect(nonFinite(model)).toBe(0);
      model.dispose();
    });
  });
}

describe('the non-finite gradient guard', () => {
  it('stops with NON_FINITE_GRADIENT naming epoch and step, and keeps the last good checkpoint', async () => {
    await selectBackend({ prefer: 'cpu' });
    const model = tinyEfficientNet(SIZE, 2);
    const dir = join(tmp, 'guard');
    const data = syntheticData({ train: 8, val: 4, size: SIZE, batch: 4, seed: 3 });
    const opts = { epochs: 1, batchSize: 4, learningRate: 1e-3, workers: 1, progress: false as const };
    await fineTune(model, data, { ...opts, checkpointDir: dir });
    const good = readFileSync(join(dir, 'last.ckpt'));
    const original = ReplicaPool.prototype.step;
    let calls = 0;
    const spy = vi.spyOn(ReplicaPool.prototype, 'step').mockImplementation(async function (
      this: ReplicaPool,
      ...args: Parameters<ReplicaPool['step']>
    ) {
      const r = await original.apply(this, args);
      // the second step of the resumed epoch gets one NaN in its summed gradients
      if (++calls === 2) (r.grads[3] as Float32Array)[0] = Number.NaN;
      return r;
    });
    try {
      const err = await fineTune(model, data, { ...opts, epochs: 2, checkpointDir: dir, resume: true }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TrainError);
      expect((err as TrainError).code).toBe('NON_FINITE_GRADIENT');
      expect((err as TrainError).message).toMatch(/at epoch 2, step 3/);
      expect(readFileSync(join(dir, 'last.ckpt')).equals(good)).toBe(true);
      expect(nonFinite(model)).toBe(0);
    } finally {
      spy.mockRestore();
      model.dispose();
    }
  });
});

describe('tensor lifetimes', () => {
  /** numTensors after a warm-up call and a measured call of `run` (each on a fresh model). */
  async function leakOf(run: () => Promise<void>): Promise<number> {
    await run();
    const start = tf.memory().numTensors;
    await run();
    return tf.memory().numTensors - start;
  }

  it('fineTune gives back every tensor once the model is disposed (wasm, workers: 1)', async () => {
    await selectBackend({ prefer: 'wasm' });
    const data = syntheticData({ train: 8, val: 4, size: SIZE, batch: 4, seed: 5 });
    const leak = await leakOf(async () => {
      const model = tinyEfficientNet(SIZE, 3);
      await fineTune(model, data, { epochs: 1, batchSize: 4, workers: 1, progress: false });
      model.dispose();
    });
    expect(leak).toBe(0);
  });

  it('predictProbabilities, gradCam and loadModel give back every tensor', async () => {
    await selectBackend({ prefer: 'wasm' });
    const data = syntheticData({ train: 4, val: 4, size: SIZE, batch: 4, seed: 7 });
    const saved = tinyEfficientNet(SIZE, 4);
    const dir = join(tmp, 'saved');
    await saveModel(saved, dir);
    saved.dispose();
    const predictLeak = await leakOf(async () => {
      const model = tinyEfficientNet(SIZE, 5);
      await predictProbabilities(model, data.validation(), { workers: 1 });
      model.dispose();
    });
    const image = new Float32Array(SIZE * SIZE * 3).map((_, i) => (i % 17) / 17);
    const camLeak = await leakOf(async () => {
      const model = tinyEfficientNet(SIZE, 6);
      gradCam(model, image, [SIZE, SIZE, 3], { minSize: 2 });
      model.dispose();
    });
    const loadLeak = await leakOf(async () => {
      const model = await loadModel(dir);
      model.dispose();
    });
    expect({ predictLeak, camLeak, loadLeak }).toEqual({ predictLeak: 0, camLeak: 0, loadLeak: 0 });
  });
});
