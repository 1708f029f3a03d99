import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { silu } from './kernels/fused-ops.js';
import { mix32 } from './train/rng.js';

/** A layer whose random draws in training a trainer can pin to a per-step seed (see StochasticDepth). */
export interface ReseedableLayer {
  setStepSeed(stepSeed: number | undefined): void;
}

export function isReseedableLayer(layer: unknown): layer is ReseedableLayer {
  return typeof (layer as { setStepSeed?: unknown } | null)?.setStepSeed === 'function';
}

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
  private stepSeed: number | undefined;

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
      const seed =
        this.stepSeed !== undefined
          ? mix32(this.seed ?? 0, this.stepSeed)
          : this.seed === undefined
            ? undefined
            : this.seed + this.calls++;
      const mask = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  /**
   * Seeding hook for trainers ({@link ReseedableLayer}): with a step seed set, the mask depends
   * only on (layer seed, step seed), so a forward pass can be replayed exactly (gradient
   * checkpointing recomputes a segment; resumed runs redraw the same masks). `undefined` goes
   * back to the default: a new mask on every call (seed + call count when the layer is seeded).
   */
  setStepSeed(stepSeed: number | undefined): void {
    this.stepSeed = stepSeed === undefined ? undefined : stepSeed >>> 0;
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
 * it first multiplies x by a scale of 1), with a one-pass gradient on wasm (see `silu` in
 * kernels/fused-ops.ts). Serialisable like the other custom layers.
 */
export class SiLU extends tfl.layers.Layer {
  static className = 'OpScreenSiLU';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return silu(x);
  }
}
tf.serialization.registerClass(SiLU);
