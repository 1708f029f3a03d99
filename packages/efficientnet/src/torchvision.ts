import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { type NamedTensor, readSafetensors } from './safetensors.js';
import { readTorchCheckpoint } from './torch-pickle.js';

/** How a torch tensor becomes a tfjs weight. */
export type LayoutTransform =
  /** conv weight OIHW -> HWIO */
  | 'conv'
  /** depthwise weight [C, 1, kh, kw] -> [kh, kw, C, 1] */
  | 'depthwise'
  /** linear weight [out, in] -> [in, out] */
  | 'linear'
  | 'none';

/** One row of a name-mapping table: a source tensor and the tfjs weight it fills. */
export interface WeightMapping {
  source: string;
  layer: string;
  /** Index into `layer.getWeights()`. */
  index: number;
  /** The tfjs weight name (`layer/kernel`). */
  target: string;
  transform: LayoutTransform;
  /** Shape the source tensor must have. */
  sourceShape: number[];
  targetShape: number[];
  /** Part of the classifier (may be skipped when the head differs). */
  head: boolean;
}

export interface LoadReport {
  /** Source tensors copied into the model. */
  loaded: number;
  /** Model weights left as they were (head skipped because its shape differs or by request). */
  skipped: string[];
  /** Source tensors not used (num_batches_tracked, or the classifier of a model built without top). */
  ignored: string[];
}

export interface LoadOptions {
  /**
   * Classifier weights: 'auto' (default) loads them when their shapes match and otherwise keeps
   * the model's own head (e.g. a fresh binary head); 'load' requires them; 'skip' never loads them.
   */
  head?: 'auto' | 'load' | 'skip';
  /** Refuse source tensors that map to nothing (default true). */
  strict?: boolean;
  /** File name used in error messages when tensors are passed already read. */
  sourceName?: string;
}

const HEAD_LAYERS = new Set(['classifier.1', 'fc']);

function className(layer: tfl.layers.Layer): string {
  return layer.getClassName();
}

/**
 * The torchvision name-mapping table of a model built by `createModel`: one row per tfjs weight,
 * naming the state_dict key that fills it, the layout transform, and both shapes.
 */
export function torchvisionMapping(model: tfl.LayersModel): WeightMapping[] {
  const rows: WeightMapping[] = [];
  for (const layer of model.layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const cls = className(layer);
    const head = HEAD_LAYERS.has(layer.name);
    weights.forEach((w, index) => {
      const leaf = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const shape = w.shape as number[];
      let key: string;
      let transform: LayoutTransform = 'none';
      let sourceShape = shape;
      if (cls === 'BatchNormalization') {
        key =
          { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' }[
            leaf
          ] ?? '';
      } else if (leaf === 'bias') {
        key = 'bias';
      } else if (cls === 'Conv2D' && leaf === 'kernel') {
        key = 'weight';
        transform = 'conv';
        sourceShape = [shape[3], shape[2], shape[0], shape[1]] as number[];
      } else if (cls === 'DepthwiseConv2D' && leaf === 'depthwise_kernel') {
        key = 'weight';
        transform = 'depthwise';
        sourceShape = [(shape[2] as number) * (shape[3] as number), 1, shape[0], shape[1]] as number[];
      } else if (cls === 'Dense' && leaf === 'kernel') {
        key = 'weight';
        transform = 'linear';
        sourceShape = [shape[1], shape[0]] as number[];
      } else {
        key = '';
      }
      if (!key)
        throw new ZooError(
          'INVALID_OPTION',
          `no torchvision mapping for weight ${w.originalName} of a ${cls} layer`,
        );
      rows.push({
        source: `${layer.name}.${key}`,
        layer: layer.name,
        index,
        target: w.originalName,
        transform,
        sourceShape,
        targetShape: shape,
        head,
      });
    });
  }
  return rows;
}

/** Reorders a torch-layout tensor into the tfjs layout (pure; returns a new array). */
export function toTfLayout(
  data: Float32Array,
  sourceShape: number[],
  transform: LayoutTransform,
): Float32Array {
  if (transform === 'none') return data.slice();
  const out = new Float32Array(data.length);
  if (transform === 'linear') {
    const [o, i] = sourceShape as [number, number];
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[b * o + a] = data[a * i + b] as number;
    return out;
  }
  const [O, I, H, W] = sourceShape as [number, number, number, number];
  // conv: src[o][i][h][w] -> dst[h][w][i][o]; depthwise ([C,1,H,W]): dst[h][w][c][0], i.e. the same with O=C, I=1
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++)
          out[((h * W + w) * I + i) * O + o] = data[((o * I + i) * H + h) * W + w] as number;
  return out;
}

/** Sums a conv weight [O, 3, kh, kw] over its input channels -> [O, 1, kh, kw] (grayscale stem). */
export function sumInputChannels(
  data: Float32Array,
  shape: number[],
): { data: Float32Array; shape: number[] } {
  const [O, I, H, W] = shape as [number, number, number, number];
  const out = new Float32Array(O * H * W);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let k = 0; k < H * W; k++) out[o * H * W + k] += data[(o * I + i) * H * W + k] as number;
  return { data: out, shape: [O, 1, H, W] };
}

