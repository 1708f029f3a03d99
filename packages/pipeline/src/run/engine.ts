import type { Region } from '@op-screen/preprocess';
import type { FineTuneData, TrainBatch } from '@op-screen/train';
import type { RunConfig } from './config.js';

// The batch and data contract is @op-screen/train's own (`fineTune`), re-exported so the
// pipeline and test engines speak exactly what the real trainer consumes.
export type { FineTuneData, TrainBatch };

export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss: number;
  learningRate: number;
}

export interface FitSummary {
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
}

export interface FitOptions {
  checkpointDir: string;
  resume: boolean;
  historyFile: string;
  seed: number;
  progressLabel: string;
  onEpoch?: (e: EpochRecord) => void;
}

/** What the pipeline needs from the model zoo and the training engine (adapters in ports.ts). */
export interface Engine {
  createModel(cfg: RunConfig, seed: number): Promise<unknown>;
  fineTune(model: unknown, data: FineTuneData, cfg: RunConfig, opts: FitOptions): Promise<FitSummary>;
  predict(model: unknown, batches: AsyncIterable<TrainBatch>, cfg: RunConfig): Promise<Float32Array>;
  save(model: unknown, dir: string): Promise<void>;
  load(dir: string): Promise<unknown>;
  gradCam(model: unknown, x: Float32Array, size: number, channels: number): Promise<Float32Array>;
  describe(): Promise<Record<string, unknown>>;
  dispose(model: unknown): void;
}

/** Image preparation (the preprocess library's pipeline presets) for one run. */
export interface Preparer {
  /** Evaluation pipeline: crop -> network input, NHWC [size, size, channels]. */
  prepare(crop: Region): Float32Array;
  /** Train-only augmentation of prepared inputs, one seeded stream per epoch. */
  augmenter(seed: number): (x: Float32Array) => Float32Array;
  /** JSON description of the steps (recorded in report.json and the model card): `pipeline` is the spec @op-screen/preprocess runs. */
  describe(): { pipeline: unknown; [key: string]: unknown };
}
