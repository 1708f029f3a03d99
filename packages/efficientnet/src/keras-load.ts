import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { type LoadOptions, type LoadReport, sameShape, type WeightMapping } from './torchvision.js';

/** Where Keras-layout tensors come from: an .h5 file or a TensorFlow.js layers model. */
export interface KerasTensorSource {
  /** Every tensor name the source holds, with the layer it belongs to. */
  names: Map<string, { layer: string }>;
  shape(name: string): number[];
  read(name: string): Float32Array;
}

/**
 * Sums an HWIO kernel over its input channels (a grayscale model from RGB weights: the same
 * response to a gray image as the RGB filter's, as the torchvision loader does for OIHW).
 */
export function sumHwioInputChannels(
  data: Float32Array,
  shape: number[],
): { data: Float32Array; shape: number[] } {
  const [H, W, I, O] = shape as [number, number, number, number];
  const out = new Float32Array(H * W * O);
  for (let hw = 0; hw < H * W; hw++)
    for (let i = 0; i < I; i++)
      for (let o = 0; o < O; o++) out[hw * O + o] += data[(hw * I + i) * O + o] as number;
  return { data: out, shape: [H, W, 1, O] };
}

/**
 * Copies Keras-layout tensors into `model` through a mapping table: every row's tensor must exist
 * with the row's shape (checked for all rows before anything is written); the head is loaded when
 * its shapes match (`head: 'auto'`), required (`'load'`) or left alone (`'skip'`); a tensor with
 * no row is refused (`WEIGHT_UNEXPECTED`) unless `strict: false` or `ignorable(name, layer)`.
 * A first conv built for one channel takes the sum of the RGB kernel's input channels.
 */
export function applyKerasMapping(
  model: tfl.LayersModel,
  table: WeightMapping[],
  src: KerasTensorSource,
  file: string,
  options: LoadOptions,
  ignorable: (name: string, layer: string) => boolean = () => false,
): LoadReport {
  const headMode = options.head ?? 'auto';
  const headMatches = table
    .filter((r) => r.head)
    .every((r) => src.names.has(r.source) && sameShape(src.shape(r.source), r.sourceShape));
  const loadHead = headMode === 'load' || (headMode === 'auto' && headMatches);
  const used = new Set<string>();
  const skipped: string[] = [];
  const plan: Array<{ row: WeightMapping; data: Float32Array }> = [];
  for (const row of table) {
    if (row.head && !loadHead) {
      skipped.push(row.target);
      if (src.names.has(row.source)) used.add(row.source);
      continue;
    }
    if (!src.names.has(row.source))
      throw new ZooError(
        'WEIGHT_MISSING',
        `${file} has no weight '${row.source}' (needed for ${row.target}); is it a Keras ${model.name}?`,
        file,
      );
    let shape = src.shape(row.source);
    let data = src.read(row.source);
    if (shape.length === 4 && row.targetShape.length === 4 && shape[2] === 3 && row.targetShape[2] === 1)
      ({ data, shape } = sumHwioInputChannels(data, shape));
    if (!sameShape(shape, row.targetShape))
      throw new ZooError(
        'WEIGHT_SHAPE_MISMATCH',
        `${file}: weight '${row.source}' has shape [${src.shape(row.source).join(', ')}] but ${model.name} needs [${row.targetShape.join(', ')}] for ${row.target}; check the architecture and options`,
        file,
      );
    used.add(row.source);
    plan.push({ row, data });
  }
  const ignored: string[] = [];
  for (const [name, { layer }] of src.names) {
    if (used.has(name)) continue;
    if (!ignorable(name, layer) && (options.strict ?? true))
      throw new ZooError(
        'WEIGHT_UNEXPECTED',
        `${file} has weight '${name}' that ${model.name} has no place for; pass { strict: false } to ignore it`,
        file,
      );
    ignored.push(name);
  }
  for (const { row, data } of plan) {
    const t = tf.tensor(data, row.targetShape, 'float32');
    (model.getLayer(row.layer).weights[row.index] as tfl.LayerVariable).write(t);
    t.dispose();
  }
  return { loaded: plan.length, skipped, ignored };
}

/** Layer names of the 1000-class heads of the Keras layouts (`fc1000`) and of ours (`fc`). */
const KERAS_RESNET_HEADS = new Set(['fc1000', 'fc']);

/**
 * The name-mapping table of a `keras_resnet50` built by `createModel`: its layers carry Keras's own
 * names, so Keras weight `res2a_branch2a/kernel` goes to our `res2a_branch2a/kernel` (TensorFlow.js
 * drops Keras's `:0`; layouts are tfjs's, HWIO kernels and [in, out] dense, so no transform). A
 * head other than `fc1000` is `fc` and maps to the checkpoint's `fc1000` only when shapes match.
 */
export function kerasResNetMapping(model: tfl.LayersModel): WeightMapping[] {
  if (!model.layers.some((l) => l.name === 'res2a_branch2a'))
    throw new ZooError('INVALID_OPTION', `${model.name} is not a keras_resnet50 built by createModel`);
  const rows: WeightMapping[] = [];
  for (const layer of model.layers) {
    layer.weights.forEach((w, index) => {
      const leaf = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const head = KERAS_RESNET_HEADS.has(layer.name);
      const shape = w.shape as number[];
      const sourceShape =
        layer.name === 'conv1' && leaf === 'kernel' && shape[2] === 1
          ? [shape[0], shape[1], 3, shape[3]]
          : shape;
      rows.push({
        source: `${head ? 'fc1000' : layer.name}/${leaf}`,
        layer: layer.name,
        index,
        target: w.originalName,
        transform: 'none',
        sourceShape: sourceShape as number[],
        targetShape: shape,
        head,
      });
    });
  }
  return rows;
}
