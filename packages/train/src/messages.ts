import type { ShardRequest, ShardResult } from './replica.js';

/** workerData flag that tells worker.ts it was started by a ReplicaPool. */
export const WORKER_FLAG = '__opScreenTrainWorker';

export type Msg =
  | {
      type: 'init';
      backend: string;
      /** Modules the worker imports before rebuilding the model (custom layer registration). */
      modules: string[];
      topology: string;
      weights: Float32Array[];
      trainableNames: string[];
    }
  | { type: 'weights'; indices: number[]; data: Float32Array[] }
  | { type: 'step'; req: ShardRequest }
  | { type: 'eval'; x: Float32Array; y: Float32Array | undefined; n: number }
  | { type: 'close' };

export type Reply =
  | { type: 'ready' }
  | { type: 'step'; result: ShardResult }
  | { type: 'eval'; probs: Float32Array; lossSum: number }
  | { type: 'error'; message: string };
