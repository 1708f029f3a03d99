import { selectBackend } from '@op-screen/backend';
import * as tf from '@tensorflow/tfjs-core';
import { ZooError } from './errors.js';
import { createModel, getArch, ZOO } from './registry.js';
import { readSafetensors } from './safetensors.js';
import { nchwToNhwc } from './tensor-utils.js';
import { loadTorchvisionWeights, readStateDict } from './torchvision.js';
import { readUserFile } from './torchvision-node.js';

export interface ForwardResult {
  arch: string;
  /** [N, classes] */
  shape: [number, number];
  /** Row-major logits. */
  logits: number[];
}

/**
 * `op-screen zoo forward`: builds `arch`, loads torchvision-layout weights from a .safetensors file
 * (the head's class count is read from the file), runs the tensor named `input` (NCHW float32,
 * 1 or 3 channels, fed as is) in inference mode and returns the logits.
 */
export async function forwardTorchvision(args: {
  arch: string;
  weights: string;
  input: string;
  batchSize?: number;
}): Promise<ForwardResult> {
  const entry = getArch(args.arch);
  await selectBackend();
  const inputs = readSafetensors(readUserFile(args.input, 'input file'), args.input);
  const x = inputs.get('input');
  if (!x)
    throw new ZooError(
      'INPUT_INVALID',
      `${args.input} has no tensor named 'input' (found: ${[...inputs.keys()].join(', ') || 'none'})`,
      args.input,
    );
  if (x.shape.length !== 4 || (x.shape[1] !== 1 && x.shape[1] !== 3))
    throw new ZooError(
      'INPUT_INVALID',
      `tensor 'input' in ${args.input} must be NCHW with 1 or 3 channels, got [${x.shape.join(', ')}]`,
      args.input,
    );
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const weights = readStateDict(readUserFile(args.weights, 'weights file'), args.weights);
  if (entry.config.family === 'keras-resnet')
    throw new ZooError(
      'INVALID_OPTION',
      `${args.arch} has Keras-layout weights (TensorFlow.js layers model.json), not a torchvision state_dict; use op-screen zoo classify --weights model.json`,
    );
  const headKey = entry.config.family === 'resnet' ? 'fc.weight' : 'classifier.1.weight';
  const head = weights.get(headKey);
  if (head?.shape.length !== 2)
    throw new ZooError(
      'WEIGHT_MISSING',
      `${args.weights} has no 2-D '${headKey}'; is it a torchvision ${args.arch} state_dict?`,
      args.weights,
    );
  const model = createModel(entry.name, { inputShape: [h, w, c], numClasses: head.shape[0], init: 'zeros' });
  try {
    loadTorchvisionWeights(model, weights, { head: 'load', sourceName: args.weights });
    const nhwc = nchwToNhwc(x.data, [n, c, h, w]);
    const classes = head.shape[0] as number;
    const logits = new Float32Array(n * classes);
    const bs = args.batchSize ?? 16;
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const y = tf.tidy(
        () =>
          model.predict(
            tf.tensor4d(nhwc.subarray(i * h * w * c, (i + m) * h * w * c), [m, h, w, c]),
          ) as tf.Tensor,
      );
      logits.set(await y.data<'float32'>(), i * classes);
      y.dispose();
    }
    return { arch: args.arch, shape: [n, classes], logits: Array.from(logits) };
  } finally {
    model.dispose();
  }
}

/** The registry as plain JSON (what `op-screen zoo list --json` prints). */
export function zooListing(): Array<Record<string, unknown>> {
  return Object.values(ZOO).map((e) => ({
    name: e.name,
    family: e.config.family,
    inputSize: e.inputSize,
    parameters: e.parameters,
    bnEps: e.config.bnEps,
    weights: e.weights.map((w) => ({ ...w })),
  }));
}
