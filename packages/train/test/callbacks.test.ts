import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../src/checkpoint.js';
import {
  type EpochEndLogs,
  fineTune,
  type TrainBatch,
  type TrainCallback,
  TrainError,
} from '../src/index.js';

function model(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [2, 2, 1], name: 'flat' }),
      tfl.layers.dense({
        units: 1,
        name: 'head',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
      }),
    ],
  });
}
const batch: TrainBatch = {
  x: Float32Array.from([1, 0, 0, 1, 0, 1, 1, 0]),
  y: Float32Array.from([1, 0]),
  n: 2,
};
const data = { train: () => [batch], validation: () => [batch] };

/** Halves the learning rate every epoch and stops after `stopAt` epochs; its state is its call count. */
class Halver implements TrainCallback {
  readonly name = 'halver';
  calls = 0;
  seen: EpochEndLogs[] = [];
  constructor(private readonly stopAt: number) {}
  onEpochEnd(logs: EpochEndLogs) {
    this.calls++;
    this.seen.push(logs);
    return { learningRate: logs.learningRate / 2, stop: this.calls >= this.stopAt };
  }
  state() {
    return { calls: this.calls };
  }
  restore(s: unknown) {
    this.calls = (s as { calls: number }).calls;
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the callback list', () => {
  it('runs after the schedule, sets the next learning rate and stops the run', async () => {
    const cb = new Halver(3);
    const r = await fineTune(model(), data, {
      epochs: 10,
      learningRate: 0.1,
      workers: 1,
      progress: false,
      reduceLrOnPlateau: false,
      earlyStopping: false,
      callbacks: [cb],
    });
    expect(r.history.map((h) => h.learningRate)).toEqual([0.1, 0.05, 0.025]);
    expect(r.stoppedEarly).toBe(true);
    expect(cb.seen.map((l) => l.epoch)).toEqual([1, 2, 3]);
  });

  it('checkpoints each callback’s state and restores it on resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-screen-cb-'));
    try {
      const opts = { learningRate: 0.1, workers: 1, progress: false as const, checkpointDir: dir };
      await fineTune(model(), data, { ...opts, epochs: 2, callbacks: [new Halver(99)] });
      const again = new Halver(3);
      const r = await fineTune(model(), data, { ...opts, epochs: 10, resume: true, callbacks: [again] });
      expect(r.resumedFromEpoch).toBe(2);
      // restored calls = 2, so the third call (epoch 3) stops the run
      expect(again.seen.map((l) => l.epoch)).toEqual([3]);
      expect(r.history).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses two callbacks with one name', async () => {
    await expect(
      fineTune(model(), data, {
        epochs: 1,
        workers: 1,
        progress: false,
        callbacks: [new Halver(1), new Halver(1)],
      }),
    ).rejects.toBeInstanceOf(TrainError);
  });
});

describe('epoch numbering', () => {
  it('counts epochs from 1 in history, bestEpoch, callbacks and the log line alike', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const seen: number[] = [];
    let r: Awaited<ReturnType<typeof fineTune>>;
    try {
      r = await fineTune(model(), data, {
        epochs: 3,
        learningRate: 0.1,
        workers: 1,
        progress: true,
        earlyStopping: false,
        onEpoch: (e) => seen.push(e.epoch),
      });
    } finally {
      spy.mockRestore();
    }
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    const best = r.history.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    expect(r.bestEpoch).toBe(best.epoch);
    // the epoch-end line that says "epoch k/3" reports the record with epoch k
    for (const h of r.history) {
      const line = lines.find((l) => l.startsWith(`epoch ${h.epoch}/3 train_loss=`));
      expect(line, `epoch ${h.epoch}`).toContain(`val_loss=${h.valLoss.toFixed(4)}`);
    }
  });

  it('renumbers a checkpoint written when epochs counted from 0 as it resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-screen-epochs-'));
    try {
      const opts = { learningRate: 0.1, workers: 1, progress: false as const, checkpointDir: dir };
      const m = model();
      await fineTune(m, data, { ...opts, epochs: 2, earlyStopping: false });
      // rewrite last.ckpt as the previous release wrote it: no epochBase, epochs and bestEpoch from 0
      const file = join(dir, 'last.ckpt');
      type Meta = {
        epochBase?: number;
        bestEpoch: number;
        history: Array<{ epoch: number }>;
        weightNames: string[];
      };
      const ck = await readCheckpoint<Meta>(file);
      const { epochBase, ...legacy } = ck.meta;
      expect(epochBase).toBe(1);
      legacy.history = legacy.history.map((h) => ({ ...h, epoch: h.epoch - 1 }));
      legacy.bestEpoch -= 1;
      const names = legacy.weightNames;
      const shapes = m.weights.map((w) => w.shape as number[]);
      await writeCheckpoint(
        file,
        legacy,
        ['weights', 'adam.m', 'adam.v'].map((section) => ({
          section,
          names,
          shapes,
          data: ck.arrays.get(section) ?? [],
        })),
      );
      const r = await fineTune(model(), data, { ...opts, epochs: 3, resume: true, earlyStopping: false });
      expect(r.resumedFromEpoch).toBe(2);
      expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      expect(r.bestEpoch).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
