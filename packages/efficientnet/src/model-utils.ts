import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';

const BUFFER = /\/(moving_mean|moving_variance)$/;

/**
 * Trainable-kind parameters (what torch's `sum(p.numel() for p in model.parameters())` counts):
 * every weight except BatchNorm running statistics, whether or not the layer is frozen.
 */
export function countParameters(model: tfl.LayersModel): number {
  let n = 0;
  for (const w of model.weights)
    if (!BUFFER.test(w.originalName)) n += (w.shape as number[]).reduce((a, b) => a * b, 1);
  return n;
}

/**
 * The stage a layer belongs to, for freezing: EfficientNet `features.N` (0 = stem, last = head conv)
 * and `classifier`; ResNet `stem` (conv1, bn1, maxpool), `layer1`..`layer4` and `fc`. Layers without
 * weights outside these (input, pooling) belong to `other`.
 */
export function stageOf(layerName: string): string {
  const parts = layerName.split('.');
  if (parts[0] === 'features' && parts.length > 1) return `features.${parts[1]}`;
  if (parts[0] === 'classifier') return 'classifier';
  if (/^layer\d$/.test(parts[0] as string)) return parts[0] as string;
  if (['conv1', 'bn1', 'relu', 'maxpool'].includes(parts[0] as string)) return 'stem';
  if (parts[0] === 'fc') return 'fc';
  return 'other';
}

/** Stages of a model in forward order (see {@link stageOf}). */
export function listStages(model: tfl.LayersModel): string[] {
  const seen: string[] = [];
  for (const l of model.layers) {
    const s = stageOf(l.name);
    if (s !== 'other' && !seen.includes(s)) seen.push(s);
  }
  return seen;
}

/**
 * Freezes every stage up to and including `upTo` and unfreezes the rest (fine-tuning: freeze the
 * stem and early stages, train the top). `upTo: null` unfreezes everything. Recompile a model after
 * changing this, as tfjs reads `trainable` at compile time. Frozen BatchNorm layers keep their
 * running statistics fixed only if the model runs them in inference mode.
 * @returns the frozen stage names.
 */
export function freezeStages(model: tfl.LayersModel, upTo: string | null): string[] {
  const stages = listStages(model);
  const idx = upTo === null ? -1 : stages.indexOf(upTo);
  if (upTo !== null && idx < 0)
    throw new ZooError(
      'INVALID_OPTION',
      `no stage '${upTo}' in model ${model.name}; stages: ${stages.join(', ')}`,
    );
  const frozen = new Set(stages.slice(0, idx + 1));
  for (const l of model.layers) l.trainable = !frozen.has(stageOf(l.name));
  return [...frozen];
}

/** Sets `trainable` for exactly the listed stages (others untouched). */
export function setStagesTrainable(model: tfl.LayersModel, stages: string[], trainable: boolean): void {
  const known = listStages(model);
  for (const s of stages)
    if (!known.includes(s))
      throw new ZooError(
        'INVALID_OPTION',
        `no stage '${s}' in model ${model.name}; stages: ${known.join(', ')}`,
      );
  const set = new Set(stages);
  for (const l of model.layers) if (set.has(stageOf(l.name))) l.trainable = trainable;
}
