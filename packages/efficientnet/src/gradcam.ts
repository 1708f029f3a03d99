import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  getKernel,
} from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017) for a one-logit tfjs-layers model: the feature map A of a
 * convolutional layer, weights alpha_c = mean over space of d logit / d A_c, heat map
 * ReLU(sum_c alpha_c A_c) normalised to [0, 1].
 *
 * The feature layer must cut the graph (everything after it depends on it alone): the head is
 * re-applied from a new symbolic input so tf.grad can differentiate the logit with respect to A.
 * By default the latest such 4-D layer with a spatial size of at least `minSize` is used (the last
 * MBConv/ResNet stage output, or an earlier block when the input is small). Works on any
 * single-output LayersModel, not only zoo models. A layer that does not cut the graph (or no
 * automatic candidate) throws `ZooError` `INVALID_OPTION`.
 */
export interface GradCamOptions {
  /** Name of the feature layer; default: automatic (see above). */
  layerName?: string;
  /** Minimum spatial size of the automatically chosen feature map (default 4). */
  minSize?: number;
}

export interface GradCamResult {
  /** Heat map [height, width] in [0, 1], row-major. */
  heatmap: Float32Array;
  height: number;
  width: number;
  layerName: string;
  logit: number;
}

interface Split {
  layer: tfl.layers.Layer;
  features: tfl.LayersModel;
  head: tfl.LayersModel;
}

const cache = new WeakMap<tfl.LayersModel, Map<string, Split>>();

type SymbolicTensor = tfl.SymbolicTensor;

/** Rebuilds the part of `model` after `cut` on a new Input; undefined when `cut` is not a graph cut. */
function buildHead(model: tfl.LayersModel, cut: SymbolicTensor): tfl.LayersModel | undefined {
  const input = tfl.input({ shape: cut.shape.slice(1) as number[] });
  const mapped = new Map<SymbolicTensor, SymbolicTensor>([[cut, input]]);
  const cutLayerIndex = model.layers.indexOf(cut.sourceLayer as tfl.layers.Layer);
  const applied: tfl.layers.Layer[] = [];
  for (const layer of model.layers.slice(cutLayerIndex + 1)) {
    const node = layer.inboundNodes[0];
    if (!node) continue;
    const ins = node.inputTensors;
    const known = ins.map((t) => mapped.get(t));
    if (known.every((k) => k === undefined)) continue; // a branch before the cut
    if (known.some((k) => k === undefined)) return undefined; // a skip connection crosses the cut
    const out = layer.apply(
      known.length === 1 ? (known[0] as SymbolicTensor) : (known as SymbolicTensor[]),
    ) as SymbolicTensor | SymbolicTensor[];
    applied.push(layer);
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, i) => {
      mapped.set(t, outs[i] as SymbolicTensor);
    });
  }
  // a symbolic apply() counts one more owner of the layer's weights; the head only borrows
  // them, so give the counts back, or model.dispose() would leave these layers' weights alive
  for (const layer of applied) {
    const l = layer as unknown as { _refCount: number | null };
    if (l._refCount !== null && l._refCount > 1) l._refCount--;
  }
  const final = mapped.get(model.outputs[0] as SymbolicTensor);
  if (!final) return undefined;
  return tfl.model({ inputs: input, outputs: final });
}

function chooseSplit(model: tfl.LayersModel, opts: GradCamOptions): Split {
  const key = opts.layerName ?? `auto-${opts.minSize ?? 4}`;
  let perModel = cache.get(model);
  if (!perModel) {
    perModel = new Map();
    cache.set(model, perModel);
  }
  const hit = perModel.get(key);
  if (hit) return hit;
  const candidates = model.layers
    .filter((l) => {
      const s = l.outputShape as number[];
      return (
        Array.isArray(s) &&
        s.length === 4 &&
        !Array.isArray(s[0]) &&
        l.inboundNodes.length > 0 &&
        !l.getClassName().includes('Padding')
      );
    })
    .reverse();
  const minSize = opts.minSize ?? 4;
  for (const layer of candidates) {
    if (opts.layerName !== undefined && layer.name !== opts.layerName) continue;
    const shape = layer.outputShape as number[];
    if (opts.layerName === undefined && Math.min(shape[1] as number, shape[2] as number) < minSize) continue;
    const cut = layer.inboundNodes[0]?.outputTensors[0] as SymbolicTensor;
    const head = buildHead(model, cut);
    if (!head) continue;
    const split = { layer, features: tfl.model({ inputs: model.inputs, outputs: cut }), head };
    perModel.set(key, split);
    return split;
  }
  throw new ZooError(
    'INVALID_OPTION',
    opts.layerName
      ? `Grad-CAM: layer "${opts.layerName}" is not a 4-D layer that cuts the graph of ${model.name}; name a stage output that everything after it depends on, or omit layerName.`
      : `Grad-CAM: no 4-D layer with spatial size >= ${minSize} cuts the graph of ${model.name}; lower minSize or pass layerName.`,
  );
}