/** Whether two tensor shapes are equal (the loaders' shape check). */
export const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Reads a state_dict file: safetensors, or a zip-format torch checkpoint (`.pth` as torchvision
 * publishes them), told apart by their first bytes.
 */
export function readStateDict(bytes: Uint8Array, file = '<buffer>'): Map<string, NamedTensor> {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
    ? readTorchCheckpoint(bytes, file)
    : readSafetensors(bytes, file);
}

/** Either a path, the bytes of a .safetensors / torch zip file, or tensors already read. */
export type WeightsInput =
  | string
  | Uint8Array
  | Map<string, NamedTensor | { shape: number[]; data: Float32Array }>;

/** Reads a weights file by path: the Node entry passes `readFileSync`; browsers have no paths. */
export type FileReader = (path: string) => Uint8Array;

function readInput(
  input: WeightsInput,
  readFile: FileReader | undefined,
): {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  file?: string;
} {
  if (typeof input === 'string') {
    if (!readFile)
      throw new ZooError(
        'INVALID_OPTION',
        `weights given as a path (${input}) need the Node entry of @op-screen/efficientnet; in a browser pass the file's bytes`,
      );
    return { tensors: readStateDict(readFile(input), input), file: input };
  }
  if (input instanceof Uint8Array) return { tensors: readStateDict(input) };
  return { tensors: input };
}

/**
 * Loads a torchvision `state_dict` (.safetensors or torchvision's .pth file, bytes, or tensors) into a model built by
 * `createModel` for the same architecture. Every tensor's shape is checked before anything is
 * written; the first mismatch is named (`WEIGHT_SHAPE_MISMATCH`), missing tensors give
 * `WEIGHT_MISSING`, leftovers `WEIGHT_UNEXPECTED`. Conv weights go OIHW -> HWIO, depthwise
 * [C,1,kh,kw] -> [kh,kw,C,1], linear [out,in] -> [in,out]. For a 1-channel model the stem conv's
 * RGB weights are summed (exactly equivalent to feeding the gray image replicated to RGB).
 */
export function loadTorchvisionWeights(
  model: tfl.LayersModel,
  input: WeightsInput,
  options: LoadOptions = {},
  readFile?: FileReader,
): LoadReport {
  const read = readInput(input, readFile);
  const tensors = read.tensors;
  const file = read.file ?? options.sourceName;
  const where = file ?? 'the torchvision state_dict';
  const headMode = options.head ?? 'auto';
  const strict = options.strict ?? true;
  const table = torchvisionMapping(model);
  const used = new Set<string>();
  const plan = new Map<string, Array<{ index: number; data: Float32Array; shape: number[] }>>();
  const skipped: string[] = [];

  let headMatches = true;
  for (const row of table)
    if (row.head) {
      const t = tensors.get(row.source);
      if (!t || !sameShape(t.shape, row.sourceShape)) headMatches = false;
    }
  const loadHead = headMode === 'load' || (headMode === 'auto' && headMatches);

  for (const row of table) {
    if (row.head && !loadHead) {
      skipped.push(row.target);
      if (tensors.has(row.source)) used.add(row.source);
      continue;
    }
    const t = tensors.get(row.source);
    if (!t)
      throw new ZooError(
        'WEIGHT_MISSING',
        `${where} has no tensor '${row.source}' (needed for ${row.target}); is it a state_dict of ${model.name}?`,
        file,
      );
    let data = t.data;
    let shape = t.shape;
    const isStem = row.transform === 'conv' && (row.layer === 'features.0.0' || row.layer === 'conv1');
    if (isStem && row.sourceShape[1] === 1 && shape[1] === 3)
      ({ data, shape } = sumInputChannels(data, shape));
    if (!sameShape(shape, row.sourceShape))
      throw new ZooError(
        'WEIGHT_SHAPE_MISMATCH',
        `${where}: tensor '${row.source}' has shape [${shape.join(', ')}] but ${model.name} needs [${row.sourceShape.join(', ')}] for ${row.target}; check the architecture name and options (numClasses, channels)`,
        file,
      );
    used.add(row.source);
    const list = plan.get(row.layer) ?? [];
    list.push({ index: row.index, data: toTfLayout(data, shape, row.transform), shape: row.targetShape });
    plan.set(row.layer, list);
  }
  const ignored: string[] = [];
  const headPrefixes = ['classifier.', 'fc.'];
  for (const key of tensors.keys()) {
    if (used.has(key)) continue;
    const isHead = headPrefixes.some((p) => key.startsWith(p));
    if (
      key.endsWith('num_batches_tracked') ||
      (isHead && !model.layers.some((l) => HEAD_LAYERS.has(l.name)))
    ) {
      ignored.push(key);
      continue;
    }
    if (strict)
      throw new ZooError(
        'WEIGHT_UNEXPECTED',
        `${where} has tensor '${key}' that ${model.name} has no place for; pass { strict: false } to ignore it`,
        file,
      );
    ignored.push(key);
  }
  let loaded = 0;
  for (const [layerName, list] of plan) {
    const layer = model.getLayer(layerName);
    for (const p of list) {
      const t = tf.tensor(p.data, p.shape, 'float32');
      (layer.weights[p.index] as tfl.LayerVariable).write(t);
      t.dispose();
    }
    loaded += list.length;
  }
  return { loaded, skipped, ignored };
}
