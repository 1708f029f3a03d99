// Training engine: fine-tuning with the study's schedule, wasm gradient kernels, worker pool,
// checkpoints. Importing this module in a worker thread started by the pool serves replica work.
export { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from '../kernels/index.js';
export { Adam, type AdamOptions } from './adam.js';
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
export { shardSizes } from './pool.js';
export { type PredictOptions, predictProbabilities } from './predict.js';
export {
  activationFloatsPerSample,
  autoMicroBatch,
  estimateWasmTrainingBytes,
  WASM_HEAP_LIMIT_BYTES,
} from './replica.js';
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
} from './schedulers.js';
