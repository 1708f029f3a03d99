import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, getArch, loadModel, saveModel, selectBackend, ZooError } from '../src/index.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'op-screen-io-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  await selectBackend();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function expectBitExact(a: tf.Tensor, b: tf.Tensor): Promise<void> {
  expect(b.shape).toEqual(a.shape);
  const x = new Uint32Array((await a.data<'float32'>()).buffer.slice(0));
  const y = new Uint32Array((await b.data<'float32'>()).buffer.slice(0));
  expect(Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer))).toBe(0);
}

describe('tfjs layers-model save -> load', () => {
  it.each([
    ['efficientnet_b0', { inputShape: [64, 64, 1] as [number, number, number], numClasses: 2, seed: 7 }],
    [
      'resnet18',
      {
        inputShape: [64, 64, 3] as [number, number, number],
        numClasses: 1,
        classifierActivation: 'sigmoid' as const,
        headInit: 'random' as const,
        seed: 3,
      },
    ],
  ])(
    'round-trips %s bit-exactly (topology with custom layers, every weight, predictions)',
    async (arch, opts) => {
      const model = createModel(getArch(arch).name, opts);
      const dir = tmp();
      await saveModel(model, dir, { shardBytes: 1 << 20 });
      const shards = readdirSync(dir).filter((f) => f.endsWith('.bin'));
      expect(shards.length).toBeGreaterThan(1);
      const back = await loadModel(dir);
      expect(back.name).toBe(model.name);
      expect(back.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      expect(back.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
      for (const [i, w] of model.weights.entries()) await expectBitExact(w.read(), back.weights[i].read());
      const x = tf.randomNormal([2, ...opts.inputShape], 0, 1, 'float32', 11);
      const a = model.predict(x) as tf.Tensor;
      const b = back.predict(x) as tf.Tensor;
      await expectBitExact(a, b);
      tf.dispose([x, a, b]);
      model.dispose();
      back.dispose();
    },
  );

  it('keeps stochastic depth rates through serialisation', async () => {
    const model = createModel('efficientnet_b0', {
      inputShape: [32, 32, 3],
      stochasticDepth: 0.3,
      init: 'zeros',
    });
    const dir = tmp();
    await saveModel(model, dir);
    const back = await loadModel(dir);
    const rates = (m: typeof model) =>
      m.layers.filter((l) => l.getClassName() === 'OpScreenStochasticDepth').map((l) => l.getConfig().rate);
    expect(rates(back)).toEqual(rates(model));
    // torchvision: rate = p * blockIndex / 16; the last residual block of B0 is block 14 (block 15 changes width)
    expect(Math.max(...(rates(back) as number[]))).toBeCloseTo((0.3 * 14) / 16, 12);
    model.dispose();
    back.dispose();
  });

  it('refuses a directory without model.json with MODEL_FILES_INVALID', async () => {
    const dir = tmp();
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'MODEL_FILES_INVALID' });
  });

  it('refuses shards shorter than the manifest says', async () => {
    const model = createModel('resnet18', { inputShape: [32, 32, 3], init: 'zeros' });
    const dir = tmp();
    await saveModel(model, dir, { shardBytes: 1 << 30 });
    writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(16));
    const err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooError);
    expect((err as ZooError).code).toBe('MODEL_FILES_INVALID');
    model.dispose();
  });
});

describe('saveModel into an existing directory', () => {
  it('writes a fresh directory: no stale shard of the earlier save survives, and it loads', async () => {
    const dir = join(tmp(), 'model');
    const model = createModel('resnet18', { numClasses: 1, inputShape: [32, 32, 1], seed: 2 });
    await saveModel(model, dir, { shardBytes: 1 << 18 });
    const many = readdirSync(dir).filter((f) => f.endsWith('.bin')).length;
    expect(many).toBeGreaterThan(4);
    writeFileSync(join(dir, 'notes.txt'), 'a file of the old directory');
    await saveModel(model, dir, { shardBytes: 1 << 26 });
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(readdirSync(join(dir, '..')).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual(
      [],
    );
    const again = await loadModel(dir);
    await expectBitExact(model.weights[0]?.read() as tf.Tensor, again.weights[0]?.read() as tf.Tensor);
    model.dispose();
    again.dispose();
  });
});
