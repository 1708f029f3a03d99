import { createModel, initBackend, registerWasmGradientKernels } from '@op-screen/efficientnet';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gradCam } from '../src/gradcam.js';

it('gc', async () => {
  await initBackend({ prefer: 'wasm' });
  registerWasmGradientKernels();
  const m = createModel('efficientnet_b0', { inputShape: [64, 64, 1], numClasses: 1 });
  const t = Date.now();
  const r = gradCam(
    m as never,
    new Float32Array(64 * 64).map((_, i) => Math.sin(i)),
    [64, 64, 1],
  );
  console.log(r.layerName, r.height, r.width, r.logit, Date.now() - t, Math.max(...r.heatmap));
  const p = (
    m.predict(
      tf.tensor4d(
        new Float32Array(64 * 64).map((_, i) => Math.sin(i)),
        [1, 64, 64, 1],
      ),
    ) as tf.Tensor
  ).dataSync()[0];
  expect(p).toBeCloseTo(r.logit, 4);
});
