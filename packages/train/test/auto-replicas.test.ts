import { createModel, getArch, selectBackend } from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chooseReplicas,
  estimateMacsPerSample,
  fineTune,
  predictProbabilities,
  REPLICA_MIN_MACS_PER_SAMPLE,
} from '../src/index.js';

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

describe('chooseReplicas (the default replica count)', () => {
  it('gives one replica to small work per sample and one per core to large work', () => {
    const small = REPLICA_MIN_MACS_PER_SAMPLE / 3;
    const large = REPLICA_MIN_MACS_PER_SAMPLE * 4;
    expect(chooseReplicas({ macsPerSample: small, cores: 2, backend: 'wasm' })).toBe(1);
    expect(chooseReplicas({ macsPerSample: small, cores: 16, backend: 'cpu' })).toBe(1);
    expect(chooseReplicas({ macsPerSample: large, cores: 2, backend: 'wasm' })).toBe(2);
    expect(chooseReplicas({ macsPerSample: large, cores: 4, backend: 'cpu' })).toBe(4);
    // not more replicas than cores, and none on backends that already use every core
    expect(chooseReplicas({ macsPerSample: large, cores: 1, backend: 'wasm' })).toBe(1);
    expect(chooseReplicas({ macsPerSample: large, cores: 8, backend: 'tensorflow' })).toBe(1);
    expect(chooseReplicas({ macsPerSample: large, cores: 8, backend: 'webgpu' })).toBe(1);
    expect(chooseReplicas({ macsPerSample: Number.NaN, cores: 8, backend: 'wasm' })).toBe(1);
  });

  it("estimates a model's multiply-adds per sample like the published counts, scaling with input area", () => {
    const m = (arch: string, size: number) => {
      const model = createModel(getArch(arch).name, {
        inputShape: [size, size, 3],
        numClasses: 1,
        init: 'zeros',
      });
      const macs = estimateMacsPerSample(model);
      model.dispose();
      return macs;
    };
    // torchvision's GFLOPS (multiply-adds) for 224 px: ResNet-18 1.81, EfficientNet-B0 0.39
    expect(m('resnet18', 224) / 1e9).toBeCloseTo(1.81, 1);
    expect(m('efficientnet_b0', 224) / 1e9).toBeCloseTo(0.39, 1);
    const b0at64 = m('efficientnet_b0', 64);
    expect(b0at64).toBeLessThan(REPLICA_MIN_MACS_PER_SAMPLE);
    expect(m('efficientnet_b0', 224)).toBeGreaterThan(REPLICA_MIN_MACS_PER_SAMPLE);
    expect(m('resnet18', 32)).toBeLessThan(REPLICA_MIN_MACS_PER_SAMPLE);
  });

  it('defaults fineTune and predictProbabilities to one replica for EfficientNet-B0 at 64 px', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const model = createModel('efficientnet_b0', { inputShape: [64, 64, 3], numClasses: 1, seed: 1 });
    const n = 2;
    const x = Float32Array.from({ length: n * 64 * 64 * 3 }, (_, i) => Math.sin(i / 97));
    const batch = { x, y: Float32Array.from([0, 1]), n };
    const r = await fineTune(
      model,
      { train: () => [batch], validation: () => [batch] },
      { epochs: 1, progress: false },
    );
    expect(r.plan.replicas).toBe(1);
    // a worker replica would load this entry and fail; one replica never starts a worker
    const p = await predictProbabilities(model, [{ x, n }], { workerEntry: '/nonexistent/worker.js' });
    expect(p.length).toBe(n);
    model.dispose();
  }, 120_000);
});
