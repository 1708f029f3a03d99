import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { silu } from './silu.js';

/**
 * The 32-bit hash that derives a step's mask seed from (layer seed, step seed). It is the same
 * function as @op-screen/train's `mix32`, so masks stay reproducible across both packages.
 */
function mix32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
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
    registerZooLayers();
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
   * Seeding hook for trainers (@op-screen/train's `ReseedableLayer`): with a step seed set, the mask depends
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

/**
 * SiLU / swish, x * sigmoid(x), in two kernel calls (tfjs-layers' 'swish' activation makes three:
 * it first multiplies x by a scale of 1), with a one-pass gradient on wasm (see `silu` in
 * silu.ts). Serialisable like the other custom layers.
 */
export class SiLU extends tfl.layers.Layer {
  static className = 'OpScreenSiLU';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
    registerZooLayers();
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return silu(x);
  }
}

let registered = false;

/**
 * Registers the zoo's custom layers (StochasticDepth, SiLU) with tfjs's serialization registry,
 * so `tfl.loadLayersModel` / `modelFromJSON` can rebuild a saved zoo model. Idempotent.
 * `createModel` and `loadModel` call it; call it yourself before loading a zoo model with
 * tfjs-layers' own functions. Importing the package registers nothing.
 */
export function registerZooLayers(): void {
  if (registered) return;
  registered = true;
  tf.serialization.registerClass(StochasticDepth);
  tf.serialization.registerClass(SiLU);
}
