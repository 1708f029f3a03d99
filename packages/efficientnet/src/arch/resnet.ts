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
export function buildResNet(cfg: ResNetConfig, defaultSize: number, opts: ModelOptions, name: string): tfl.LayersModel {
  const g = new GraphBuilder(opts, cfg.bnEps);
  const shape = resolveInputShape(opts, defaultSize);
  const input = tfl.input({ shape, name: 'input' });
  let x = g.conv(input, 'conv1', { filters: 64, kernel: 7, stride: 2 });
  x = g.bn(x, 'bn1');
  x = g.act(x, 'relu', 'relu');
  // torch pads the max-pool symmetrically by 1; zero padding is exact here because inputs are post-ReLU (>= 0)
  if (g.padding === 'torch') {
    x = tfl.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'maxpool.pad' }).apply(x) as SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }).apply(x) as SymbolicTensor;
  } else {
    x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool' }).apply(x) as SymbolicTensor;
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
        y = g.bn(g.conv(x, `${p}.conv1`, { filters: planes, kernel: 3, stride }), `${p}.bn1`);
        y = g.act(y, `${p}.relu1`, 'relu');
        y = g.bn(g.conv(y, `${p}.conv2`, { filters: planes, kernel: 3, stride: 1 }), `${p}.bn2`);
      } else {
        y = g.bn(g.conv(x, `${p}.conv1`, { filters: planes, kernel: 1, stride: 1 }), `${p}.bn1`);
        y = g.act(y, `${p}.relu1`, 'relu');
        y = g.bn(g.conv(y, `${p}.conv2`, { filters: planes, kernel: 3, stride }), `${p}.bn2`);
        y = g.act(y, `${p}.relu2`, 'relu');
        y = g.bn(g.conv(y, `${p}.conv3`, { filters: planes * expansion, kernel: 1, stride: 1 }), `${p}.bn3`);
      }
      let shortcut = x;
      if (stride !== 1 || inC !== planes * expansion) {
        shortcut = g.conv(x, `${p}.downsample.0`, { filters: planes * expansion, kernel: 1, stride });
        shortcut = g.bn(shortcut, `${p}.downsample.1`);
      }
      x = g.act(g.add(y, shortcut, `${p}.add`), `${p}.relu`, 'relu');
      inC = planes * expansion;
    }
  });
  const out = g.head(x, opts, { pool: 'avgpool', dropout: opts.dropout ? 'dropout' : null, fc: 'fc' }, 0);
  return tfl.model({ inputs: input, outputs: out, name: opts.name ?? name });
}
