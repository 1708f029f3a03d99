// fineTune: the study's schedule (Adam 1e-4, batch 16, ReduceLROnPlateau x0.5 after 5 flat
// epochs, early stopping after 10, at most 100 epochs, keep the lowest-validation-loss weights)
// as a custom loop over caller-supplied batches, data-parallel over worker threads, with an
// atomic checkpoint after every epoch that a resumed run continues from bit for bit.
import { appendFile, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import {
  clearDerivedFilters,
  registerBatchNormGradientGuard,
  registerWasmKernels,
  type WasmBackendLike,
} from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Adam } from './adam.js';
import { defaultReplicas } from './auto-replicas.js';
import { checkpointPaths } from './checkpoint.js';
import { TrainError } from './errors.js';
import {
  assignWeights,
  type EpochRecord,
  keepBest,
  newTrainState,
  restoreCheckpoint,
  runCallbacks,
  runEpoch,
  type TrainBatch,
  type TrainContext,
  validate,
  writeLastCheckpoint,
} from './loop.js';
import { type ReplicaOptions, ReplicaPool } from './pool.js';
import { createProgress } from './progress.js';
import { inputShapeOf, planReplicaMemory } from './replica.js';
import { EarlyStopping, ReduceLROnPlateau, type TrainCallback } from './schedulers.js';

export type { EpochRecord, TrainBatch } from './loop.js';

/** Where batches come from. The caller shuffles and augments per epoch (seeded). */
export interface FineTuneData {
  /**
   * Batches of one epoch. The argument is the 0-based epoch index (a seed for shuffling and
   * augmentation): `train(0)` feeds the epoch that logs say `epoch 1/N` and records as `epoch: 1`.
   */
  train(epochIndex: number): AsyncIterable<TrainBatch> | Iterable<TrainBatch>;
  validation(): AsyncIterable<TrainBatch> | Iterable<TrainBatch>;
}

export interface FineTuneOptions extends ReplicaOptions {
  /** Maximum epochs (default 100). */
  epochs?: number;
  /** Expected batch size (default 16); batches come from `data`, this only validates them. */
  batchSize?: number;
  /** Adam learning rate (default 1e-4). */
  learningRate?: number;
  /** Default `{ factor: 0.5, patience: 5 }` on validation loss; false disables. */
  reduceLrOnPlateau?:
    | { factor: number; patience: number; minLr?: number; minDelta?: number; cooldown?: number }
    | false;
  /** Default `{ patience: 10 }` on validation loss; false disables. */
  earlyStopping?: { patience: number; minDelta?: number } | false;
  /** Seed of dropout / stochastic-depth masks (default 0). */
  seed?: number;
  /** Loss weights of class 0 and class 1 (default [1, 1]); see {@link balancedClassWeights}. */
  classWeights?: [number, number];
  /** Linear learning-rate warm-up over the first epochs: epoch e (1-based) uses lr * e / warmupEpochs. */
  warmupEpochs?: number;
  /** Write `last.ckpt` (and `best.ckpt`) here after every epoch. */
  checkpointDir?: string;
  /** Continue from `checkpointDir/last.ckpt` when it exists. */
  resume?: boolean;
  /**
   * Model replicas computing shards of each batch. Default: {@link chooseReplicas} — one per core
   * (os.availableParallelism()) on the wasm and cpu backends when a sample carries at least
   * REPLICA_MIN_MACS_PER_SAMPLE multiply-adds, else 1 (and 1 on native TensorFlow or WebGPU).
   * Results are reproducible for a fixed value; a different value changes BatchNorm batch
   * statistics (each replica normalises its shard), so pass it explicitly to pin a run's numerics.
   */
  workers?: number;
  /** Progress bar on a TTY, one line per epoch otherwise ('auto', default), or silence (false). */
  progress?: boolean | 'auto';
  /** Append one JSON line per epoch (an {@link EpochRecord}) to this file. */
  historyFile?: string;
  onEpoch?: (r: EpochRecord) => void;
  /**
   * More epoch-end callbacks, run after ReduceLROnPlateau and EarlyStopping (Keras' callback
   * list): each may set the next learning rate or stop the run; their state is checkpointed.
   */
  callbacks?: TrainCallback[];
  /** Adam hyper-parameters (defaults 0.9, 0.999, 1e-7 as Keras). */
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
  /** Stops after the current batch with a TrainError('ABORTED'); the last checkpoint stays. */
  signal?: AbortSignal;
  /**
   * Most samples one replica pushes through the network at once; larger shards are split and
   * their gradients added (BatchNorm then sees micro-batches). Default 'auto': on wasm, what
   * keeps a replica's tape within the 4 GiB wasm heap (see autoMicroBatch); elsewhere no limit.
   */
  microBatch?: number | 'auto';
  /**
   * Gradient checkpointing: keep only the inputs of segments between blocks and recompute each
   * segment in the backward pass (about one more forward pass of compute; the tape of one segment
   * is alive at a time). Default 'auto': on wasm when one replica's shard of a batch does not fit
   * its heap in one plain pass (EfficientNet-B0/-B4, ResNet-50 at batch 16 on 2 replicas), so
   * BatchNorm sees the whole shard; otherwise off. Results equal the plain pass up to float32
   * summation order.
   */
  gradientCheckpointing?: boolean | 'auto';
}

