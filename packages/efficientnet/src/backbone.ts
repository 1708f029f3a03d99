import type * as tfl from '@tensorflow/tfjs-layers';
import * as layers from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';

export interface BackboneOptions {
  /** The layer whose output are the features (default: the last layer with a 4-D output). */
  cutAt?: string;
  /** Outputs of the new head (default 1: the study's one-logit head). */
  numClasses?: number;
  /** Freeze the backbone (every layer up to the cut is not trainable; default false). */
  freeze?: boolean;
  /** Dropout before the head (default 0). */
  dropout?: number;
  /** 'zeros' (default: every logit 0 at the start, as the zoo's binary heads) or 'random' (seeded Glorot). */
  headInit?: 'zeros' | 'random';
  seed?: number;
  /** Name of the new model (default: the backbone's + `_head`). */
  name?: string;
}

/**
 * Any tfjs/Keras layers model (a user's own pretrained network, loaded from local files with
 * `loadModel` or tfjs's `loadLayersModel`) as a fine-tunable backbone with the study head: cut at a
 * named layer, global average pooling of a 4-D cut, optional dropout, a dense head `fc` (logits).
 * The new model shares the backbone's layers and weights; `freeze` makes them not trainable (set
 * `trainable` back on them, or use `setStagesTrainable`, to unfreeze later). A missing layer or a
 * cut that is not 2-D or 4-D is `INVALID_OPTION`.
 */
export function backboneWithHead(model: tfl.LayersModel, opts: BackboneOptions = {}): tfl.LayersModel {
  const cut = opts.cutAt
    ? model.layers.find((l) => l.name === opts.cutAt)
    : [...model.layers].reverse().find((l) => (l.outputShape as number[]).length === 4);
  if (!cut)
    throw new ZooError(
      'INVALID_OPTION',
      opts.cutAt
        ? `${model.name} has no layer '${opts.cutAt}'; its layers are ${model.layers
            .map((l) => l.name)
            .slice(-8)
            .join(', ')}, ...`
        : `${model.name} has no 4-D layer to cut at; name one with cutAt`,
    );
  const rank = (cut.outputShape as number[]).length;
  if (rank !== 2 && rank !== 4)
    throw new ZooError(
      'INVALID_OPTION',
      `layer '${cut.name}' of ${model.name} outputs rank ${rank}; cut at a 2-D or 4-D layer`,
    );
  const numClasses = opts.numClasses ?? 1;
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ZooError('INVALID_OPTION', `numClasses must be a positive integer, got ${numClasses}`);
  let x = cut.output as tfl.SymbolicTensor;
  if (rank === 4)
    x = layers.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(x) as tfl.SymbolicTensor;
  if (opts.dropout)
    x = layers.layers
      .dropout({ rate: opts.dropout, name: 'head_dropout', seed: opts.seed })
      .apply(x) as tfl.SymbolicTensor;
  const out = layers.layers
    .dense({
      units: numClasses,
      name: 'fc',
      kernelInitializer:
        opts.headInit === 'random' ? layers.initializers.glorotUniform({ seed: opts.seed ?? 0 }) : 'zeros',
      biasInitializer: 'zeros',
    })
    .apply(x) as tfl.SymbolicTensor;
  const head = layers.model({ inputs: model.inputs, outputs: out, name: opts.name ?? `${model.name}_head` });
  if (opts.freeze) for (const l of head.layers) if (l.name !== 'fc') l.trainable = false;
  return head;
}
