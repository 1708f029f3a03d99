import '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, zooLayersModule } from '@op-screen/efficientnet';
import { clearDerivedFilters } from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../src/checkpoint.js';
import {
  balancedClassWeights,
  EarlyStopping,
  fineTune,
  predictProbabilities,
  ReduceLROnPlateau,
  TrainError,
} from '../src/index.js';
import { ReplicaPool, shardSizes } from '../src/pool.js';
import { createProgress } from '../src/progress.js';
import { headKind, perSampleLoss } from '../src/replica.js';
import { expectClose, makeImages, syntheticData, tinyEfficientNet } from './fixtures/train-helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const distEntry = join(here, '..', 'dist', 'index.js');
const zooModules = [zooLayersModule()];
const tmp = mkdtempSync(join(tmpdir(), 'op-screen-train-'));

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
}
function bitsEqual(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as Float32Array;
    return (
      x.length === y.length &&
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      )
    );
  });
}

describe('ReduceLROnPlateau (Keras semantics, mode min)', () => {
  it('halves the rate after 5 epochs without an improvement larger than minDelta, then counts again', () => {
    const s = new ReduceLROnPlateau({ factor: 0.5, patience: 5 });
    const losses = [
      1.0, 0.9, 0.8, 0.8, 0.85, 0.80005, 0.9, 0.81, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
    ];
    const lrs: number[] = [];
    let lr = 1e-4;
    for (const l of losses) {
      lr = s.step(l, lr);
      lrs.push(lr);
    }
    // best 0.8 at epoch 2; epochs 3..7 flat (0.80005 is within minDelta) -> reduce after epoch 7;
    // 0.7 at epoch 8 improves; 9..13 flat -> reduce after epoch 13; 14..18 flat -> after epoch 18.
    const changedAt = lrs.map((v, i) => (i > 0 && v !== lrs[i - 1] ? i : -1)).filter((i) => i >= 0);
    expect(changedAt).toEqual([7, 13, 18]);
    expect(lrs[18]).toBeCloseTo(1.25e-5, 12);
  });

  it('never goes below minLr and honours cooldown', () => {
    const s = new ReduceLROnPlateau({ factor: 0.1, patience: 1, minLr: 5e-6, cooldown: 2 });
    let lr = 1e-4;
    const lrs = [1, 1, 1, 1, 1, 1, 1].map((l) => (lr = s.step(l, lr)));
    // epoch 1 reduces; epoch 2 is cooldown; epoch 3 reduces again, clipped at minLr
    [1e-4, 1e-5, 1e-5, 5e-6, 5e-6, 5e-6, 5e-6].forEach((v, i) => {
      expect(lrs[i]).toBeCloseTo(v, 15);
    });
  });

  it('restores its counters from state()', () => {
    const a = new ReduceLROnPlateau({ factor: 0.5, patience: 2 });
    a.step(1, 1);
    a.step(1, 1);
    const b = new ReduceLROnPlateau({ factor: 0.5, patience: 2 });
    b.restore(a.state());
    expect(b.step(1, 1)).toBe(0.5);
  });
});

describe('EarlyStopping (Keras semantics, mode min)', () => {
  it('stops at the 10th epoch without improvement and remembers the best epoch', () => {
    const s = new EarlyStopping({ patience: 10 });
    const losses = [0.9, 0.7, 0.6, 0.65, 0.61, 0.6, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68, 0.5];
    const stopAt = losses.findIndex((l, e) => s.step(l, e));
    expect(stopAt).toBe(12);
    expect(s.state().bestEpoch).toBe(2);
  });

  it('resets its wait on any improvement', () => {
    const s = new EarlyStopping({ patience: 2 });
    expect([1, 1, 0.9, 1, 1].map((l, e) => s.step(l, e))).toEqual([false, false, false, false, true]);
  });
});

