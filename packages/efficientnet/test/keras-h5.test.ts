import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countParameters, createModel, loadKerasH5Weights, selectBackend, ZooError } from '../src/index.js';

/**
 * Keras-applications EfficientNet-B0 weights as `model.save_weights('b0.h5')` lays them out:
 * layer groups named as keras/applications/efficientnet.py names them (stem_conv, block2a_expand_conv,
 * ..., top_bn, predictions), each with a `weight_names` attribute and datasets `<layer>/<layer>/<w>:0`.
 * Written here from Keras's DEFAULT_BLOCKS_ARGS table, independently of the loader's mapping.
 */
const BLOCKS = [
  // kernel, repeats, filters_in, filters_out, expand_ratio, strides
  [3, 1, 32, 16, 1, 1],
  [3, 2, 16, 24, 6, 2],
  [5, 2, 24, 40, 6, 2],
  [3, 3, 40, 80, 6, 2],
  [5, 3, 80, 112, 6, 1],
  [5, 4, 112, 192, 6, 2],
  [3, 1, 192, 320, 6, 1],
] as const;

type Spec = Array<[layer: string, weights: Array<[name: string, shape: number[]]>]>;

function kerasB0Spec(): Spec {
  const bn = (name: string, c: number): [string, Array<[string, number[]]>] => [
    name,
    ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => [`${name}/${w}:0`, [c]]),
  ];
  const conv = (
    name: string,
    k: number,
    i: number,
    o: number,
    bias = false,
  ): [string, Array<[string, number[]]>] => [
    name,
    [
      [`${name}/kernel:0`, [k, k, i, o]],
      ...(bias ? ([[`${name}/bias:0`, [o]]] as Array<[string, number[]]>) : []),
    ],
  ];
  const spec: Spec = [
    [
      'normalization',
      [
        ['normalization/mean:0', [3]],
        ['normalization/variance:0', [3]],
        ['normalization/count:0', []],
      ],
    ],
    conv('stem_conv', 3, 3, 32),
    bn('stem_bn', 32),
  ];
  BLOCKS.forEach(([k, repeats, fin, fout, expand], i) => {
    for (let j = 0; j < repeats; j++) {
      const p = `block${i + 1}${String.fromCharCode(97 + j)}_`;
      const cin = j === 0 ? fin : fout;
      const filters = cin * expand;
      if (expand !== 1) spec.push(conv(`${p}expand_conv`, 1, cin, filters), bn(`${p}expand_bn`, filters));
      spec.push(
        [`${p}dwconv`, [[`${p}dwconv/depthwise_kernel:0`, [k, k, filters, 1]]]],
        bn(`${p}bn`, filters),
      );
      const se = Math.max(1, Math.floor(cin * 0.25));
      spec.push(conv(`${p}se_reduce`, 1, filters, se, true), conv(`${p}se_expand`, 1, se, filters, true));
      spec.push(conv(`${p}project_conv`, 1, filters, fout), bn(`${p}project_bn`, fout));
    }
  });
  spec.push(conv('top_conv', 1, 320, 1280), bn('top_bn', 1280));
  spec.push([
    'predictions',
    [
      ['predictions/kernel:0', [1280, 1000]],
      ['predictions/bias:0', [1000]],
    ],
  ]);
  return spec;
}

function values(name: string, shape: number[], t: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  const variance = name.includes('variance');
  for (let i = 0; i < n; i++)
    v[i] = variance
      ? 0.5 + Math.abs(Math.sin(0.37 * i + 1.3 * t))
      : Math.sin(0.37 * i + 1.3 * t) * 0.1 + (t % 7) * 0.01;
  return v;
}

async function writeKerasH5(
  path: string,
  spec: Spec,
  mutate?: (name: string, shape: number[]) => number[],
): Promise<Map<string, Float32Array>> {
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  const written = new Map<string, Float32Array>();
  f.create_attribute(
    'layer_names',
    spec.map(([l]) => l),
  );
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('keras_version', '2.11.0');
  let t = 0;
  for (const [layer, weights] of spec) {
    const g = f.create_group(layer);
    g.create_attribute(
      'weight_names',
      weights.map(([w]) => w),
    );
    const inner = g.create_group(layer);
    for (const [w, shape0] of weights) {
      const shape = mutate ? mutate(w, shape0) : shape0;
      const data = values(w, shape, t++);
      inner.create_dataset({ name: w.slice(w.indexOf('/') + 1), data, shape, dtype: '<f4' });
      written.set(w, data);
    }
  }
  f.close();
  return written;
}

