import * as tfl from '@tensorflow/tfjs-layers';
import { GraphBuilder, resolveInputShape } from './builder.js';
import type { ModelOptions } from './options.js';

type SymbolicTensor = tfl.SymbolicTensor;

/** One row of the block table (torchvision `MBConvConfig` / `FusedMBConvConfig`, before scaling). */
export interface BlockRow {
  block: 'mbconv' | 'fused';
  expand: number;
  kernel: number;
  stride: number;
  in: number;
  out: number;
  layers: number;
}

/** An EfficientNet / EfficientNetV2 variant as data. */
export interface EfficientNetConfig {
  family: 'efficientnet';
  rows: BlockRow[];
  widthMult: number;
  depthMult: number;
  /** Channels of the last 1x1 conv; null = 4 x the last stage's output (EfficientNet B0-B7). */
  lastChannel: number | null;
  dropout: number;
  stochasticDepth: number;
  bnEps: number;
}

/** torchvision `_make_divisible`: round to a multiple of `divisor`, never below 90% of `v`. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** Rows after width/depth scaling (fused rows are not scaled by torchvision; V2 uses multipliers of 1). */
export function scaledRows(cfg: EfficientNetConfig): BlockRow[] {
  return cfg.rows.map((r) =>
    r.block === 'fused'
      ? { ...r }
      : {
          ...r,
          in: makeDivisible(r.in * cfg.widthMult),
          out: makeDivisible(r.out * cfg.widthMult),
          layers: Math.ceil(r.layers * cfg.depthMult),
        },
  );
}

/**
 * Builds EfficientNet B0-B7 and EfficientNetV2 S/M/L from one block table, with torchvision's layer
 * names (`features.2.0.block.1.0` = stage 2, block 0, depthwise conv) so the torchvision state_dict
 * maps one-to-one. Layout NHWC; stochastic depth and dropout act only in training.
 */
export function buildEfficientNet(
  cfg: EfficientNetConfig,
  defaultSize: number,
  opts: ModelOptions,
  name: string,
): tfl.LayersModel {
  const g = new GraphBuilder(opts, cfg.bnEps);
  const rows = scaledRows(cfg);
  const shape = resolveInputShape(opts, defaultSize);
  const input = tfl.input({ shape, name: 'input' });
  const sdMax = opts.stochasticDepth ?? cfg.stochasticDepth;

  let x: SymbolicTensor = g.convBnAct(input, 'features.0', {
    filters: rows[0].in,
    kernel: 3,
    stride: 2,
    activation: 'swish',
  });
  const total = rows.reduce((s, r) => s + r.layers, 0);
  let blockId = 0;
  rows.forEach((row, si) => {
    for (let j = 0; j < row.layers; j++) {
      const inC = j === 0 ? row.in : row.out;
      const stride = j === 0 ? row.stride : 1;
      const prefix = `features.${si + 1}.${j}`;
      const sd = (sdMax * blockId) / total;
      x =
        row.block === 'fused'
          ? fusedBlock(g, x, prefix, row, inC, stride, sd)
          : mbBlock(g, x, prefix, row, inC, stride, sd);
      blockId++;
    }
  });
  const lastIn = rows[rows.length - 1].out;
  const lastOut = cfg.lastChannel ?? 4 * lastIn;
  x = g.convBnAct(x, `features.${rows.length + 1}`, {
    filters: lastOut,
    kernel: 1,
    stride: 1,
    activation: 'swish',
  });
  const out = g.head(x, opts, { pool: 'avgpool', dropout: 'classifier.0', fc: 'classifier.1' }, cfg.dropout);
  return tfl.model({ inputs: input, outputs: out, name: opts.name ?? name });
}

function residual(
  g: GraphBuilder,
  x: SymbolicTensor,
  y: SymbolicTensor,
  prefix: string,
  useRes: boolean,
  sd: number,
): SymbolicTensor {
  if (!useRes) return y;
  const branch = sd > 0 ? g.stochasticDepth(y, `${prefix}.stochastic_depth`, sd) : y;
  return g.add(branch, x, `${prefix}.add`);
}

function mbBlock(
  g: GraphBuilder,
  x: SymbolicTensor,
  prefix: string,
  row: BlockRow,
  inC: number,
  stride: number,
  sd: number,
): SymbolicTensor {
  const expanded = makeDivisible(inC * row.expand);
  let i = 0;
  let y = x;
  if (expanded !== inC)
    y = g.convBnAct(y, `${prefix}.block.${i++}`, {
      filters: expanded,
      kernel: 1,
      stride: 1,
      activation: 'swish',
    });
  y = g.convBnAct(y, `${prefix}.block.${i++}`, {
    filters: expanded,
    kernel: row.kernel,
    stride,
    depthwise: true,
    activation: 'swish',
  });
  // squeeze-and-excitation (torchvision SqueezeExcitation: avgpool -> fc1 -> SiLU -> fc2 -> sigmoid -> scale)
  const se = `${prefix}.block.${i++}`;
  const squeeze = Math.max(1, Math.floor(inC / 4));
  let s = tfl.layers.globalAveragePooling2d({ name: `${se}.avgpool` }).apply(y) as SymbolicTensor;
  s = tfl.layers.reshape({ targetShape: [1, 1, expanded], name: `${se}.reshape` }).apply(s) as SymbolicTensor;
  s = g.conv(s, `${se}.fc1`, { filters: squeeze, kernel: 1, stride: 1, bias: true, activation: 'swish' });
  s = g.conv(s, `${se}.fc2`, { filters: expanded, kernel: 1, stride: 1, bias: true, activation: 'sigmoid' });
  y = tfl.layers.multiply({ name: `${se}.scale` }).apply([y, s]) as SymbolicTensor;
  y = g.convBnAct(y, `${prefix}.block.${i++}`, { filters: row.out, kernel: 1, stride: 1, activation: null });
  return residual(g, x, y, prefix, stride === 1 && inC === row.out, sd);
}

function fusedBlock(
  g: GraphBuilder,
  x: SymbolicTensor,
  prefix: string,
  row: BlockRow,
  inC: number,
  stride: number,
  sd: number,
): SymbolicTensor {
  const expanded = makeDivisible(inC * row.expand);
  let y: SymbolicTensor;
  if (expanded !== inC) {
    y = g.convBnAct(x, `${prefix}.block.0`, {
      filters: expanded,
      kernel: row.kernel,
      stride,
      activation: 'swish',
    });
    y = g.convBnAct(y, `${prefix}.block.1`, { filters: row.out, kernel: 1, stride: 1, activation: null });
  } else {
    y = g.convBnAct(x, `${prefix}.block.0`, {
      filters: row.out,
      kernel: row.kernel,
      stride,
      activation: 'swish',
    });
  }
  return residual(g, x, y, prefix, stride === 1 && inC === row.out, sd);
}
