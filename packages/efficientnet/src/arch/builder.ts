import * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from '../errors.js';
import { SiLU, StochasticDepth } from '../layers.js';
import type { ModelOptions } from './options.js';

type SymbolicTensor = tfl.SymbolicTensor;
type Init = Parameters<typeof tfl.layers.conv2d>[0]['kernelInitializer'];

/** Small helper that creates torchvision-named tfjs layers with consistent padding/init/eps. */
export class GraphBuilder {
  private seed: number;
  readonly eps: number;
  readonly padding: 'torch' | 'tf';
  readonly zeros: boolean;
  /**
   * Classifier kernel starts at zero: `headInit: 'zeros'`, `init: 'zeros'`, or no `headInit` with
   * a one-logit head (`numClasses: 1`), the binary fine-tuning case.
   */
  readonly zeroHead: boolean;
  /** BatchNorm folded into convs (inference graph). */
  readonly fold: boolean;

  constructor(opts: ModelOptions, defaultEps: number) {
    this.seed = opts.seed ?? 0;
    this.eps = opts.bnEpsilon ?? defaultEps;
    this.padding = opts.padding ?? 'torch';
    this.zeros = opts.init === 'zeros';
    this.zeroHead = this.zeros || resolveHeadInit(opts) === 'zeros';
    this.fold = opts.foldBatchNorm === true;
  }

  nextSeed(): number {
    return this.seed++;
  }

  private kernelInit(): Init {
    if (this.zeros) return 'zeros';
    // torchvision: kaiming_normal_(mode='fan_out') for convs
    return tfl.initializers.varianceScaling({
      scale: 2,
      mode: 'fanOut',
      distribution: 'normal',
      seed: this.nextSeed(),
    });
  }

  /** Conv (or depthwise conv) with torch or tf padding; `pad` is torch's symmetric padding. */
  conv(
    x: SymbolicTensor,
    name: string,
    a: {
      filters: number;
      kernel: number;
      stride: number;
      depthwise?: boolean;
      bias?: boolean;
      activation?: 'swish' | 'sigmoid' | 'relu' | 'linear';
    },
  ): SymbolicTensor {
    const pad = (a.kernel - 1) >> 1;
    let input = x;
    let padding: 'same' | 'valid' = 'same';
    if (a.stride !== 1 && pad > 0 && this.padding === 'torch') {
      input = tfl.layers
        .zeroPadding2d({
          padding: [
            [pad, pad],
            [pad, pad],
          ],
          name: `${name}.pad`,
        })
        .apply(x) as SymbolicTensor;
      padding = 'valid';
    }
    if (a.kernel === 1) padding = 'valid';
    const common = {
      kernelSize: a.kernel,
      strides: a.stride,
      padding,
      useBias: a.bias ?? false,
      activation: a.activation ?? 'linear',
      name,
      biasInitializer: 'zeros' as const,
    };
    const layer = a.depthwise
      ? tfl.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, depthwiseInitializer: this.kernelInit() })
      : tfl.layers.conv2d({ ...common, filters: a.filters, kernelInitializer: this.kernelInit() });
    return layer.apply(input) as SymbolicTensor;
  }

  bn(x: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers
      .batchNormalization({ axis: -1, epsilon: this.eps, momentum: 0.9, name })
      .apply(x) as SymbolicTensor;
  }

  act(x: SymbolicTensor, name: string, kind: 'swish' | 'relu'): SymbolicTensor {
    if (kind === 'swish') return new SiLU({ name }).apply(x) as SymbolicTensor;
    return tfl.layers.activation({ activation: kind, name }).apply(x) as SymbolicTensor;
  }

  /** Conv -> BN -> activation, named `${prefix}.0`, `.1`, `.2` like torchvision's Conv2dNormActivation. */
  convBnAct(
    x: SymbolicTensor,
    prefix: string,
    a: {
      filters: number;
      kernel: number;
      stride: number;
      depthwise?: boolean;
      activation: 'swish' | 'relu' | null;
    },
  ): SymbolicTensor {
    return this.convBn(x, `${prefix}.0`, `${prefix}.1`, a, a.activation ? `${prefix}.2` : null);
  }

  /**
   * conv -> BN -> optional activation. In a folded graph the BN disappears (its affine map lives in
   * the conv's kernel and bias) and a ReLU is fused into the conv kernel call.
   */
  convBn(
    x: SymbolicTensor,
    convName: string,
    bnName: string,
    a: {
      filters: number;
      kernel: number;
      stride: number;
      depthwise?: boolean;
      activation?: 'swish' | 'relu' | null;
    },
    actName: string | null,
  ): SymbolicTensor {
    const base = { filters: a.filters, kernel: a.kernel, stride: a.stride, depthwise: a.depthwise };
    if (this.fold) {
      const fuseRelu = a.activation === 'relu';
      const y = this.conv(x, convName, { ...base, bias: true, activation: fuseRelu ? 'relu' : 'linear' });
      return a.activation && !fuseRelu && actName ? this.act(y, actName, a.activation) : y;
    }
    const y = this.bn(this.conv(x, convName, base), bnName);
    return a.activation && actName ? this.act(y, actName, a.activation) : y;
  }

  stochasticDepth(x: SymbolicTensor, name: string, rate: number): SymbolicTensor {
    return new StochasticDepth({ rate, seed: this.nextSeed(), name }).apply(x) as SymbolicTensor;
  }

  add(a: SymbolicTensor, b: SymbolicTensor, name: string): SymbolicTensor {
    return tfl.layers.add({ name }).apply([a, b]) as SymbolicTensor;
  }

  dense(
    x: SymbolicTensor,
    name: string,
    units: number,
    activation: 'linear' | 'sigmoid' | 'softmax',
  ): SymbolicTensor {
    return tfl.layers
      .dense({
        units,
        activation,
        name,
        // torchvision EfficientNet: uniform(-1/sqrt(units), 1/sqrt(units)); ResNet's default differs little
        kernelInitializer: this.zeroHead
          ? 'zeros'
          : tfl.initializers.randomUniform({
              minval: -1 / Math.sqrt(units),
              maxval: 1 / Math.sqrt(units),
              seed: this.nextSeed(),
            }),
        biasInitializer: 'zeros',
      })
      .apply(x) as SymbolicTensor;
  }

  /** Pooling + dropout + classifier (or pooled features / feature map when `includeTop` is false). */
  head(
    x: SymbolicTensor,
    opts: ModelOptions,
    names: { pool: string; dropout: string | null; fc: string },
    defaultDropout: number,
  ): SymbolicTensor {
    const includeTop = opts.includeTop ?? true;
    const pooling = includeTop ? 'avg' : opts.pooling === undefined ? 'avg' : opts.pooling;
    let y = x;
    if (pooling === 'avg')
      y = tfl.layers.globalAveragePooling2d({ name: names.pool }).apply(y) as SymbolicTensor;
    else if (pooling === 'max')
      y = tfl.layers.globalMaxPooling2d({ name: names.pool }).apply(y) as SymbolicTensor;
    if (!includeTop) return y;
    const rate = opts.dropout ?? defaultDropout;
    if (names.dropout && rate > 0)
      y = tfl.layers.dropout({ rate, name: names.dropout, seed: this.nextSeed() }).apply(y) as SymbolicTensor;
    const numClasses = opts.numClasses ?? 1000;
    if (!Number.isInteger(numClasses) || numClasses < 1)
      throw new ZooError('INVALID_OPTION', `numClasses must be a positive integer, got ${numClasses}`);
    return this.dense(y, names.fc, numClasses, opts.classifierActivation ?? 'linear');
  }
}

