import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface StochasticDepthArgs {
  /** Probability of dropping a sample's residual branch (torchvision `StochasticDepth(p, "row")`). */
  rate: number;
  seed?: number;
  name?: string;
  trainable?: boolean;
}

/**
 * Row-wise stochastic depth (Huang et al. 2016) as torchvision applies it to a residual branch:
 * in training each sample's branch is zeroed with probability `rate` and survivors are scaled by
 * 1 / (1 - rate); in inference it is the identity. Serialisable, so tfjs save -> load keeps it.
 */
export class StochasticDepth extends tfl.layers.Layer {
  static className = 'OpScreenStochasticDepth';
  readonly rate: number;
  readonly seed: number | undefined;
  private calls = 0;

  constructor(args: StochasticDepthArgs) {
    super({ name: args.name, trainable: args.trainable });
    if (!(args.rate >= 0 && args.rate < 1))
      throw new Error(`StochasticDepth rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (kwargs.training !== true || this.rate === 0) return x;
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const shape = [x.shape[0] as number, ...x.shape.slice(1).map(() => 1)];
      const seed = this.seed === undefined ? undefined : this.seed + this.calls++;
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const base = super.getConfig();
    const cfg: tf.serialization.ConfigDict = { ...base, rate: this.rate };
    if (this.seed !== undefined) cfg.seed = this.seed;
    return cfg;
  }
}
tf.serialization.registerClass(StochasticDepth);

/**
 * SiLU / swish, x * sigmoid(x), in two kernel calls (tfjs-layers' 'swish' activation makes three:
 * it first multiplies x by a scale of 1). Serialisable like the other custom layers.
 */
export class SiLU extends tfl.layers.Layer {
  static className = 'OpScreenSiLU';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  }
}
tf.serialization.registerClass(SiLU);