describe('binary loss', () => {
  it('is the stable cross-entropy from logits, finite at |z| = 100, equal to the 2-unit softmax form', () => {
    const z = [-100, -3, 0, 2.5, 100];
    const y = [1, 0, 1, 1, 0];
    const ref = z.map((v, i) => Math.max(v, 0) - v * (y[i] as number) + Math.log1p(Math.exp(-Math.abs(v))));
    const one = perSampleLoss(tf.tensor2d(z, [5, 1]), tf.tensor1d(y), {
      units: 1,
      probabilities: false,
    }).arraySync();
    const two = perSampleLoss(
      tf.tensor2d(
        z.flatMap((v) => [0, v]),
        [5, 2],
      ),
      tf.tensor1d(y),
      { units: 2, probabilities: false },
    ).arraySync();
    one.forEach((v, i) => {
      expect(v).toBeCloseTo(ref[i] as number, 4);
    });
    two.forEach((v, i) => {
      expect(v).toBeCloseTo(ref[i] as number, 4);
    });
  });

  it('refuses a head that is not binary', () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4] })] });
    expect(() => headKind(m)).toThrow(TrainError);
  });

  it('balancedClassWeights gives n / (2 n_c)', () => {
    expect(balancedClassWeights([0, 0, 0, 1])).toEqual([4 / 6, 2]);
  });
});