/**
 * The classifier initialisation a build uses: the option when given ('default' is 'random'), else
 * 'zeros' for a one-logit head (numClasses: 1: a fresh random head on a random or pretrained
 * backbone starts with training-mode logits of SD 6-13 and a first-epoch loss of 4-6.5; the zero
 * head starts at ln 2 = 0.69) and 'random' for every other head (ImageNet's 1000 classes, 2-unit softmax).
 */
export function resolveHeadInit(opts: ModelOptions): 'zeros' | 'random' {
  const h = opts.headInit;
  if (h !== undefined && h !== 'default' && h !== 'random' && h !== 'zeros')
    throw new ZooError('INVALID_OPTION', `headInit must be 'zeros', 'random' or 'default', got ${String(h)}`);
  if (h === 'zeros') return 'zeros';
  if (h === 'random' || h === 'default') return 'random';
  return (opts.numClasses ?? 1000) === 1 && (opts.includeTop ?? true) ? 'zeros' : 'random';
}

export function resolveInputShape(opts: ModelOptions, defaultSize: number): [number, number, number] {
  const shape = opts.inputShape ?? [defaultSize, defaultSize, opts.channels ?? 3];
  const [h, w, c] = shape;
  if (opts.inputShape && opts.channels !== undefined && opts.channels !== c)
    throw new ZooError(
      'INVALID_OPTION',
      `channels: ${opts.channels} conflicts with inputShape [${shape.join(', ')}] (${c} channels); give one of them, or make them agree`,
    );
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 32 && w >= 32))
    throw new ZooError(
      'INVALID_OPTION',
      `inputShape height/width must be integers >= 32, got [${shape.join(', ')}]`,
    );
  if (c !== 1 && c !== 3) throw new ZooError('INVALID_OPTION', `input channels must be 1 or 3, got ${c}`);
  return [h, w, c];
}
