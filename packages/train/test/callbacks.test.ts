import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
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
    expect(cb.seen.map((l) => l.epoch)).toEqual([0, 1, 2]);
  });

  it('checkpoints each callback’s state and restores it on resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-screen-cb-'));
    try {
      const opts = { learningRate: 0.1, workers: 1, progress: false as const, checkpointDir: dir };
      await fineTune(model(), data, { ...opts, epochs: 2, callbacks: [new Halver(99)] });
      const again = new Halver(3);
      const r = await fineTune(model(), data, { ...opts, epochs: 10, resume: true, callbacks: [again] });
      expect(r.resumedFromEpoch).toBe(2);
      // restored calls = 2, so the third call (epoch 2) stops the run
      expect(again.seen.map((l) => l.epoch)).toEqual([2]);
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