export interface FineTuneResult {
  history: EpochRecord[];
  /** 1-based number of the epoch whose weights the model holds (as in the logs; -1: none improved). */
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  /** Set when the run continued from a checkpoint: the number of epochs already done. */
  resumedFromEpoch?: number;
  /** How each replica ran its shard: passes of `microBatch` samples (undefined: whole shard), with or without recomputation. */
  plan: { replicas: number; microBatch: number | undefined; gradientCheckpointing: boolean };
}

function positiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0))
    throw new TrainError('INVALID_OPTION', `${name} must be a positive integer, got ${v}`);
  return v;
}

/** Class weights that balance the classes: n / (2 * count of class). */
export function balancedClassWeights(labels: ArrayLike<number>): [number, number] {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) >= 0.5) pos++;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0)
    throw new TrainError('INVALID_OPTION', 'balancedClassWeights needs labels of both classes');
  return [labels.length / (2 * neg), labels.length / (2 * pos)];
}

function variablesOf(model: tfl.LayersModel, indices: number[]): tf.Variable[] {
  return indices.map((i) => (model.weights[i] as unknown as { read(): tf.Variable }).read());
}

interface ResolvedOptions {
  epochs: number;
  batchSize: number;
  baseLr: number;
  seed: number;
  classWeights: [number, number];
  warmup: number;
  replicas: number;
}

function resolveOptions(model: tfl.LayersModel, options: FineTuneOptions, backend: string): ResolvedOptions {
  const epochs = positiveInt('epochs', options.epochs ?? 100);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 16);
  const baseLr = options.learningRate ?? 1e-4;
  if (!(baseLr > 0)) throw new TrainError('INVALID_OPTION', `learningRate must be > 0, got ${baseLr}`);
  const classWeights = options.classWeights ?? [1, 1];
  if (classWeights.length !== 2 || classWeights.some((w) => !(w >= 0)))
    throw new TrainError(
      'INVALID_OPTION',
      `classWeights must be two non-negative numbers, got ${JSON.stringify(classWeights)}`,
    );
  const warmup = options.warmupEpochs ?? 0;
  if (!(Number.isInteger(warmup) && warmup >= 0))
    throw new TrainError('INVALID_OPTION', `warmupEpochs must be a non-negative integer, got ${warmup}`);
  if (options.resume && !options.checkpointDir)
    throw new TrainError('INVALID_OPTION', 'resume: true needs checkpointDir');
  const replicas = positiveInt(
    'workers',
    options.workers ?? defaultReplicas(model, backend, availableParallelism()),
  );
  return { epochs, batchSize, baseLr, seed: options.seed ?? 0, classWeights, warmup, replicas };
}

/** The schedule as a callback list: ReduceLROnPlateau, EarlyStopping (unless disabled), then the caller's. */
function scheduleCallbacks(options: FineTuneOptions): TrainCallback[] {
  const list: TrainCallback[] = [];
  if (options.reduceLrOnPlateau !== false)
    list.push(new ReduceLROnPlateau(options.reduceLrOnPlateau ?? { factor: 0.5, patience: 5 }));
  if (options.earlyStopping !== false)
    list.push(new EarlyStopping(options.earlyStopping ?? { patience: 10 }));
  list.push(...(options.callbacks ?? []));
  const names = new Set<string>();
  for (const cb of list) {
    if (names.has(cb.name))
      throw new TrainError(
        'INVALID_OPTION',
        `two callbacks are named '${cb.name}'; names key their checkpoint state`,
      );
    names.add(cb.name);
  }
  return list;
}

