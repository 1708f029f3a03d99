import { availableParallelism } from 'node:os';
import { createModel, getArch } from '@op-screen/efficientnet';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { efficientnetEngine, resolveConfig, trainerWorkers } from '../src/index.js';

const values = (m: tfl.LayersModel) =>
  new Map(m.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

describe('efficientnetEngine.createModel', () => {
  it('builds the seeded zoo network with its one-logit head at exactly zero (p = 0.5 at the start)', async () => {
    const cfg = resolveConfig({ preset: 'tiny' });
    const model = (await efficientnetEngine.createModel(cfg, 7)) as tfl.LayersModel;
    // the zoo's random-head build with the same seed: only the head may differ
    const reference = createModel(getArch(cfg.arch).name, {
      inputShape: [cfg.inputSize, cfg.inputSize, cfg.channels],
      numClasses: 1,
      headInit: 'random',
      seed: 7,
    });
    const got = values(model);
    const ref = values(reference);
    const head = ['fc/kernel', 'fc/bias'];
    for (const name of head) {
      expect(got.get(name)?.length, name).toBeGreaterThan(0);
      expect(got.get(name)?.every((v) => v === 0)).toBe(true);
    }
    expect(ref.get('fc/kernel')?.some((v) => v !== 0)).toBe(true);
    expect(got.size).toBe(ref.size);
    for (const [name, v] of ref) if (!head.includes(name)) expect(got.get(name), name).toEqual(v);
    efficientnetEngine.dispose(model);
    reference.dispose();
  });
});

describe('trainerWorkers', () => {
  it("pins workers: 0 to one replica per core on wasm/cpu (the trainer's earlier default), whatever the trainer now picks", () => {
    const cfg = resolveConfig({ preset: 'tiny' });
    expect(cfg.workers).toBe(0);
    expect(trainerWorkers(cfg, 'wasm')).toBe(availableParallelism());
    expect(trainerWorkers(cfg, 'cpu')).toBe(availableParallelism());
    expect(trainerWorkers(cfg, 'tensorflow')).toBe(1);
    expect(trainerWorkers({ ...cfg, workers: 3 }, 'wasm')).toBe(3);
  });

  it('trains the quick preset on one replica whatever the core count (its numbers do not depend on the machine)', () => {
    const cfg = resolveConfig({ preset: 'quick' });
    expect(cfg.workers).toBe(1);
    for (const backend of ['wasm', 'cpu', 'tensorflow']) expect(trainerWorkers(cfg, backend)).toBe(1);
    expect(resolveConfig({ preset: 'quick', workers: 2 }).workers).toBe(2);
  });
});
