import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as effnet from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { formulaStateDict, zooReference } from '../../efficientnet/test/helpers/formula.js';
import { readPhoto } from '../src/classify.js';

// zoo classify with a torchvision file: no real torchvision checkpoint is reachable here, so this
// checks the path (safetensors -> loader -> mean/std preprocessing -> top-5) on the formula weights
// of ../shared's zoo reference, against the same steps done in-process, and the typed refusal of
// caffe preprocessing for torchvision weights.

describe('op-screen zoo classify with a torchvision .safetensors', () => {
  it("equals the library's steps on a PNG (resnet50, formula weights), and refuses caffe preprocessing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'classify-tv-'));
    const weights = join(dir, 'resnet50.safetensors');
    writeFileSync(
      weights,
      effnet.writeSafetensors(formulaStateDict(zooReference().models.resnet50?.stateDict ?? [])),
    );
    // a 300x240 RGB gradient photo
    const [w, h] = [300, 240];
    const rgb = new Uint8Array(w * h * 3).map(
      (_, i) => ((i % 3) * 80 + Math.floor(i / 3 / w) + (Math.floor(i / 3) % w)) % 256,
    );
    const photo = join(dir, 'photo.png');
    writeFileSync(photo, encode({ width: w, height: h, data: rgb, channels: 3, depth: 8 }));
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const out = JSON.parse(
      execFileSync(
        process.execPath,
        [cli, 'zoo', 'classify', '--weights', weights, '--arch', 'resnet50', '--image', photo, '--json'],
        {
          encoding: 'utf8',
          env: { ...process.env, OP_SCREEN_BACKEND: 'wasm' },
        },
      ),
    ) as { weights: string; top5: Array<{ class: number; probability: number }> };
    expect(out.weights).toBe('IMAGENET1K_V1');
    await effnet.initBackend({ prefer: 'wasm' });
    const model = effnet.createModel('resnet50', { init: 'zeros' });
    effnet.loadTorchvisionWeights(model, weights, { head: 'load' });
    const source = effnet.getArch('resnet50').weights[0] as effnet.WeightSource;
    const x = effnet.imagenetInput(await readPhoto(photo), source.preprocessing);
    const logits = (model.predict(tf.tensor4d(x, [1, 224, 224, 3])) as tf.Tensor).dataSync() as Float32Array;
    const want = effnet.top5(logits);
    expect(out.top5.map((c) => c.class)).toEqual(want.map((c) => c.class));
    for (const [i, c] of out.top5.entries())
      expect(c.probability).toBeCloseTo(want[i]?.probability as number, 5);
    let err = '';
    try {
      execFileSync(
        process.execPath,
        [
          cli,
          'zoo',
          'classify',
          '--weights',
          weights,
          '--arch',
          'resnet50',
          '--image',
          photo,
          '--preprocessing',
          'caffe',
        ],
        {
          stdio: 'pipe',
        },
      );
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err).toMatch(/PREPROCESSING_MISMATCH/);
  }, 180_000);
});