describe('worker pool', () => {
  it('splits batches into contiguous, balanced shards', () => {
    expect(shardSizes(16, 2)).toEqual([8, 8]);
    expect(shardSizes(7, 3)).toEqual([3, 2, 2]);
  });

  it('two replicas give the gradients of one replica (BatchNorm-free model) and the same probabilities', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 6,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'swish',
        }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 1 }),
      ],
    });
    const { x, y } = makeImages(10, 12, 3);
    const one = await ReplicaPool.create(model, 1);
    const two = await ReplicaPool.create(model, 2, { replicaModules: zooModules });
    try {
      const a = await one.step(x, y, 10, [1, 2], () => 1);
      const b = await two.step(x, y, 10, [1, 2], () => 1);
      expect(b.lossSum).toBeCloseTo(a.lossSum, 4);
      expectClose(a.grads, b.grads, 1e-5);
      const p1 = (await one.evaluate(x, undefined, 10)).probs;
      const p2 = (await two.evaluate(x, undefined, 10)).probs;
      p1.forEach((v, i) => {
        expect(p2[i]).toBeCloseTo(v, 6);
      });
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('micro-batching', () => {
  it('adds the gradients of micro-batches to those of the whole shard (BatchNorm-free model)', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [10, 10, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'valid',
          activation: 'relu',
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const { x, y } = makeImages(7, 10, 8);
    const pool = await ReplicaPool.create(model, 1);
    try {
      const whole = await pool.step(x, y, 7, [1, 1], () => 3);
      const split = await pool.step(x, y, 7, [1, 1], () => 3, 3);
      expect(split.lossSum).toBeCloseTo(whole.lossSum, 4);
      expectClose(whole.grads, split.grads, 1e-5);
    } finally {
      await pool.close();
    }
  });

  it('sizes auto micro-batches from the activation volume (B0@224 fits 4 per pass)', async () => {
    const { createModel } = await import('@op-screen/efficientnet');
    const { autoMicroBatch } = await import('../src/index.js');
    const m = createModel('efficientnet_b0', { numClasses: 1, init: 'zeros' });
    expect(autoMicroBatch(m)).toBe(4);
    m.dispose();
  });
});

describe('fineTune on wasm', () => {
  it('lowers the validation loss of a tiny EfficientNet on a learnable synthetic task (2 replicas)', async () => {
    const model = tinyEfficientNet(32, 3);
    const data = syntheticData({ train: 96, val: 48, size: 32, batch: 16, seed: 5 });
    const historyFile = join(tmp, 'history.jsonl');
    const r = await fineTune(model, data, {
      epochs: 8,
      learningRate: 3e-3,
      workers: 2,
      progress: false,
      historyFile,
      replicaModules: zooModules,
    });
    const first = r.history[0]?.valLoss as number;
    expect(r.bestValLoss).toBeLessThan(first * 0.6);
    // a 32x32 model's 8-image shard fits one plain pass: no recomputation
    expect(r.plan).toMatchObject({ replicas: 2, gradientCheckpointing: false });
    // the conv gradients' cached rearranged filters were freed when training ended
    expect(clearDerivedFilters(tf.backend() as never)).toBe(0);
    const lines = readFileSync(historyFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual(r.history.map((h) => h.epoch));
    // the model holds the best epoch's weights: its validation loss is the reported best
    const probs = await predictProbabilities(model, data.validation(), { workers: 1 });
    const { y } = makeImages(48, 32, 1005);
    let loss = 0;
    probs.forEach((p, i) => {
      const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
      loss -= (y[i] as number) ? Math.log(q) : Math.log(1 - q);
    });
    expect(loss / 48).toBeCloseTo(r.bestValLoss, 3);
  });

  it('keeps frozen layers (trainable = false) and their BatchNorm statistics unchanged', async () => {
    const model = tinyEfficientNet(32, 4);
    const frozen = model.layers.filter(
      (l) => l.name.startsWith('features.0') || l.name.startsWith('features.1'),
    );
    expect(frozen.length).toBeGreaterThan(0);
    for (const l of frozen) l.trainable = false;
    const before = frozen.flatMap((l) => l.weights.map((w) => (w.read().dataSync() as Float32Array).slice()));
    const data = syntheticData({ train: 32, val: 16, size: 32, batch: 16, seed: 6 });
    await fineTune(model, data, { epochs: 1, learningRate: 1e-2, workers: 1, progress: false });
    const after = frozen.flatMap((l) => l.weights.map((w) => (w.read().dataSync() as Float32Array).slice()));
    expect(bitsEqual(before, after)).toBe(true);
    const head = model.layers.find((l) => l.name === 'classifier.1');
    expect(head?.trainable).toBe(true);
  });

  it('resumes after a SIGKILL and ends with bitwise the weights of an uninterrupted run (gradient checkpointing, stochastic depth)', async () => {
    if (!existsSync(distEntry))
      throw new Error(`build the package first (npx tsup): ${distEntry} is missing`);
    const synth = { train: 64, val: 32, size: 32, batch: 16, seed: 9 };
    const trainOpts = {
      learningRate: 2e-3,
      reduceLrOnPlateau: { factor: 0.5, patience: 1 },
      warmupEpochs: 1,
      // the recomputing path, with stochastic depth (depth 0.5 has residual blocks) replayed
      gradientCheckpointing: true,
    };
    const epochs = 4;
    const modelDir = join(tmp, 'model');
    const init = tinyEfficientNet(32, 7, {}, 0.5);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'model.json'), JSON.stringify(init.toJSON(null, false)));
    const flat = weightsOf(init);
    writeFileSync(
      join(modelDir, 'weights.bin'),
      Buffer.concat(flat.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength))),
    );

    const load = async () => {
      const m = await tfl.models.modelFromJSON({
        modelTopology: JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')),
      } as never);
      m.setWeights(flat.map((w, i) => tf.tensor(w, m.weights[i]?.shape as number[])));
      return m;
    };
    const uninterrupted = await load();
    const full = await fineTune(uninterrupted, syntheticData(synth), {
      ...trainOpts,
      epochs,
      seed: 21,
      workers: 2,
      replicaModules: zooModules,
      checkpointDir: join(tmp, 'ck-full'),
      progress: false,
    });

    const ck = join(tmp, 'ck-killed');
    const child = spawnSync(
      process.execPath,
      [join(here, 'fixtures', 'train-child.mjs'), distEntry, modelDir, ck, String(epochs), '2', '2', '21'],
      {
        env: { ...process.env, SYNTH_OPTS: JSON.stringify(synth), TRAIN_OPTS: JSON.stringify(trainOpts) },
        encoding: 'utf8',
      },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('finished');
    expect((await readCheckpoint<{ nextEpoch: number }>(join(ck, 'last.ckpt'))).meta.nextEpoch).toBe(2);

    const resumed = await load();
    const rest = await fineTune(resumed, syntheticData(synth), {
      ...trainOpts,
      epochs,
      seed: 21,
      workers: 2,
      replicaModules: zooModules,
      checkpointDir: ck,
      resume: true,
      progress: false,
    });
    expect(rest.resumedFromEpoch).toBe(2);
    expect(rest.history).toHaveLength(epochs);
    expect(rest.history.map((h) => [h.loss, h.valLoss, h.learningRate])).toEqual(
      full.history.map((h) => [h.loss, h.valLoss, h.learningRate]),
    );
    expect(rest.bestEpoch).toBe(full.bestEpoch);
    expect(bitsEqual(weightsOf(resumed), weightsOf(uninterrupted))).toBe(true);
    // and the last checkpoints agree bit for bit too (weights and Adam moments)
    const a = await readCheckpoint(join(tmp, 'ck-full', 'last.ckpt'));
    const b = await readCheckpoint(join(ck, 'last.ckpt'));
    for (const s of ['weights', 'adam.m', 'adam.v'])
      expect(bitsEqual(a.arrays.get(s) ?? [], b.arrays.get(s) ?? [])).toBe(true);
  });
});