const dir = mkdtempSync(join(tmpdir(), 'op-screen-h5-'));
beforeAll(async () => {
  await selectBackend();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Keras applications .h5 loader (EfficientNet-B0 layout written by the test)', () => {
  it('has the Keras B0 parameter count: 5,288,548 trainable, 5,330,571 with BN statistics and Normalization', () => {
    const spec = kerasB0Spec();
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const all = spec.flatMap(([, w]) => w);
    const total = all.reduce((a, [, s]) => a + size(s), 0);
    const trainable = all
      .filter(([n]) => !/moving_|normalization/.test(n))
      .reduce((a, [, s]) => a + size(s), 0);
    expect(total).toBe(5330571);
    expect(trainable).toBe(5288548);
    const model = createModel('efficientnet_b0', { init: 'zeros' });
    expect(countParameters(model)).toBe(trainable);
    model.dispose();
  });

  it('puts every Keras weight into its torchvision-named layer, bit-exactly, skipping Normalization statistics', async () => {
    const file = join(dir, 'b0.h5');
    const written = await writeKerasH5(file, kerasB0Spec());
    const model = createModel('efficientnet_b0', { bnEpsilon: 1e-3, padding: 'tf', init: 'zeros' });
    const report = await loadKerasH5Weights(model, file);
    expect(report.ignored.sort()).toEqual([
      'normalization/count:0',
      'normalization/mean:0',
      'normalization/variance:0',
    ]);
    expect(report.loaded).toBe(model.weights.length);
    const pairs: Array<[string, string]> = [
      ['stem_conv/kernel:0', 'features.0.0/kernel'],
      ['stem_bn/moving_variance:0', 'features.0.1/moving_variance'],
      ['block1a_dwconv/depthwise_kernel:0', 'features.1.0.block.0.0/depthwise_kernel'],
      ['block1a_se_reduce/bias:0', 'features.1.0.block.1.fc1/bias'],
      ['block1a_project_bn/gamma:0', 'features.1.0.block.2.1/gamma'],
      ['block2a_expand_conv/kernel:0', 'features.2.0.block.0.0/kernel'],
      ['block2b_dwconv/depthwise_kernel:0', 'features.2.1.block.1.0/depthwise_kernel'],
      ['block6d_se_expand/kernel:0', 'features.6.3.block.2.fc2/kernel'],
      ['block7a_project_bn/beta:0', 'features.7.0.block.3.1/beta'],
      ['top_conv/kernel:0', 'features.8.0/kernel'],
      ['predictions/kernel:0', 'classifier.1/kernel'],
    ];
    const byName = new Map(model.weights.map((w) => [w.originalName, w]));
    for (const [keras, ours] of pairs) {
      const got = await (byName.get(ours) as (typeof model.weights)[number]).read().data();
      expect(
        Buffer.from(new Uint8Array(got.buffer)).equals(
          Buffer.from(new Uint8Array((written.get(keras) as Float32Array).buffer)),
        ),
        keras,
      ).toBe(true);
    }
    // all weights: the multiset of loaded values equals the file's (no weight dropped or duplicated)
    const sums = async () =>
      Promise.all(
        model.weights.map(async (w) =>
          (await w.read().data<'float32'>()).reduce((a: number, b: number) => a + b, 0),
        ),
      );
    const fileSums = [...written]
      .filter(([n]) => !n.startsWith('normalization'))
      .map(([, v]) => v.reduce((a, b) => a + b, 0));
    const modelSums = await sums();
    expect(modelSums.length).toBe(fileSums.length);
    const sortNum = (a: number[]) => [...a].sort((x, y) => x - y);
    // same float32 values summed in the same order in float64: exactly equal fingerprints
    expect(sortNum(modelSums)).toEqual(sortNum(fileSums));
    const y = model.predict(tf.ones([1, 224, 224, 3])) as tf.Tensor;
    expect(Number.isFinite((await tf.max(y).data())[0])).toBe(true);
    model.dispose();
  });

  it('names the first shape mismatch', async () => {
    const file = join(dir, 'b0-bad.h5');
    await writeKerasH5(file, kerasB0Spec(), (name, shape) =>
      name === 'block3a_dwconv/depthwise_kernel:0' ? [3, 3, 144, 1] : shape,
    );
    const model = createModel('efficientnet_b0', { bnEpsilon: 1e-3, padding: 'tf', init: 'zeros' });
    const err = await loadKerasH5Weights(model, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooError);
    expect((err as ZooError).code).toBe('WEIGHT_SHAPE_MISMATCH');
    expect((err as ZooError).message).toContain(
      "'block3a_dwconv/depthwise_kernel:0' has shape [3, 3, 144, 1]",
    );
    expect((err as ZooError).message).toContain('[5, 5, 144, 1]');
    model.dispose();
  });

  it('keeps a fresh binary head when the file has the 1000-class one', async () => {
    const file = join(dir, 'b0.h5');
    const model = createModel('efficientnet_b0', {
      numClasses: 1,
      bnEpsilon: 1e-3,
      padding: 'tf',
      init: 'zeros',
    });
    const report = await loadKerasH5Weights(model, file);
    expect(report.skipped).toEqual(['classifier.1/kernel', 'classifier.1/bias']);
    model.dispose();
  });
});
