// fineTune: the study's schedule (Adam 1e-4, batch 16, ReduceLROnPlateau x0.5 after 5 flat
// epochs, early stopping after 10, at most 100 epochs, keep the lowest-validation-loss weights)
// as a custom loop over caller-supplied batches, data-parallel over worker threads, with an
// atomic checkpoint after every epoch that a resumed run continues from bit for bit.
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { clearDerivedFilters, registerWasmKernels, type WasmBackendLike } from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Adam } from './adam.js';
import { checkpointPaths, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { TrainError } from './errors.js';
import { type ReplicaOptions, ReplicaPool } from './pool.js';
import { createProgress } from './progress.js';
import { inputShapeOf, planReplicaMemory } from './replica.js';
import { mix32 } from './rng.js';
import {
  EarlyStopping,
  type EarlyStoppingState,
  ReduceLROnPlateau,
  type ReduceLROnPlateauState,
} from './schedulers.js';

/** One batch: `x` NHWC float32 for the model's input shape, `y` 0/1 labels, `n` samples. */
export interface TrainBatch {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** Where batches come from. The caller shuffles and augments per epoch (seeded). */
export interface FineTuneData {
  train(epoch: number): AsyncIterable<TrainBatch>;
  validation(): AsyncIterable<TrainBatch>;
}

export interface EpochRecord {
  epoch: number;
  /** Mean class-weighted training loss over the epoch. */
  trainLoss: number;
  /** Mean unweighted validation loss (inference mode). */
  valLoss: number;
  /** Learning rate used in this epoch. */
  lr: number;
  /** Wall time of the epoch (training and validation). */
  seconds: number;
  /** Training images per second. */
  imagesPerSecond: number;
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
  /** Linear learning-rate warm-up over the first epochs: epoch e uses lr * (e + 1) / warmupEpochs. */
  warmupEpochs?: number;
  /** Write `last.ckpt` (and `best.ckpt`) here after every epoch. */
  checkpointDir?: string;
  /** Continue from `checkpointDir/last.ckpt` when it exists. */
  resume?: boolean;
  /**
   * Model replicas computing shards of each batch (default: os.availableParallelism() on the wasm
   * and cpu backends, 1 on native TensorFlow). Results are reproducible for a fixed value; a
   * different value changes BatchNorm batch statistics (each replica normalises its shard).
   */
  workers?: number;
  /** Progress bar on a TTY, one line per epoch otherwise ('auto', default), or silence (false). */
  progress?: boolean | 'auto';
  /** Append one JSON line per epoch (an {@link EpochRecord}) to this file. */
  historyFile?: string;
  onEpoch?: (r: EpochRecord) => void;
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
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  /** Set when the run continued from a checkpoint: the number of epochs already done. */
  resumedFromEpoch?: number;
  /** How each replica ran its shard: passes of `microBatch` samples (undefined: whole shard), with or without recomputation. */
  plan: { replicas: number; microBatch: number | undefined; gradientCheckpointing: boolean };
}

interface CheckpointMeta {
  format: 1;
  nextEpoch: number;
  globalStep: number;
  lr: number;
  seed: number;
  replicas: number;
  adamStep: number;
  plateau: ReduceLROnPlateauState | null;
  stopper: EarlyStoppingState | null;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  weightNames: string[];
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

function checkBatch(b: TrainBatch, perSample: number, where: string): void {
  const ok =
    Number.isInteger(b.n) &&
    b.n > 0 &&
    b.x instanceof Float32Array &&
    b.y instanceof Float32Array &&
    b.x.length === b.n * perSample &&
    b.y.length === b.n;
  if (!ok) {
    throw new TrainError(
      'BAD_BATCH',
      `${where}: a batch must hold n > 0 samples, x: Float32Array of n * ${perSample} values (NHWC for the model input) and y: Float32Array of n labels; got n=${b.n}, x=${b.x?.length}, y=${b.y?.length}`,
    );
  }
  for (const v of b.y)
    if (v !== 0 && v !== 1) throw new TrainError('BAD_BATCH', `${where}: labels must be 0 or 1, got ${v}`);
}

function variablesOf(model: tfl.LayersModel, indices: number[]): tf.Variable[] {
  return indices.map((i) => (model.weights[i] as unknown as { read(): tf.Variable }).read());
}

function assign(model: tfl.LayersModel, indices: number[], data: Float32Array[]): void {
  tf.tidy(() => {
    indices.forEach((wi, k) => {
      const w = model.weights[wi] as tfl.LayerVariable;
      w.write(tf.tensor(data[k] as Float32Array, w.shape as number[]));
    });
  });
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
  const epochs = positiveInt('epochs', options.epochs ?? 100);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 16);
  const baseLr = options.learningRate ?? 1e-4;
  if (!(baseLr > 0)) throw new TrainError('INVALID_OPTION', `learningRate must be > 0, got ${baseLr}`);
  const seed = options.seed ?? 0;
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
  const backend = tf.getBackend();
  const parallel = backend === 'wasm' || backend === 'cpu';
  const replicas = positiveInt('workers', options.workers ?? (parallel ? availableParallelism() : 1));
  if (backend === 'wasm') registerWasmKernels();
  const { microBatch, gradientCheckpointing: checkpointing } = planReplicaMemory(model, {
    backend,
    batchSize,
    replicas,
    microBatch: options.microBatch ?? 'auto',
    gradientCheckpointing: options.gradientCheckpointing ?? 'auto',
  });

  const perSample = inputShapeOf(model).reduce((a, b) => a * b, 1);
  const plateau =
    options.reduceLrOnPlateau === false
      ? null
      : new ReduceLROnPlateau(options.reduceLrOnPlateau ?? { factor: 0.5, patience: 5 });
  const stopper =
    options.earlyStopping === false ? null : new EarlyStopping(options.earlyStopping ?? { patience: 10 });
  const adam = new Adam(options.adam);
  const progress = createProgress(options.progress ?? 'auto');
  const paths = options.checkpointDir ? checkpointPaths(options.checkpointDir) : undefined;
  if (options.checkpointDir) await mkdir(options.checkpointDir, { recursive: true });

  const pool = await ReplicaPool.create(model, replicas, options);
  try {
    const plan = pool.plan;
    const allIdx = model.weights.map((_, i) => i);
    const weightNames = model.weights.map((w) => w.originalName);
    const vars = variablesOf(model, plan.trainable);
    let nextEpoch = 0;
    let globalStep = 0;
    let lr = baseLr;
    let history: EpochRecord[] = [];
    let bestEpoch = -1;
    let bestValLoss = Number.POSITIVE_INFINITY;
    let bestWeights: Float32Array[] | undefined;
    let stoppedEarly = false;
    let resumedFromEpoch: number | undefined;

    if (options.resume && paths && existsSync(paths.last)) {
      const ck = await readCheckpoint<CheckpointMeta>(paths.last);
      const m = ck.meta;
      const mismatch = (why: string) =>
        new TrainError(
          'CHECKPOINT_MISMATCH',
          `checkpoint ${paths.last} does not belong to this model/run (${why}); use another checkpointDir`,
          paths.last,
        );
      if (m.weightNames.join('\n') !== weightNames.join('\n')) throw mismatch('weight names differ');
      const w = ck.arrays.get('weights') ?? [];
      w.forEach((a, i) => {
        if (
          a.length !==
          (model.weights[i] as tfl.LayerVariable).shape.reduce((x, y) => (x as number) * (y as number), 1)
        )
          throw mismatch(`weight ${weightNames[i]} has another size`);
      });
      assign(model, allIdx, w);
      adam.restore(vars, m.adamStep, ck.arrays.get('adam.m') ?? [], ck.arrays.get('adam.v') ?? []);
      if (plateau && m.plateau) plateau.restore(m.plateau);
      if (stopper && m.stopper) stopper.restore(m.stopper);
      nextEpoch = m.nextEpoch;
      globalStep = m.globalStep;
      lr = m.lr;
      history = m.history;
      bestEpoch = m.bestEpoch;
      bestValLoss = m.bestValLoss;
      stoppedEarly = m.stoppedEarly;
      resumedFromEpoch = m.nextEpoch;
      if (bestEpoch >= 0) {
        if (!existsSync(paths.best))
          throw new TrainError('CHECKPOINT_CORRUPT', `best weights ${paths.best} are missing`, paths.best);
        bestWeights = (await readCheckpoint<unknown>(paths.best)).arrays.get('weights');
      }
      pool.broadcast(allIdx);
    }

    let lastEpochImages: number | undefined;
    for (let epoch = nextEpoch; epoch < epochs && !stoppedEarly; epoch++) {
      const epochLr = warmup > 0 && epoch < warmup ? (lr * (epoch + 1)) / warmup : lr;
      const t0 = performance.now();
      progress.startEpoch(epoch, epochs, lastEpochImages);
      let lossSum = 0;
      let images = 0;
      for await (const b of data.train(epoch)) {
        checkBatch(b, perSample, `train batch of epoch ${epoch}`);
        if (b.n > batchSize)
          throw new TrainError(
            'BAD_BATCH',
            `a training batch holds ${b.n} samples, more than batchSize ${batchSize}`,
          );
        const step = globalStep;
        const r = await pool.step(
          b.x,
          b.y,
          b.n,
          classWeights,
          (k) => mix32(seed, step, k),
          microBatch,
          checkpointing,
        );
        if (!Number.isFinite(r.lossSum))
          throw new TrainError(
            'NON_FINITE_LOSS',
            `training loss became ${r.lossSum} at epoch ${epoch}, step ${step}; lower learningRate or check the inputs for NaN`,
          );
        adam.apply(vars, r.grads, epochLr);
        if (pool.replicas > 1) assign(model, plan.state, r.state);
        pool.broadcast([...plan.trainable, ...plan.state]);
        globalStep++;
        lossSum += r.lossSum;
        images += b.n;
        progress.update(images, lossSum / images, images / ((performance.now() - t0) / 1000));
        if (options.signal?.aborted)
          throw new TrainError(
            'ABORTED',
            `training aborted in epoch ${epoch}; resume from ${options.checkpointDir ?? 'a checkpointDir next time'}`,
          );
      }
      if (images === 0) throw new TrainError('EMPTY_DATA', `data.train(${epoch}) yielded no batches`);
      const trainSeconds = (performance.now() - t0) / 1000;
      lastEpochImages = images;
      let valSum = 0;
      let valN = 0;
      for await (const b of data.validation()) {
        checkBatch(b, perSample, 'validation batch');
        valSum += (await pool.evaluate(b.x, b.y, b.n)).lossSum;
        valN += b.n;
      }
      if (valN === 0) throw new TrainError('EMPTY_DATA', 'data.validation() yielded no batches');
      const valLoss = valSum / valN;
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / images,
        valLoss,
        lr: epochLr,
        seconds: (performance.now() - t0) / 1000,
        imagesPerSecond: images / trainSeconds,
      };
      history.push(record);
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        bestWeights = pool.readWeights(allIdx);
        if (paths) {
          await writeCheckpoint(paths.best, { epoch, valLoss }, [
            {
              section: 'weights',
              names: weightNames,
              shapes: model.weights.map((w) => w.shape as number[]),
              data: bestWeights,
            },
          ]);
        }
      }
      if (plateau) lr = plateau.step(valLoss, lr);
      if (stopper?.step(valLoss, epoch)) stoppedEarly = true;
      if (paths) {
        const moments = adam.moments();
        const meta: CheckpointMeta = {
          format: 1,
          nextEpoch: epoch + 1,
          globalStep,
          lr,
          seed,
          replicas: pool.replicas,
          adamStep: adam.step,
          plateau: plateau ? plateau.state() : null,
          stopper: stopper ? stopper.state() : null,
          history,
          bestEpoch,
          bestValLoss,
          stoppedEarly,
          weightNames,
        };
        const tShapes = plan.trainable.map((i) => model.weights[i]?.shape as number[]);
        const tNames = plan.trainable.map((i) => weightNames[i] as string);
        await writeCheckpoint(paths.last, meta, [
          {
            section: 'weights',
            names: weightNames,
            shapes: model.weights.map((w) => w.shape as number[]),
            data: pool.readWeights(allIdx),
          },
          { section: 'adam.m', names: tNames, shapes: tShapes, data: moments.m },
          { section: 'adam.v', names: tNames, shapes: tShapes, data: moments.v },
        ]);
      }
      if (options.historyFile) await appendFile(options.historyFile, `${JSON.stringify(record)}\n`);
      progress.endEpoch(
        `epoch ${epoch + 1}/${epochs} train_loss=${record.trainLoss.toFixed(4)} val_loss=${valLoss.toFixed(4)} lr=${epochLr.toExponential(2)} ${record.imagesPerSecond.toFixed(2)} img/s ${record.seconds.toFixed(1)} s${stoppedEarly ? ' (early stop)' : ''}`,
      );
      options.onEpoch?.(record);
    }
    if (bestWeights) assign(model, allIdx, bestWeights);
    adam.dispose();
    const result: FineTuneResult = {
      history,
      bestEpoch,
      bestValLoss,
      stoppedEarly,
      plan: { replicas, microBatch, gradientCheckpointing: checkpointing },
    };
    if (resumedFromEpoch !== undefined) result.resumedFromEpoch = resumedFromEpoch;
    return result;
  } finally {
    await pool.close();
    // the conv gradients' rearranged filters are per step; do not keep them past training
    if (backend === 'wasm') clearDerivedFilters(tf.backend() as unknown as WasmBackendLike);
  }
}
