import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelOptions } from './arch/options.js';
import { ZooError } from './errors.js';
import { createModel, getArch } from './registry.js';

async function readAll(ts: tf.Tensor[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of ts) out.push((await t.data()) as Float32Array);
  return out;
}

/**
 * An inference copy of `model` with every BatchNorm folded into the conv before it:
 * W' = W * g / sqrt(v + eps) per output channel, b' = beta + (b - mean) * g / sqrt(v + eps), and
 * ReLU fused into the conv call. Same outputs up to float32 rounding, fewer kernels (no BatchNorm,
 * no separate ReLU). `arch` and `options` must be those `model` was built with. Not for training.
 * Weights are read with `await data()`, so it also runs on webgpu (no synchronous reads there).
 */
export async function foldBatchNorm(
  model: tfl.LayersModel,
  arch: string,
  options: ModelOptions = {},
): Promise<tfl.LayersModel> {
  const folded = createModel(getArch(arch).name, {
    ...options,
    init: 'zeros',
    foldBatchNorm: true,
    name: options.name ?? model.name,
  });
  const bnAfter = new Map<string, tfl.layers.Layer>();
  for (const l of model.layers)
    if (l.getClassName() === 'BatchNormalization') {
      const prev = l.inboundNodes[0]?.inboundLayers[0];
      if (prev) bnAfter.set(prev.name, l);
    }
  for (const layer of folded.layers) {
    if (layer.weights.length === 0) continue;
    let src: tfl.layers.Layer;
    try {
      src = model.getLayer(layer.name);
    } catch {
      throw new ZooError(
        'INVALID_OPTION',
        `foldBatchNorm: ${model.name} has no layer ${layer.name}; pass the arch and options it was built with`,
      );
    }
    const srcW = await readAll(src.getWeights());
    const bn = bnAfter.get(layer.name);
    let values: Float32Array[];
    if (!bn) {
      values = srcW.map((a) => a.slice());
    } else {
      const [gamma, beta, mean, variance] = (await readAll(bn.getWeights())) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const eps = (bn.getConfig().epsilon as number) ?? 1e-3;
      const kernel = (srcW[0] as Float32Array).slice();
      const c = gamma.length;
      const scale = new Float64Array(c);
      for (let i = 0; i < c; i++) scale[i] = (gamma[i] as number) / Math.sqrt((variance[i] as number) + eps);
      // channel is the last axis of HWIO kernels and, with depth multiplier 1, of depthwise [kh,kw,C,1]
      for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) * (scale[i % c] as number);
      const bias = new Float32Array(c);
      const oldBias = srcW[1];
      for (let i = 0; i < c; i++)
        bias[i] =
          (beta[i] as number) +
          ((oldBias ? (oldBias[i] as number) : 0) - (mean[i] as number)) * (scale[i] as number);
      values = [kernel, bias];
    }
    if (values.length !== layer.weights.length)
      throw new ZooError(
        'INVALID_OPTION',
        `foldBatchNorm: layer ${layer.name} has ${layer.weights.length} weights, source gives ${values.length}`,
      );
    layer.weights.forEach((w, i) => {
      const t = tf.tensor(values[i] as Float32Array, w.shape as number[], 'float32');
      (w as tfl.LayerVariable).write(t);
      t.dispose();
    });
  }
  return folded;
}
