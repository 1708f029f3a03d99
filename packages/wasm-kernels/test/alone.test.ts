// The package alone on a plain tfjs-backend-wasm (no tfjs-layers, no zoo): tf.grad through conv2d
// and depthwiseConv2d fails without it (tfjs issue 8474) and matches the cpu backend with it.
// This is the README's ten-line example.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { registerWasmKernels, WASM_KERNELS } from '../src/index.js';

const x = () => tf.randomUniform([2, 9, 9, 4], -1, 1, 'float32', 1);
const w = () => tf.randomUniform([3, 3, 4, 6], -1, 1, 'float32', 2);
const dw = () => tf.randomUniform([3, 3, 4, 2], -1, 1, 'float32', 3);
const loss = (...[a, b, c]: tf.Tensor[]) =>
  tf.add(
    tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
    tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'valid')),
  );
const grads = () =>
  tf.tidy(() =>
    tf
      .grads(loss)([x(), w(), dw()])
      .map((g) => g.dataSync() as Float32Array),
  );

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i] as number));
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return worst / scale;
}

describe('registerWasmKernels on a plain tfjs-backend-wasm', () => {
  it('has nothing registered at import, and tf.grad through the convs fails on wasm without it', async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(() => grads()).toThrow(/Conv2DBackpropFilter|DepthwiseConv2dNative|not registered/i);
  });

  it('makes dx, dW and the depthwise dW match the cpu backend (1e-5 relative), idempotently', async () => {
    await tf.setBackend('cpu');
    const cpu = grads();
    registerWasmKernels();
    registerWasmKernels();
    for (const k of WASM_KERNELS) expect(tf.getKernel(k, 'wasm')).toBeDefined();
    await tf.setBackend('wasm');
    const wasm = grads();
    expect(wasm).toHaveLength(3);
    for (const [i, g] of wasm.entries()) expect(maxRelDiff(cpu[i] as Float32Array, g)).toBeLessThan(1e-5);
  });
});
