import { createModel, initBackend } from '@op-screen/efficientnet';
import { describe, expect, it } from 'vitest';
import { gradCam } from '../src/index.js';

describe("the facade's gradCam on the default backend", () => {
  it('works on wasm without a prior registerWasmKernels() (ResNet-18@32 and B0@64)', async () => {
    expect((await initBackend({ prefer: 'wasm' })).backend).toBe('wasm');
    for (const [arch, size] of [
      ['resnet18', 32],
      ['efficientnet_b0', 64],
    ] as const) {
      const model = createModel(arch, { inputShape: [size, size, 1], numClasses: 1, seed: 3 });
      const x = Float32Array.from({ length: size * size }, (_, i) => Math.sin(i / 9));
      const r = await gradCam(model, x, [size, size, 1], { minSize: 2 });
      expect(r.heatmap.length).toBe(r.height * r.width);
      expect(Number.isFinite(r.logit)).toBe(true);
      expect(Math.max(...r.heatmap)).toBeLessThanOrEqual(1);
    }
  }, 120_000);
});
