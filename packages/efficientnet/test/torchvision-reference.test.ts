import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countParameters,
  createModel,
  foldBatchNorm,
  getArch,
  loadTorchvisionWeights,
  nchwToNhwc,
  selectBackend,
} from '../src/index.js';
import { formulaInputNCHW, formulaStateDict, relError, zooReference } from './helpers/formula.js';

// Tolerance: torchvision's float64 forward is the exact answer; float32 code lands within ~1e-6
// (torch's own float32 run: torchFloat32RelError). 1e-4 relative leaves room for a different
// summation order in wasm's XNNPACK kernels while still catching any layout, padding or eps error
// (a wrong eps alone moves logits by ~1e-3 relative; a wrong padding by > 1e-1).
const TOLERANCE = 1e-4;
const ref = zooReference();

beforeAll(async () => {
  await selectBackend();
});

describe.each(Object.keys(ref.models))('torchvision %s under formula weights', (arch) => {
  const m = ref.models[arch];
  it(`matches torchvision's logits within ${TOLERANCE} relative at ${m.inputSize}px and has its parameter count`, async () => {
    const model = createModel(getArch(arch).name, { init: 'zeros' });
    expect(countParameters(model)).toBe(m.parameters);
    const report = loadTorchvisionWeights(model, formulaStateDict(m.stateDict));
    expect(report.loaded).toBe(m.stateDict.length);
    expect(report.skipped).toEqual([]);
    const x = nchwToNhwc(formulaInputNCHW(m.inputSize), [2, 3, m.inputSize, m.inputSize]);
    const y = tf.tidy(() => model.predict(tf.tensor4d(x, [2, m.inputSize, m.inputSize, 3])) as tf.Tensor);
    const got = await y.data();
    y.dispose();
    const want = m.logits.flat();
    const err = relError(got, want);
    expect(err).toBeLessThan(TOLERANCE);
    const argmax = [0, 1].map((r) => {
      const row = Array.from(got.subarray(r * 1000, (r + 1) * 1000));
      return row.indexOf(Math.max(...row));
    });
    expect(argmax).toEqual(m.argmax);

    // the BatchNorm-folded inference graph computes the same function
    const folded = await foldBatchNorm(model, arch);
    expect(folded.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    const yf = tf.tidy(() => folded.predict(tf.tensor4d(x, [2, m.inputSize, m.inputSize, 3])) as tf.Tensor);
    expect(relError(await yf.data(), want)).toBeLessThan(TOLERANCE);
    yf.dispose();
    folded.dispose();
    model.dispose();
  });
});
