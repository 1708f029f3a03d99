import * as tfl from '@tensorflow/tfjs-layers';
import { GraphBuilder, resolveInputShape } from './builder.js';
import type { ModelOptions } from './options.js';

type SymbolicTensor = tfl.SymbolicTensor;

/** A ResNet variant as data (torchvision `ResNet(block, layers)`). */
export interface ResNetConfig {
  family: 'resnet';
  block: 'basic' | 'bottleneck';
  layers: [number, number, number, number];
  bnEps: number;
}

/**
 * Builds ResNet-18/34/50/101/152 (torchvision v1.5: the bottleneck's stride sits on its 3x3 conv)
 * with torchvision layer names (`layer3.2.conv2`, `layer2.0.downsample.0`, `fc`).
 */
export function buildResNet(
  cfg: ResNetConfig,
  defaultSize: number,
  opts: ModelOptions,
  name: string,
): tfl.LayersModel {
  const g = new GraphBuilder(opts, cfg.bnEps);
  const shape = resolveInputShape(opts, defaultSize);
  const input = tfl.input({ shape, name: 'input' });
  let x = g.convBn(input, 'conv1', 'bn1', { filters: 64, kernel: 7, stride: 2, activation: 'relu' }, 'relu');
  // torch pads the max-pool symmetrically by 1; zero padding is exact here because inputs are post-ReLU (>= 0)
  if (g.padding === 'torch') {
    x = tfl.layers
      .zeroPadding2d({
        padding: [
          [1, 1],
          [1, 1],
        ],
        name: 'maxpool.pad',
      })
      .apply(x) as SymbolicTensor;
    x = tfl.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' })
      .apply(x) as SymbolicTensor;
  } else {
    x = tfl.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool' })
      .apply(x) as SymbolicTensor;
  }
  const expansion = cfg.block === 'basic' ? 1 : 4;
  let inC = 64;
  cfg.layers.forEach((n, li) => {
    const planes = 64 * 2 ** li;
    for (let j = 0; j < n; j++) {
      const stride = j === 0 && li > 0 ? 2 : 1;
      const p = `layer${li + 1}.${j}`;
      let y: SymbolicTensor;
      if (cfg.block === 'basic') {
        y = g.convBn(
          x,
          `${p}.conv1`,
          `${p}.bn1`,
          { filters: planes, kernel: 3, stride, activation: 'relu' },
          `${p}.relu1`,
        );
        y = g.convBn(y, `${p}.conv2`, `${p}.bn2`, { filters: planes, kernel: 3, stride: 1 }, null);
      } else {
        y = g.convBn(
          x,
          `${p}.conv1`,
          `${p}.bn1`,
          { filters: planes, kernel: 1, stride: 1, activation: 'relu' },
          `${p}.relu1`,
        );
        y = g.convBn(
          y,
          `${p}.conv2`,
          `${p}.bn2`,
          { filters: planes, kernel: 3, stride, activation: 'relu' },
          `${p}.relu2`,
        );
        y = g.convBn(
          y,
          `${p}.conv3`,
          `${p}.bn3`,
          { filters: planes * expansion, kernel: 1, stride: 1 },
          null,
        );
      }
      let shortcut = x;
      if (stride !== 1 || inC !== planes * expansion)
        shortcut = g.convBn(
          x,
          `${p}.downsample.0`,
          `${p}.downsample.1`,
          { filters: planes * expansion, kernel: 1, stride },
          null,
        );
      x = g.act(g.add(y, shortcut, `${p}.add`), `${p}.relu`, 'relu');
      inC = planes * expansion;
    }
  });
  const out = g.head(x, opts, { pool: 'avgpool', dropout: opts.dropout ? 'dropout' : null, fc: 'fc' }, 0);
  return tfl.model({ inputs: input, outputs: out, name: opts.name ?? name });
}
