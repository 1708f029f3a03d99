import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countParameters,
  createModel,
  freezeStages,
  listStages,
  loadTorchvisionWeights,
  makeDivisible,
  StochasticDepth,
  selectBackend,
  setStagesTrainable,
  torchvisionMapping,
  ZooError,
} from '../src/index.js';
import { formulaStateDict, relError, zooReference } from './helpers/formula.js';

const ref = zooReference();

beforeAll(async () => {
  await selectBackend();
});

describe('architecture options', () => {
  it('refuses channels that conflict with inputShape instead of silently taking inputShape', () => {
    expect(() => createModel('resnet18', { channels: 1, inputShape: [64, 64, 3] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(
      createModel('resnet18', { channels: 3, inputShape: [64, 64, 3], numClasses: 1 }).inputs[0]?.shape,
    ).toEqual([null, 64, 64, 3]);
  });

  it('rounds channels like torchvision _make_divisible', () => {
    expect([
      makeDivisible(32 * 1.4),
      makeDivisible(24 * 1.4),
      makeDivisible(112 * 1.8),
      makeDivisible(10),
    ]).toEqual([48, 32, 200, 16]);
  });

  it('ARCH_NAMES, the ArchName union, lists exactly the registry, in order', async () => {
    const { ARCH_NAMES, ZOO, isArchName } = await import('../src/index.js');
    expect([...ARCH_NAMES]).toEqual(Object.keys(ZOO));
    expect(isArchName('resnet50')).toBe(true);
    expect(isArchName('resnet5')).toBe(false);
  });

  it('refuses unknown architectures and bad options with typed codes', () => {
    // @ts-expect-error a name outside the zoo is a type error, and a runtime UNKNOWN_ARCH for JS callers
    expect(() => createModel('efficientnet_b9')).toThrow(expect.objectContaining({ code: 'UNKNOWN_ARCH' }));
    expect(() => createModel('resnet18', { channels: 2 as 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => createModel('resnet18', { dropout: 1 })).toThrow(ZooError);
    expect(() => createModel('resnet18', { numClasses: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('without top returns pooled features or the feature map', () => {
    const avg = createModel('efficientnet_b0', { includeTop: false, inputShape: [64, 64, 3], init: 'zeros' });
    expect(avg.outputs[0]?.shape).toEqual([null, 1280]);
    const map = createModel('resnet18', {
      includeTop: false,
      pooling: null,
      inputShape: [64, 64, 3],
      init: 'zeros',
    });
    expect(map.outputs[0]?.shape).toEqual([null, 2, 2, 512]);
    expect(torchvisionMapping(map).some((r) => r.head)).toBe(false);
    avg.dispose();
    map.dispose();
  });

  it('a binary head changes only the classifier parameters and is left as built by the loader', () => {
    const m = ref.models.resnet50;
    const model = createModel('resnet50', { numClasses: 1, inputShape: [64, 64, 3], init: 'zeros' });
    expect(countParameters(model)).toBe(m.parameters - 2048 * 1000 - 1000 + 2048 + 1);
    const report = loadTorchvisionWeights(model, formulaStateDict(m.stateDict));
    expect(report.skipped).toEqual(['fc/kernel', 'fc/bias']);
    expect(() => loadTorchvisionWeights(model, formulaStateDict(m.stateDict), { head: 'load' })).toThrow(
      expect.objectContaining({ code: 'WEIGHT_SHAPE_MISMATCH' }),
    );
    model.dispose();
  });

  it("headInit 'zeros' starts the classifier at exactly zero and leaves every other weight as the 'random' build", () => {
    const opts = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 1, seed: 5 };
    const plain = createModel('efficientnet_b0', { ...opts, headInit: 'random' });
    const dflt = createModel('efficientnet_b0', { ...opts, headInit: 'default' });
    const zero = createModel('efficientnet_b0', { ...opts, headInit: 'zeros' });
    const values = (m: tfl.LayersModel) =>
      new Map(m.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    const [p, d, z] = [values(plain), values(dflt), values(zero)];
    const head = ['classifier.1/kernel', 'classifier.1/bias'];
    // 'default' (the old name) is the 'random' build, and its kernel is the seeded uniform one
    expect(d).toEqual(p);
    const kernel = p.get('classifier.1/kernel') ?? [];
    expect(kernel.length).toBe(1280);
    expect(kernel.some((v) => v !== 0)).toBe(true);
    for (const name of head) expect(z.get(name)?.every((v) => v === 0)).toBe(true);
    // the backbone (and its seeds) is untouched: every non-head weight is bit-identical
    expect(z.size).toBe(p.size);
    for (const [name, v] of p) if (!head.includes(name)) expect(z.get(name), name).toEqual(v);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
    expect(Array.from((zero.predict(x) as tf.Tensor).dataSync())).toEqual([0, 0]);
    x.dispose();
    expect(() => createModel('efficientnet_b0', { ...opts, headInit: 'ones' as 'zeros' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    for (const m of [plain, dflt, zero]) m.dispose();
  });

  it('defaults a one-logit head to zeros (first loss ln 2), any other head to the random init', () => {
    const opts = { inputShape: [64, 64, 3] as [number, number, number], seed: 3 };
    const x = tf.randomNormal([8, 64, 64, 3], 0, 1, 'float32', 4);
    const y = tf.tensor2d([0, 1, 0, 1, 1, 0, 1, 0], [8, 1]);
    // training-mode logits (BatchNorm on batch statistics), as the first epoch of fineTune sees them
    const firstLoss = (m: tfl.LayersModel) =>
      tf.tidy(() => {
        const logits = m.apply(x, { training: true }) as tf.Tensor;
        const sd = tf.sqrt(tf.moments(logits).variance).dataSync()[0] as number;
        const loss = tf.losses.sigmoidCrossEntropy(y, logits).dataSync()[0] as number;
        return { sd, loss };
      });
    for (const arch of ['efficientnet_b0', 'resnet18'] as const) {
      const calm = createModel(arch, { ...opts, numClasses: 1 });
      const wild = createModel(arch, { ...opts, numClasses: 1, headInit: 'random' });
      const c = firstLoss(calm);
      const w = firstLoss(wild);
      expect(c.sd, arch).toBe(0);
      expect(c.loss, arch).toBeCloseTo(Math.log(2), 6);
      // the random head this default replaces: logits spread by whole units, a loss far above ln 2
      expect(w.sd, arch).toBeGreaterThan(1);
      expect(w.loss, arch).toBeGreaterThan(1);
      for (const m of [calm, wild]) m.dispose();
    }
    // a 2-unit or ImageNet head keeps the random init
    const two = createModel('resnet18', { ...opts, numClasses: 2 });
    expect(Array.from(two.getLayer('fc').getWeights()[0]?.dataSync() ?? []).some((v) => v !== 0)).toBe(true);
    two.dispose();
    x.dispose();
    y.dispose();
  });

  it('names the first shape mismatch and a missing tensor', () => {
    const m = ref.models.efficientnet_b0;
    const sd = formulaStateDict(m.stateDict);
    const bad = new Map(sd);
    bad.set('features.3.1.block.1.0.weight', { shape: [240, 1, 3, 3], data: new Float32Array(240 * 9) });
    const model = createModel('efficientnet_b0', { inputShape: [64, 64, 3], init: 'zeros' });
    expect(() => loadTorchvisionWeights(model, bad)).toThrow(
      /tensor 'features\.3\.1\.block\.1\.0\.weight' has shape \[240, 1, 3, 3\] but efficientnet_b0 needs \[240, 1, 5, 5\]/,
    );
    const missing = new Map(sd);
    missing.delete('features.5.2.block.3.1.running_var');
    expect(() => loadTorchvisionWeights(model, missing)).toThrow(
      expect.objectContaining({ code: 'WEIGHT_MISSING' }),
    );
    const extra = new Map(sd);
    extra.set('features.9.weight', { shape: [1], data: new Float32Array(1) });
    expect(() => loadTorchvisionWeights(model, extra)).toThrow(
      expect.objectContaining({ code: 'WEIGHT_UNEXPECTED' }),
    );
    expect(loadTorchvisionWeights(model, extra, { strict: false }).ignored).toContain('features.9.weight');
    model.dispose();
  });

  it('a 1-channel model with summed stem weights equals the RGB model fed the gray image replicated', async () => {
    const m = ref.models.efficientnet_b0;
    const sd = formulaStateDict(m.stateDict);
    const rgb = createModel('efficientnet_b0', { inputShape: [64, 64, 3], init: 'zeros' });
    const gray = createModel('efficientnet_b0', { channels: 1, inputShape: [64, 64, 1], init: 'zeros' });
    loadTorchvisionWeights(rgb, sd);
    loadTorchvisionWeights(gray, sd);
    const g = tf.randomUniform([2, 64, 64, 1], -1, 1, 'float32', 5);
    const a = rgb.predict(tf.concat([g, g, g], 3)) as tf.Tensor;
    const b = gray.predict(g) as tf.Tensor;
    // same function up to float32 summation order in the stem
    expect(relError(await b.data(), await a.data())).toBeLessThan(1e-5);
    rgb.dispose();
    gray.dispose();
  });

  it("'torch' padding pads stride-2 convs symmetrically; 'tf' uses TensorFlow same padding", async () => {
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 9);
    const out = async (padding: 'torch' | 'tf') => {
      const model = createModel('resnet18', {
        padding,
        inputShape: [32, 32, 3],
        seed: 4,
        includeTop: false,
        pooling: null,
      });
      const w = model.getLayer('conv1').getWeights()[0] as tf.Tensor4D;
      const stem = tfl.model({
        inputs: model.inputs,
        outputs: model.getLayer('conv1').output as tfl.SymbolicTensor,
      });
      const got = stem.predict(x) as tf.Tensor;
      const want =
        padding === 'torch'
          ? tf.conv2d(
              tf.pad(x as tf.Tensor4D, [
                [0, 0],
                [3, 3],
                [3, 3],
                [0, 0],
              ]),
              w,
              2,
              'valid',
            )
          : tf.conv2d(x as tf.Tensor4D, w, 2, 'same');
      const err = relError(await got.data(), await want.data());
      model.dispose();
      return err;
    };
    expect(await out('torch')).toBeLessThan(1e-6);
    expect(await out('tf')).toBeLessThan(1e-6);
  });
});

describe('training-only regularisation', () => {
  it('stochastic depth is the identity in inference and drops whole samples in training', async () => {
    const layer = new StochasticDepth({ rate: 0.5, seed: 1 });
    const x = tf.ones([400, 2, 2, 3]);
    const inf = layer.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(await inf.data()).every((v) => v === 1)).toBe(true);
    const tr = layer.apply(x, { training: true }) as tf.Tensor;
    const rows = (await tf.reshape(tr, [400, 12]).array()) as number[][];
    for (const r of rows) expect(r.every((v) => v === r[0]) && (r[0] === 0 || r[0] === 2)).toBe(true);
    const kept = rows.filter((r) => r[0] === 2).length;
    expect(kept).toBeGreaterThan(140);
    expect(kept).toBeLessThan(260);
  });

  it('model.predict is deterministic (dropout and stochastic depth off)', async () => {
    const model = createModel('efficientnet_b0', {
      inputShape: [32, 32, 3],
      dropout: 0.5,
      stochasticDepth: 0.5,
      seed: 2,
    });
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3);
    const a = await (model.predict(x) as tf.Tensor).data();
    const b = await (model.predict(x) as tf.Tensor).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(model.layers.some((l) => l instanceof tfl.layers.Layer && l.getClassName() === 'Dropout')).toBe(
      true,
    );
    model.dispose();
  });
});

describe('freezing by stage', () => {
  it('lists stages in forward order and freezes up to one of them', () => {
    const model = createModel('efficientnet_b0', { inputShape: [32, 32, 3], init: 'zeros' });
    expect(listStages(model)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `features.${i}`),
      'classifier',
    ]);
    const total = model.trainableWeights.length;
    const frozen = freezeStages(model, 'features.5');
    expect(frozen).toEqual([
      'features.0',
      'features.1',
      'features.2',
      'features.3',
      'features.4',
      'features.5',
    ]);
    const names = model.trainableWeights.map((w) => w.originalName);
    expect(names.some((n) => n.startsWith('features.5.'))).toBe(false);
    expect(names.some((n) => n.startsWith('features.6.'))).toBe(true);
    expect(names).toContain('classifier.1/kernel');
    freezeStages(model, null);
    expect(model.trainableWeights.length).toBe(total);
    setStagesTrainable(model, ['classifier'], false);
    expect(model.trainableWeights.map((w) => w.originalName)).not.toContain('classifier.1/kernel');
    expect(() => freezeStages(model, 'layer9')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    model.dispose();
  });

  it('names ResNet stages stem, layer1..layer4, fc', () => {
    const model = createModel('resnet18', { inputShape: [32, 32, 3], init: 'zeros' });
    expect(listStages(model)).toEqual(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'fc']);
    model.dispose();
  });
});
