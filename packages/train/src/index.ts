/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/train' as const;

// @op-screen/train: fine-tuning for any tfjs LayersModel. Importing it registers nothing and
// starts nothing; replica workers run the separate `worker` entry, and the wasm training kernels
// are registered by fineTune / predictProbabilities when they run on wasm.
export { Adam, type AdamOptions } from './adam.js';
export {
  chooseReplicas,
  estimateMacsPerSample,
  REPLICA_MIN_MACS_PER_SAMPLE,
  type ReplicaChoiceInput,
} from './auto-replicas.js';
export { type BatchesOptions, batchesOf } from './batches.js';
export { TrainError, type TrainErrorCode } from './errors.js';
export {
  balancedClassWeights,
  type EpochRecord,
  type FineTuneData,
  type FineTuneOptions,
  type FineTuneResult,
  fineTune,
  type TrainBatch,
} from './fine-tune.js';
export {
  currentGpuLimits,
  type GpuBufferLimits,
  type GpuMicroBatchRequest,
  gpuMicroBatch,
  largestActivationFloatsPerSample,
  planGpuMicroBatch,
} from './gpu-memory.js';
export { defaultWorkerEntry, type ReplicaOptions, shardSizes } from './pool.js';
export { type PredictBatch, type PredictOptions, predictProbabilities } from './predict.js';
export { createStepProgress, type StepProgress } from './progress.js';
export {
  activationFloatsPerSample,
  autoMicroBatch,
  estimateWasmTrainingBytes,
  WASM_HEAP_LIMIT_BYTES,
} from './replica.js';
export { isReseedableLayer, type ReseedableLayer } from './reseedable.js';
export { mix32 } from './rng.js';
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  type EpochEndAction,
  type EpochEndLogs,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
  type TrainCallback,
} from './schedulers.js';
