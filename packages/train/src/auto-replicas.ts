// How many replicas a job gets when the caller does not say: a replica on a worker thread costs a
// model rebuild at start and a weight broadcast per step, which only pays when each sample carries
// enough arithmetic. The work per sample is estimated from the model's layers (multiply-adds of
// its convolutions and dense layers at the model's input size); bench/train/replicas.mjs measured
// where a second replica starts to pay (see the train README, "Replicas").
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Multiply-adds per sample below which one replica is the default: 1e8 (0.1 G). EfficientNet-B0
 * at 64 px (0.03 G) and ResNet-18 at 32 px (0.04 G) ran slower on 2 replicas than on 1;
 * EfficientNet-B0 at 224 px (0.39 G) and above ran faster.
 */
export const REPLICA_MIN_MACS_PER_SAMPLE = 1e8;

type Shape = Array<number | null>;

function outputShapeOf(layer: tfl.layers.Layer): Shape | undefined {
  const s = layer.outputShape as unknown;
  if (!Array.isArray(s)) return undefined;
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

/**
 * Estimated multiply-adds of one forward pass of one sample: every layer holding a 4-D `kernel`
 * (convolutions: output pixels x kernel size; a depthwise kernel's last axis is its multiplier)
 * or a 2-D one (dense: inputs x units, times the positions it is applied at). Elementwise layers,
 * pooling and BatchNorm are left out (a few per cent of a convolutional network's work).
 */
export function estimateMacsPerSample(model: tfl.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /(^|\/)(depthwise_)?kernel$/.test(w.originalName));
    const out = outputShapeOf(layer);
    if (!kernel || !out) continue;
    const k = kernel.shape as number[];
    const positions = out.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);
    const kernelMacs = k.reduce((a, b) => a * b, 1);
    if (k.length === 4 || k.length === 2) macs += positions * kernelMacs;
  }
  return macs;
}

export interface ReplicaChoiceInput {
  /** Multiply-adds per sample ({@link estimateMacsPerSample}). */
  macsPerSample: number;
  /** Cores the job may use (os.availableParallelism()). */
  cores: number;
  /** tfjs backend name: only 'wasm' and 'cpu' compute on one thread and gain from replicas. */
  backend: string;
}

/**
 * The default replica count: 1 on a backend that already uses every core (tfjs-node, WebGPU) or
 * when a sample carries less than {@link REPLICA_MIN_MACS_PER_SAMPLE} multiply-adds (start-up and
 * per-step weight traffic of a worker outweigh its share of the work); otherwise one per core.
 */
export function chooseReplicas({ macsPerSample, cores, backend }: ReplicaChoiceInput): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  if (!(macsPerSample >= REPLICA_MIN_MACS_PER_SAMPLE)) return 1;
  return Math.max(1, Math.floor(cores));
}

/** {@link chooseReplicas} for this model on this machine. */
export function defaultReplicas(model: tfl.LayersModel, backend: string, cores: number): number {
  return chooseReplicas({ macsPerSample: estimateMacsPerSample(model), cores, backend });
}
