import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, gradCam, initBackend, ZooError } from '../src/index.js';

// A file of its own: the wasm backend here has only tfjs-backend-wasm's own kernels, as a
// library user who never imported @op-screen/wasm-kernels has.
beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm' });
  expect(info.backend).toBe('wasm');
});

describe('Grad-CAM on the bare wasm backend', () => {
  it('refuses with KERNELS_MISSING naming registerWasmKernels, not a tfjs "not registered" error', async () => {
    const model = createModel('resnet18', { inputShape: [32, 32, 1], numClasses: 1, seed: 1 });
    const x = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.cos(i / 5));
    const err = await gradCam(model, x, [32, 32, 1], { minSize: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooError);
    expect((err as ZooError).code).toBe('KERNELS_MISSING');
    expect((err as ZooError).message).toMatch(/registerWasmKernels\(\) from @op-screen\/wasm-kernels/);
    expect((err as ZooError).message).toMatch(/Conv2DBackpropFilter/);
  });
});