/**
 * The gradient kernels Grad-CAM differentiates through that tfjs-backend-wasm 4.22 does not ship
 * (or ships incomplete): @op-screen/wasm-kernels' `registerWasmKernels()` installs them. This
 * package cannot call it (wasm-kernels depends on this one), so it refuses up front, by name,
 * instead of letting tfjs fail deep inside `tf.grad` with "Kernel ... not registered".
 */
const WASM_GRADIENT_KERNELS = [
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
] as const;

/** Throws `KERNELS_MISSING` when the active backend is wasm and lacks a gradient kernel. */
export function assertGradientKernels(what: string): void {
  if (tf.getBackend() !== 'wasm') return;
  const missing = WASM_GRADIENT_KERNELS.filter((k) => getKernel(k, 'wasm') === undefined);
  if (missing.length > 0)
    throw new ZooError(
      'KERNELS_MISSING',
      `${what} on the wasm backend needs gradient kernels tfjs-backend-wasm lacks (${missing.join(', ')}); call registerWasmKernels() from @op-screen/wasm-kernels once before it.`,
    );
}

/** A tfjs "Kernel 'X' not registered for backend 'Y'" failure as the typed error. */
function missingKernel(err: unknown, what: string): unknown {
  const m = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec((err as Error)?.message ?? '');
  if (!m) return err;
  return new ZooError(
    'KERNELS_MISSING',
    `${what} needs the kernel ${m[1]}, which the ${m[2]} backend does not have${m[2] === 'wasm' ? '; call registerWasmKernels() from @op-screen/wasm-kernels once before it' : ''}.`,
  );
}

/**
 * Grad-CAM for one NHWC image (`x` = height*width*channels floats). Reads back with
 * `await data()`, so it runs on every backend, webgpu included (no synchronous reads there).
 */
export async function gradCam(
  model: tfl.LayersModel,
  x: Float32Array,
  shape: [number, number, number],
  opts: GradCamOptions = {},
): Promise<GradCamResult> {
  assertGradientKernels('Grad-CAM');
  const split = chooseSplit(model, opts);
  let tidied: readonly [tf.Tensor2D, tf.Tensor];
  try {
    tidied = tf.tidy(() => {
      const input = tf.tensor4d(x, [1, ...shape]);
      const a = split.features.predict(input) as tf.Tensor4D;
      const f = (t: tf.Tensor) => tf.sum(split.head.apply(t, { training: false }) as tf.Tensor);
      const grads = tf.grad(f)(a) as tf.Tensor4D;
      const alpha = tf.mean(grads, [1, 2], true);
      return [tf.squeeze(tf.relu(tf.sum(tf.mul(a, alpha), 3)), [0]) as tf.Tensor2D, f(a)] as const;
    });
  } catch (err) {
    throw missingKernel(err, 'Grad-CAM');
  }
  const [cam, logitT] = tidied;
  try {
    // the same reduction and division as tf.max / tf.div on the backend, so heat maps stay
    // bitwise what the sync version gave: max over the map, then each value / max
    const maxT = tf.max(cam);
    let max: number;
    try {
      max = ((await maxT.data()) as Float32Array)[0] as number;
    } finally {
      maxT.dispose();
    }
    const normT = max > 0 ? tf.div(cam, max) : tf.clone(cam);
    let heatmap: Float32Array;
    try {
      heatmap = Float32Array.from((await normT.data()) as Float32Array);
    } finally {
      normT.dispose();
    }
    const logit = ((await logitT.data()) as Float32Array)[0] as number;
    const [h, w] = cam.shape;
    return { heatmap, height: h, width: w, layerName: split.layer.name, logit };
  } finally {
    cam.dispose();
    logitT.dispose();
  }
}
