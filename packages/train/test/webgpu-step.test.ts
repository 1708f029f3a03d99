import { createModel, getArch, selectBackend } from '@op-screen/efficientnet';
import { ensureMesaForTests } from '@op-screen/webgpu-kernels';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingGraph, segmentedGradients } from '../src/graph.js';

// One full training step (loss and every gradient) of EfficientNet-B0 and ResNet-18 from the zoo on
// the webgpu backend against the cpu backend. It runs on whatever adapter prefer: 'webgpu' finds
// (Mesa llvmpipe here: the suite's globalSetup in webgpu-kernels documents the Debian packages).
// Sizes are the smallest at which BatchNorm's batch statistics stay well conditioned: at a 1x1
// final feature map with batch 2 every backend pair (cpu vs wasm too) disagrees by >1e-3.
const TOL = 1e-4;

interface Step {
  loss: number;
  grads: Float32Array[];
  names: string[];
}

async function trainingStep(backend: string, arch: string, size: number, batch: number): Promise<Step> {
  await tf.setBackend(backend);
  const model = createModel(getArch(arch).name, {
    inputShape: [size, size, 3],
    numClasses: 2,
    seed: 3,
    stochasticDepth: 0,
    dropout: 0,
  });
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const names = model.trainableWeights.map((w) => w.originalName);
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 7);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 2),
      'int32',
    ),
    2,
  );
  const { loss, grads } = segmentedGradients(
    buildTrainingGraph(model, 1),
    vars,
    x,
    // label smoothing keeps p - y away from 0 where a random head is confident: there the
    // loss gradient is a difference of nearly equal numbers (loss ~1e-3 gave 1e-4 disagreement)
    (out) => tf.losses.softmaxCrossEntropy(y, out, undefined, 0.2) as tf.Scalar,
    1,
  );
  const out: Step = { loss: (await loss.data())[0] as number, grads: [], names };
  for (const g of grads) out.grads.push(g ? ((await g.data()) as Float32Array) : new Float32Array(0));
  tf.dispose([loss, x, y, ...grads.filter((g): g is tf.Tensor => g !== undefined)]);
  model.dispose();
  return out;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Per tensor: max |cpu - webgpu| / max(max |cpu|, 1e-2 * G), G the largest gradient entry of the
 * model. The floor matters only for gradients that are zero in exact arithmetic (the beta of a
 * BatchNorm whose output feeds a convolution and another training-mode BatchNorm, which removes
 * any shift): there both backends return rounding noise of ~1e-9.
 */
function compare(a: Step, b: Step): { worst: number; at: string; global: number } {
  const G = Math.max(...a.grads.map(maxAbs));
  let worst = 0;
  let at = '';
  let diffAll = 0;
  for (let i = 0; i < a.grads.length; i++) {
    const ga = a.grads[i] as Float32Array;
    const gb = b.grads[i] as Float32Array;
    expect(gb.length).toBe(ga.length);
    let d = 0;
    for (let j = 0; j < ga.length; j++) d = Math.max(d, Math.abs((ga[j] as number) - (gb[j] as number)));
    if (Number.isNaN(d)) d = Number.POSITIVE_INFINITY;
    diffAll = Math.max(diffAll, d);
    const rel = d / Math.max(maxAbs(ga), 1e-2 * G);
    if (rel > worst) [worst, at] = [rel, a.names[i] as string];
  }
  return { worst, at, global: diffAll / G };
}

describe('webgpu backend', () => {
  // Mesa llvmpipe found or apt-installed, else this FAILS with the missing files and the command
  beforeAll(() => ensureMesaForTests(), 600_000);

  it("prefer: 'webgpu' selects it, software adapters included, and reports the adapter", async () => {
    const info = await selectBackend({ prefer: 'webgpu' });
    expect(info.backend).toBe('webgpu');
    expect(info.attempts).toEqual([{ backend: 'webgpu', ok: true, reason: 'selected' }]);
    expect(info.webgpu?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(typeof info.webgpu?.software).toBe('boolean');
    console.log(`webgpu adapter: ${JSON.stringify(info.webgpu)}`);
  });

  it.each([
    ['efficientnet_b0', 64, 2],
    ['resnet18', 48, 2],
  ] as const)(
    'one training step of %s at %i px, batch %i, equals the cpu backend within 1e-4',
    async (arch, size, batch) => {
      await selectBackend({ prefer: 'webgpu' });
      const gpu = await trainingStep('webgpu', arch, size, batch);
      const cpu = await trainingStep('cpu', arch, size, batch);
      expect(gpu.grads.length).toBe(cpu.grads.length);
      expect(Math.abs(gpu.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(TOL);
      const r = compare(cpu, gpu);
      console.log(
        `${arch}: loss ${cpu.loss} vs ${gpu.loss}; worst tensor ${r.worst.toExponential(2)} (${r.at}); over all gradients ${r.global.toExponential(2)}`,
      );
      expect(r.global).toBeLessThan(TOL);
      expect(r.worst, r.at).toBeLessThan(TOL);
    },
    900_000,
  );
});
