import * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from '../errors.js';
import { GraphBuilder, resolveInputShape } from './builder.js';
import type { ModelOptions } from './options.js';

type SymbolicTensor = tfl.SymbolicTensor;

/**
 * Keras-applications' ResNet v1 (He et al. 2015, the Caffe layout) as data: unlike torchvision's
 * v1.5 the stride sits on the first 1x1 conv of a stage's first block, every conv has a bias,
 * and BatchNorm's epsilon is 1e-3.
 */
export interface KerasResNetConfig {
  family: 'keras-resnet';
  layers: [number, number, number, number];
  bnEps: number;
}

/**
 * Builds Keras's ResNet-50 v1 with Keras's own layer names (`conv1`, `bn_conv1`,
 * `res2a_branch2a`, `bn2a_branch2a`, `res2a_branch1`, ..., `fc1000`), so a Keras or TensorFlow.js
 * layers checkpoint maps onto it name by name (`kerasLayersMapping`). Keras pads explicitly
 * (`conv1_pad` by 3, `pool1_pad` by 1, then 'valid'), which is torch-style padding; 3x3 convs are
 * 'same' at stride 1. The 1000-class head is `fc1000`; any other head is `fc`, which no ImageNet
 * checkpoint fills.
 */
export function buildKerasResNet(
  cfg: KerasResNetConfig,
  defaultSize: number,
  opts: ModelOptions,
  name: string,
): tfl.LayersModel {
  if (opts.foldBatchNorm)
    throw new ZooError('INVALID_OPTION', `foldBatchNorm is not available for ${name} (Keras layout)`);
  const g = new GraphBuilder({ ...opts, padding: 'torch' }, cfg.bnEps);
  const shape = resolveInputShape(opts, defaultSize);
  const input = tfl.input({ shape, name: 'input_1' });
  const convBnRelu = (
    x: SymbolicTensor,
    conv: string,
    bn: string,
    filters: number,
    kernel: number,
    stride: number,
    relu: boolean,
  ) => {
    const y = g.bn(g.conv(x, conv, { filters, kernel, stride, bias: true }), bn);
    return relu ? g.act(y, `${conv}_relu`, 'relu') : y;
  };
  let x = convBnRelu(input, 'conv1', 'bn_conv1', 64, 7, 2, true);
  x = tfl.layers
    .zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    })
    .apply(x) as SymbolicTensor;
  x = tfl.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'max_pooling2d' })
    .apply(x) as SymbolicTensor;
  cfg.layers.forEach((n, si) => {
    const stage = si + 2;
    const f = 64 * 2 ** si;
    for (let j = 0; j < n; j++) {
      const block = `${stage}${String.fromCharCode(97 + j)}`;
      const stride = j === 0 && si > 0 ? 2 : 1;
      let y = convBnRelu(x, `res${block}_branch2a`, `bn${block}_branch2a`, f, 1, stride, true);
      y = convBnRelu(y, `res${block}_branch2b`, `bn${block}_branch2b`, f, 3, 1, true);
      y = convBnRelu(y, `res${block}_branch2c`, `bn${block}_branch2c`, f * 4, 1, 1, false);
      const shortcut =
        j === 0 ? convBnRelu(x, `res${block}_branch1`, `bn${block}_branch1`, f * 4, 1, stride, false) : x;
      x = g.act(g.add(y, shortcut, `add_${block}`), `res${block}_relu`, 'relu');
    }
  });
  const classes = opts.includeTop === false ? 0 : (opts.numClasses ?? 1000);
  const out = g.head(
    x,
    opts,
    { pool: 'avg_pool', dropout: opts.dropout ? 'dropout' : null, fc: classes === 1000 ? 'fc1000' : 'fc' },
    0,
  );
  return tfl.model({ inputs: input, outputs: out, name: opts.name ?? name });
}