describe('progress output', () => {
  function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
    const s = {
      isTTY,
      text: '',
      columns: 120,
      write(chunk: string) {
        s.text += chunk;
        return true;
      },
      cursorTo() {
        return true;
      },
      clearLine() {
        return true;
      },
      moveCursor() {
        return true;
      },
      on() {
        return s;
      },
      removeListener() {
        return s;
      },
    };
    return s as unknown as NodeJS.WriteStream & { text: string };
  }

  it('prints one line per epoch when not on a TTY and nothing when disabled', () => {
    const log = fakeStream(false);
    const p = createProgress('auto', log);
    p.startEpoch(0, 3, undefined);
    p.update(16, 0.5, 2);
    p.endEpoch('epoch 1/3 train_loss=0.5');
    expect(log.text).toBe('epoch 1/3 train_loss=0.5\n');
    const quiet = fakeStream(false);
    const q = createProgress(false, quiet);
    q.startEpoch(0, 1, 1);
    q.endEpoch('x');
    expect(quiet.text).toBe('');
  });

  it('draws a bar with images/s and loss on a TTY', async () => {
    const tty = fakeStream(true);
    const p = createProgress('auto', tty);
    p.startEpoch(1, 3, 32);
    p.update(16, 0.25, 3.25);
    await new Promise((r) => setTimeout(r, 400)); // the bar redraws on a 100 ms timer
    expect(tty.text).toContain('epoch 2/3');
    expect(tty.text).toContain('3.25 img/s');
    expect(tty.text).toContain('loss 0.2500');
    p.endEpoch('done');
    expect(tty.text.endsWith('done\n')).toBe(true);
  });

  it('shows no total while the first epoch has not counted its images (no "8/9 img")', async () => {
    const tty = fakeStream(true);
    const p = createProgress('auto', tty);
    p.startEpoch(0, 3, undefined);
    p.update(8, 0.5, 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(tty.text).toContain('epoch 1/3 8 img');
    expect(tty.text).not.toMatch(/\d+\/\d+ img/);
    p.endEpoch('done');
    // the next epoch knows the count: value/total
    p.startEpoch(1, 3, 8);
    p.update(4, 0.5, 2);
    await new Promise((r) => setTimeout(r, 400));
    expect(tty.text).toContain('4/8 img');
    p.endEpoch('done');
  });
});

describe('checkpoint files', () => {
  it('round-trip arrays and Infinity, and refuse a flipped byte with CHECKPOINT_CORRUPT', async () => {
    const file = join(tmp, 'x.ckpt');
    const data = [new Float32Array([1, 2, 3]), new Float32Array([Math.PI])];
    await writeCheckpoint(file, { best: Number.POSITIVE_INFINITY }, [
      { section: 's', names: ['a', 'b'], shapes: [[3], [1]], data },
    ]);
    const r = await readCheckpoint<{ best: number }>(file);
    expect(r.meta.best).toBe(Number.POSITIVE_INFINITY);
    expect(bitsEqual(r.arrays.get('s') ?? [], data)).toBe(true);
    const buf = readFileSync(file);
    buf[buf.length - 2] = (buf[buf.length - 2] as number) ^ 0xff;
    writeFileSync(file, buf);
    await expect(readCheckpoint(file)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
  });
});