/**
 * Fine-tunes a binary classifier (1 logit, or 2 class scores) with the study's schedule and leaves
 * the lowest-validation-loss weights in `model`. Layers with `trainable = false` are frozen
 * (their weights and BatchNorm statistics stay fixed).
 */
export async function fineTune(
  model: tfl.LayersModel,
  data: FineTuneData,
  options: FineTuneOptions = {},
): Promise<FineTuneResult> {
  const backend = tf.getBackend();
  const o = resolveOptions(model, options, backend);
  if (backend === 'wasm') registerWasmKernels();
  else registerBatchNormGradientGuard();
  const { microBatch, gradientCheckpointing: checkpointing } = planReplicaMemory(model, {
    backend,
    batchSize: o.batchSize,
    replicas: o.replicas,
    microBatch: options.microBatch ?? 'auto',
    gradientCheckpointing: options.gradientCheckpointing ?? 'auto',
  });
  const callbacks = scheduleCallbacks(options);
  const adam = new Adam(options.adam);
  const progress = createProgress(options.progress ?? 'auto');
  const paths = options.checkpointDir ? checkpointPaths(options.checkpointDir) : undefined;
  if (options.checkpointDir) await mkdir(options.checkpointDir, { recursive: true });

  const pool = await ReplicaPool.create(model, o.replicas, options);
  try {
    const ctx: TrainContext = {
      model,
      pool,
      adam,
      vars: variablesOf(model, pool.plan.trainable),
      callbacks,
      paths,
      weightNames: model.weights.map((w) => w.originalName),
      seed: o.seed,
      batchSize: o.batchSize,
      perSample: inputShapeOf(model).reduce((a, b) => a * b, 1),
      classWeights: o.classWeights,
      microBatch,
      checkpointing,
      signal: options.signal,
      checkpointDir: options.checkpointDir,
    };
    const state = newTrainState(o.baseLr);
    if (options.resume) await restoreCheckpoint(ctx, state);

    let lastEpochImages: number | undefined;
    for (let epoch = state.nextEpoch; epoch < o.epochs && !state.stoppedEarly; epoch++) {
      const epochLr =
        o.warmup > 0 && epoch < o.warmup ? (state.learningRate * (epoch + 1)) / o.warmup : state.learningRate;
      const t0 = performance.now();
      progress.startEpoch(epoch, o.epochs, lastEpochImages);
      const { lossSum, images } = await runEpoch(ctx, state, data.train(epoch), epoch, epochLr, (n, sum) =>
        progress.update(n, sum / n, n / ((performance.now() - t0) / 1000)),
      );
      const trainSeconds = (performance.now() - t0) / 1000;
      lastEpochImages = images;
      const valLoss = await validate(ctx, data.validation());
      const record: EpochRecord = {
        epoch: epoch + 1,
        loss: lossSum / images,
        valLoss,
        learningRate: epochLr,
        seconds: (performance.now() - t0) / 1000,
        imagesPerSecond: images / trainSeconds,
      };
      state.history.push(record);
      await keepBest(ctx, state, record);
      if (runCallbacks(ctx, state, record)) state.stoppedEarly = true;
      state.nextEpoch = epoch + 1;
      await writeLastCheckpoint(ctx, state);
      if (options.historyFile) await appendFile(options.historyFile, `${JSON.stringify(record)}\n`);
      progress.endEpoch(
        `epoch ${epoch + 1}/${o.epochs} train_loss=${record.loss.toFixed(4)} val_loss=${valLoss.toFixed(4)} lr=${epochLr.toExponential(2)} ${record.imagesPerSecond.toFixed(2)} img/s ${record.seconds.toFixed(1)} s${state.stoppedEarly ? ' (early stop)' : ''}`,
      );
      options.onEpoch?.(record);
    }
    if (state.bestWeights)
      assignWeights(
        model,
        model.weights.map((_, i) => i),
        state.bestWeights,
      );
    adam.dispose();
    const result: FineTuneResult = {
      history: state.history,
      bestEpoch: state.bestEpoch,
      bestValLoss: state.bestValLoss,
      stoppedEarly: state.stoppedEarly,
      plan: { replicas: o.replicas, microBatch, gradientCheckpointing: checkpointing },
    };
    if (state.resumedFromEpoch !== undefined) result.resumedFromEpoch = state.resumedFromEpoch;
    return result;
  } finally {
    await pool.close();
    // the conv gradients' rearranged filters are per step; do not keep them past training
    if (backend === 'wasm') clearDerivedFilters(tf.backend() as unknown as WasmBackendLike);
  }
}
