import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, gradCam, initBackend, ZooError } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('Grad-CAM', () => {
  it('on a linear conv -> pool -> dense model, the heat map is the normalised positive feature map', () => {
    const input = tfl.input({ shape: [6, 6, 1] });
    const conv = tfl.layers
      .conv2d({ filters: 1, kernelSize: 1, useBias: false, kernelInitializer: 'ones', name: 'feat' })
      .apply(input) as tfl.SymbolicTensor;
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(conv) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' })
      .apply(pooled) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const x = new Float32Array(36);
    x[7] = 4; // row 1, col 1
    x[20] = 2; // row 3, col 2
    x[30] = -1; // negative evidence is clipped by the ReLU
    const r = gradCam(model, x, [6, 6, 1], { layerName: 'feat' });
    expect([r.height, r.width]).toEqual([6, 6]);
    expect(r.heatmap[7]).toBeCloseTo(1, 6);
    expect(r.heatmap[20]).toBeCloseTo(0.5, 6);
    expect(r.heatmap[30]).toBe(0);
    expect(r.logit).toBeCloseTo(5 / 36, 6);
  });

  it('picks a graph cut of a zoo ResNet automatically and reproduces the model logit', () => {
    const model = createModel('resnet18', {
      inputShape: [32, 32, 1],
      numClasses: 1,
      headInit: 'random',
      seed: 2,
    });
    const x = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i / 7));
    const r = gradCam(model, x, [32, 32, 1], { minSize: 2 });
    const logit = tf.tidy(
      () => (model.predict(tf.tensor4d(x, [1, 32, 32, 1])) as tf.Tensor).dataSync()[0] as number,
    );
    expect(r.logit).toBeCloseTo(logit, 4);
    expect(r.height).toBeGreaterThanOrEqual(2);
    expect(Math.max(...r.heatmap)).toBeLessThanOrEqual(1);
    expect(Math.min(...r.heatmap)).toBeGreaterThanOrEqual(0);
    expect(() => gradCam(model, x, [32, 32, 1], { layerName: 'no-such-layer' })).toThrow(/not a 4-D layer/);
  });

  it('refuses a layer that a skip connection crosses, and an impossible minSize, with ZooError INVALID_OPTION', () => {
    const model = createModel('resnet18', {
      inputShape: [32, 32, 1],
      numClasses: 1,
      headInit: 'random',
      seed: 2,
    });
    const x = new Float32Array(32 * 32);
    // layer1.0.conv1's output is bypassed by the block's identity shortcut, so it does not cut the graph
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ZooError ? e.code : `not a ZooError: ${String(e)}`;
      }
      return 'no error';
    };
    expect(codeOf(() => gradCam(model, x, [32, 32, 1], { layerName: 'layer1.0.conv1' }))).toBe(
      'INVALID_OPTION',
    );
    expect(codeOf(() => gradCam(model, x, [32, 32, 1], { minSize: 1000 }))).toBe('INVALID_OPTION');
  });
});
